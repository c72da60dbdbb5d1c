import type { AsesWebhookOptions, ResolvedAsesOptions } from '../core/ases-options';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './webhook-events';
import { DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_WINDOW_SECONDS } from './webhook-retry';
import { webhookSecretProblem } from './webhook-signature';
import { webhookUrlProblem } from './webhook-target';

const MAX_RETRY_STEPS = 50;
const DAY_SECONDS = 86_400;

/**
 * `options.webhooks` with its defaults, checked: each problem is passed to `problem`, named by the
 * option and the environment variable it comes from.
 */
export function resolveWebhookOptions(
  given: AsesWebhookOptions | undefined,
  problem: (text: string) => void,
): ResolvedAsesOptions['webhooks'] {
  const endpoint = given?.endpoint;
  if (endpoint !== undefined) {
    const urlProblem =
      typeof endpoint.url === 'string' ? webhookUrlProblem(endpoint.url) : 'must be a string';
    if (urlProblem !== null) {
      problem(`webhooks.endpoint.url (WEBHOOK_URL) ${urlProblem}`);
    }
    const secretProblem =
      typeof endpoint.secret === 'string'
        ? webhookSecretProblem(endpoint.secret)
        : 'is required with webhooks.endpoint.url (WEBHOOK_URL): the receiver verifies with it';
    if (secretProblem !== null) {
      problem(`webhooks.endpoint.secret (WEBHOOK_SECRET) ${secretProblem}`);
    }
    const events = endpoint.events as unknown;
    if (
      events !== undefined &&
      (!Array.isArray(events) || events.length === 0 || !events.every(isWebhookEventType))
    ) {
      problem(
        `webhooks.endpoint.events (WEBHOOK_EVENTS) must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}; got ${JSON.stringify(events)}`,
      );
    }
  }
  const retrySchedule = given?.retrySchedule ?? [...DEFAULT_RETRY_SCHEDULE];
  if (
    !Array.isArray(retrySchedule) ||
    retrySchedule.length === 0 ||
    retrySchedule.length > MAX_RETRY_STEPS ||
    !retrySchedule.every((s) => Number.isInteger(s) && s >= 1 && s <= DAY_SECONDS)
  ) {
    problem(
      `webhooks.retrySchedule (WEBHOOK_RETRY_SCHEDULE) must be 1 to ${MAX_RETRY_STEPS} whole numbers of seconds from 1 to ${DAY_SECONDS}; got ${JSON.stringify(retrySchedule)}`,
    );
  }
  const retryWindowSeconds = given?.retryWindowSeconds ?? DEFAULT_RETRY_WINDOW_SECONDS;
  if (!Number.isInteger(retryWindowSeconds) || retryWindowSeconds < 1) {
    problem(
      `webhooks.retryWindowSeconds (WEBHOOK_RETRY_WINDOW_SECONDS) must be a whole number of seconds of at least 1; got ${JSON.stringify(retryWindowSeconds)}`,
    );
  }
  const allowPrivate = given?.allowPrivate ?? false;
  if (typeof allowPrivate !== 'boolean') {
    problem('webhooks.allowPrivate (WEBHOOK_ALLOW_PRIVATE) must be a boolean');
  }
  const concurrency = given?.concurrency ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 0 || concurrency > 1000) {
    problem(
      `webhooks.concurrency (WEBHOOK_CONCURRENCY) must be an integer from 0 to 1000; got ${JSON.stringify(concurrency)}`,
    );
  }
  const timeoutMs = given?.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 60_000) {
    problem(
      `webhooks.timeoutMs must be an integer from 1000 to 60000; got ${JSON.stringify(timeoutMs)}`,
    );
  }
  return {
    ...(endpoint === undefined
      ? {}
      : {
          endpoint: {
            url: endpoint.url,
            secret: endpoint.secret,
            ...(endpoint.events === undefined ? {} : { events: [...new Set(endpoint.events)] }),
          },
        }),
    retrySchedule: Array.isArray(retrySchedule) ? [...retrySchedule] : [],
    retryWindowMs: retryWindowSeconds * 1000,
    allowPrivate,
    concurrency,
    timeoutMs,
  };
}
