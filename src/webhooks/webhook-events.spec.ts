import { ASES_EVENTS } from '../core/ases-events';
import {
  isWebhookEventType,
  subscribes,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TYPE_BY_EVENT,
} from './webhook-events';

describe('webhook event types', () => {
  it('come from every in-process event but the catch-all status one, one type each', () => {
    const names = Object.values(ASES_EVENTS).filter((name) => name !== ASES_EVENTS.statusChanged);
    expect(Object.keys(WEBHOOK_TYPE_BY_EVENT).sort()).toEqual([...names].sort());
    expect(new Set(Object.values(WEBHOOK_TYPE_BY_EVENT))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
  });

  it('name auto-replies with an underscore, as the issue lists them', () => {
    expect(WEBHOOK_TYPE_BY_EVENT[ASES_EVENTS.autoReplied]).toBe('message.auto_reply');
    expect(isWebhookEventType('message.auto_reply')).toBe(true);
    expect(isWebhookEventType('message.auto-reply')).toBe(false);
  });

  it('go to endpoints that subscribed to them, or to all; a test goes to any', () => {
    expect(subscribes(undefined, 'message.bounced')).toBe(true);
    expect(subscribes(['message.bounced'], 'message.bounced')).toBe(true);
    expect(subscribes(['message.bounced'], 'message.delivered')).toBe(false);
    expect(subscribes(['message.bounced'], 'webhook.test')).toBe(true);
  });
});
