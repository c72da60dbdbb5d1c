/**
 * The label values of ases's metrics, from what the services know. Pure: every value comes from a
 * fixed set (never a message id, an address, a tag or a caller's category), so the number of
 * series stays bounded whatever the traffic.
 */
import type { FeedbackReceipt } from '../feedback/feedback.service';
import type { FeedbackSource } from '../feedback/feedback-stats.repository';
import type { ParsedFeedback } from '../feedback/ses-notification';
import type { SesFailureKind } from '../mailer/ses-send.error';
import type { SendmailJob } from '../mailer/sendmail-job';
import { isGeneratedId, queuedAtOfId } from '../status/message-id';

/** What became of one SendRawEmail call. */
export type SesCallOutcome = 'accepted' | 'throttled' | 'quota_exceeded' | 'rejected' | 'error';

/** Every {@link SesCallOutcome}, for the series made at start. */
export const SES_CALL_OUTCOMES: readonly SesCallOutcome[] = [
  'accepted',
  'throttled',
  'quota_exceeded',
  'rejected',
  'error',
];

const OUTCOME_BY_FAILURE: Record<SesFailureKind, Exclude<SesCallOutcome, 'accepted'>> = {
  throttled: 'throttled',
  'daily-quota': 'quota_exceeded',
  permanent: 'rejected',
  transient: 'error',
};

/** The outcome of a failed SES call, from the sender's classification of its error. */
export function sesCallOutcome(kind: SesFailureKind): Exclude<SesCallOutcome, 'accepted'> {
  return OUTCOME_BY_FAILURE[kind];
}

/** What became of one webhook delivery attempt (the webhooks module reports it). */
export type WebhookOutcome = 'delivered' | 'retrying' | 'failed' | 'gone' | 'dropped';

/** Every {@link WebhookOutcome}, for the series made at start. */
export const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = [
  'delivered',
  'retrying',
  'failed',
  'gone',
  'dropped',
];

/** The labels of `ases_feedback_events_total`. */
export interface FeedbackLabels {
  /** The SES event type in snake case (`bounce`, `delivery_delay`...), or what the message was instead. */
  type: string;
  source: FeedbackSource;
  outcome: string;
}

/**
 * An SES event type as a label value: `Bounce` → `bounce`, `DeliveryDelay` → `delivery_delay`,
 * `Rendering Failure` → `rendering_failure`.
 */
export function eventTypeLabel(type: string): string {
  return type
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/**
 * The labels of one feedback message handed to the feedback service, from what it was and what
 * became of it (`error`: it threw, and the transport retries it). A message that is not an SES
 * event gets the type `sns_confirmation` (SNS subscription messages), `unsupported` (an SES type
 * ases does not know: its name is not used, since anyone who can publish to the topic chooses it)
 * or `invalid` (poison).
 */
export function feedbackLabels(
  parsed: ParsedFeedback,
  source: FeedbackSource,
  receipt: FeedbackReceipt | 'error',
): FeedbackLabels {
  let type: string;
  switch (parsed.kind) {
    case 'notification':
      type = eventTypeLabel(parsed.notification.type);
      break;
    case 'subscription':
      type = 'sns_confirmation';
      break;
    case 'unsupported':
      type = 'unsupported';
      break;
    case 'invalid':
      type = 'invalid';
      break;
  }
  let outcome: string;
  if (receipt === 'error') {
    outcome = 'error';
  } else if (receipt.result === 'retry') {
    outcome = 'retry';
  } else {
    outcome = receipt.outcome.replace(/-/g, '_');
  }
  return { type, source, outcome };
}

/**
 * Seconds from an applied SES event's own time to `now`: SNS, SQS and ases together. Undefined
 * for anything else, and for a timestamp that does not parse.
 */
export function feedbackLagSeconds(
  parsed: ParsedFeedback,
  receipt: FeedbackReceipt | 'error',
  now: number,
): number | undefined {
  if (parsed.kind !== 'notification' || receipt === 'error' || receipt.result !== 'done') {
    return undefined;
  }
  if (receipt.outcome !== 'applied') {
    return undefined;
  }
  const at = Date.parse(parsed.notification.timestamp);
  return Number.isNaN(at) ? undefined : Math.max(0, (now - at) / 1000);
}

/**
 * The `store` label of a Redis failure, from the name the repository reports it under (`the
 * status store` → `status_store`, `the send budget` → `send_budget`). Those names are constants
 * of the code, so the values are bounded.
 */
export function storeLabel(what: string): string {
  const label = what
    .replace(/^the\s+/i, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return label === '' ? 'other' : label;
}

/**
 * Seconds a job waited between being due and SES taking it, at `now`: since it was queued (its
 * `queuedAt`, or the time its id carries), or since its `sendAt` for mail sent later. A message
 * retried by hand counts from its first queueing. Undefined when neither time is known.
 */
export function waitedSeconds(
  job: Pick<SendmailJob, 'id' | 'queuedAt' | 'sendAt'>,
  now: number,
): number | undefined {
  const queuedAt =
    job.queuedAt !== undefined
      ? Date.parse(job.queuedAt)
      : isGeneratedId(job.id)
        ? queuedAtOfId(job.id)
        : Number.NaN;
  const sendAt = job.sendAt === undefined ? Number.NaN : Date.parse(job.sendAt);
  const known = [queuedAt, sendAt].filter(Number.isFinite);
  return known.length === 0 ? undefined : Math.max(0, (now - Math.max(...known)) / 1000);
}
