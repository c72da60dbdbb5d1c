import { ASES_EVENTS } from '../core/ases-events';

/** The event types a webhook endpoint can subscribe to (all of them when it names none). */
export const WEBHOOK_EVENT_TYPES = [
  'message.queued',
  'message.pushed',
  'message.delivered',
  'message.delayed',
  'message.bounced',
  'message.complained',
  'message.failed',
  'message.suppressed',
  'message.canceled',
  'message.unsubscribed',
  'message.opened',
  'message.clicked',
  'message.auto_reply',
  'message.stale',
  'suppression.added',
  'suppression.removed',
  'reputation.warning',
  'reputation.paused',
  'reputation.resumed',
] as const;

/** A subscribable event type. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What `POST /v1/webhooks/:id/test` sends: delivered whatever the endpoint subscribed to. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** The in-process event each webhook event type comes from. */
export const WEBHOOK_TYPE_BY_EVENT: Readonly<Record<string, WebhookEventType>> = {
  [ASES_EVENTS.queued]: 'message.queued',
  [ASES_EVENTS.pushed]: 'message.pushed',
  [ASES_EVENTS.delivered]: 'message.delivered',
  [ASES_EVENTS.delayed]: 'message.delayed',
  [ASES_EVENTS.bounced]: 'message.bounced',
  [ASES_EVENTS.complained]: 'message.complained',
  [ASES_EVENTS.failed]: 'message.failed',
  [ASES_EVENTS.suppressed]: 'message.suppressed',
  [ASES_EVENTS.canceled]: 'message.canceled',
  [ASES_EVENTS.unsubscribed]: 'message.unsubscribed',
  [ASES_EVENTS.opened]: 'message.opened',
  [ASES_EVENTS.clicked]: 'message.clicked',
  [ASES_EVENTS.autoReplied]: 'message.auto_reply',
  [ASES_EVENTS.stale]: 'message.stale',
  [ASES_EVENTS.suppressionAdded]: 'suppression.added',
  [ASES_EVENTS.suppressionRemoved]: 'suppression.removed',
  [ASES_EVENTS.reputationWarning]: 'reputation.warning',
  [ASES_EVENTS.reputationPaused]: 'reputation.paused',
  [ASES_EVENTS.reputationResumed]: 'reputation.resumed',
};

/** Whether `value` is a subscribable event type. */
export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(value);
}

/** Whether an endpoint subscribed to `events` (undefined: all) gets events of `type`. */
export function subscribes(events: readonly string[] | undefined, type: string): boolean {
  return type === WEBHOOK_TEST_EVENT || events === undefined || events.includes(type);
}
