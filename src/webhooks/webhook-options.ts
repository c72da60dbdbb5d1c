import type { ResolvedAsesOptions } from '../core/ases-options';

/**
 * `webhooks` of the resolved options, from the checked values of the options schema
 * (src/core/options-schema.ts declares each one, its bounds and its variable).
 */
export function webhookOptionsFrom(value: <T>(path: string) => T): ResolvedAsesOptions['webhooks'] {
  const url = value<string | undefined>('webhooks.endpoint.url');
  const events = value<string[] | undefined>('webhooks.endpoint.events');
  return {
    ...(url === undefined
      ? {}
      : {
          endpoint: {
            url,
            secret: value<string>('webhooks.endpoint.secret'),
            ...(events === undefined ? {} : { events: [...new Set(events)] }),
          },
        }),
    retrySchedule: [...value<number[]>('webhooks.retrySchedule')],
    retryWindowMs: value<number>('webhooks.retryWindowSeconds') * 1000,
    allowPrivate: value('webhooks.allowPrivate'),
    concurrency: value('webhooks.concurrency'),
    timeoutMs: value('webhooks.timeoutMs'),
  };
}
