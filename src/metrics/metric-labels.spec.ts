import type { FeedbackReceipt } from '../feedback/feedback.service';
import type { ParsedFeedback, SesNotification } from '../feedback/ses-notification';
import { newMessageId } from '../status/message-id';
import {
  eventTypeLabel,
  feedbackLabels,
  feedbackLagSeconds,
  sesCallOutcome,
  storeLabel,
  waitedSeconds,
} from './metric-labels';

function notification(type: SesNotification['type'], timestamp: string): ParsedFeedback {
  return {
    kind: 'notification',
    notification: {
      type,
      origin: 'identity',
      sesMessageId: '0100018f-x-000000',
      timestamp,
      recipients: ['jane@example.org'],
      destination: ['jane@example.org'],
    },
  };
}

const done = (
  outcome: Extract<FeedbackReceipt, { result: 'done' }>['outcome'],
): FeedbackReceipt => ({
  result: 'done',
  outcome,
});

describe('sesCallOutcome', () => {
  it("maps the sender's failure kinds to outcomes", () => {
    expect(sesCallOutcome('throttled')).toBe('throttled');
    expect(sesCallOutcome('daily-quota')).toBe('quota_exceeded');
    expect(sesCallOutcome('permanent')).toBe('rejected');
    expect(sesCallOutcome('transient')).toBe('error');
  });
});

describe('eventTypeLabel', () => {
  it.each([
    ['Bounce', 'bounce'],
    ['DeliveryDelay', 'delivery_delay'],
    ['Rendering Failure', 'rendering_failure'],
    ['Subscription', 'subscription'],
  ])('%s → %s', (type, label) => {
    expect(eventTypeLabel(type)).toBe(label);
  });
});

describe('feedbackLabels', () => {
  const at = '2026-12-01T10:00:00.000Z';

  it('labels an SES event with its type, source and outcome in snake case', () => {
    expect(feedbackLabels(notification('Delivery', at), 'deliveries', done('applied'))).toEqual({
      type: 'delivery',
      source: 'deliveries',
      outcome: 'applied',
    });
    expect(
      feedbackLabels(notification('DeliveryDelay', at), 'sns-https', done('unknown-message')),
    ).toEqual({ type: 'delivery_delay', source: 'sns-https', outcome: 'unknown_message' });
  });

  it('labels a retry and an error', () => {
    const parsed = notification('Bounce', at);
    expect(feedbackLabels(parsed, 'bounces', { result: 'retry', reason: 'x' }).outcome).toBe(
      'retry',
    );
    expect(feedbackLabels(parsed, 'bounces', 'error').outcome).toBe('error');
  });

  it('never uses an unknown type name as a label value', () => {
    const parsed: ParsedFeedback = { kind: 'unsupported', eventType: 'Anything the sender likes' };
    expect(feedbackLabels(parsed, 'events', done('unsupported'))).toEqual({
      type: 'unsupported',
      source: 'events',
      outcome: 'unsupported',
    });
  });

  it('labels poison and SNS subscription messages', () => {
    expect(
      feedbackLabels({ kind: 'invalid', reason: 'not JSON' }, 'bounces', done('poison')),
    ).toEqual({ type: 'invalid', source: 'bounces', outcome: 'poison' });
    expect(
      feedbackLabels(
        { kind: 'subscription', type: 'SubscriptionConfirmation' },
        'sns-https',
        done('subscription'),
      ),
    ).toEqual({ type: 'sns_confirmation', source: 'sns-https', outcome: 'subscription' });
  });
});

describe('feedbackLagSeconds', () => {
  const at = '2026-12-01T10:00:00.000Z';
  const now = Date.parse(at) + 2_500;

  it("is the time from the event's timestamp, for an applied event only", () => {
    expect(feedbackLagSeconds(notification('Delivery', at), done('applied'), now)).toBe(2.5);
    expect(feedbackLagSeconds(notification('Delivery', at), done('duplicate'), now)).toBe(
      undefined,
    );
    expect(feedbackLagSeconds(notification('Delivery', at), 'error', now)).toBe(undefined);
    expect(
      feedbackLagSeconds(notification('Delivery', at), { result: 'retry', reason: 'x' }, now),
    ).toBe(undefined);
  });

  it('is never negative (clocks differ) and undefined for a bad timestamp', () => {
    expect(feedbackLagSeconds(notification('Open', at), done('applied'), now - 10_000)).toBe(0);
    expect(feedbackLagSeconds(notification('Open', 'yesterday'), done('applied'), now)).toBe(
      undefined,
    );
  });
});

describe('storeLabel', () => {
  it.each([
    ['the status store', 'status_store'],
    ['the suppression list', 'suppression_list'],
    ['the send budget', 'send_budget'],
    ['the feedback stats', 'feedback_stats'],
    ['Redis', 'redis'],
    ['', 'other'],
  ])('%j → %s', (what, label) => {
    expect(storeLabel(what)).toBe(label);
  });
});

describe('waitedSeconds', () => {
  const queuedAt = Date.parse('2026-12-01T10:00:00.000Z');

  it('counts from the queue time, given or carried by the id', () => {
    expect(
      waitedSeconds(
        { id: 'caller-id', queuedAt: new Date(queuedAt).toISOString() },
        queuedAt + 1_250,
      ),
    ).toBe(1.25);
    expect(waitedSeconds({ id: newMessageId(queuedAt) }, queuedAt + 3_000)).toBe(3);
  });

  it('counts mail sent later from its sendAt', () => {
    const sendAt = queuedAt + 3_600_000;
    expect(
      waitedSeconds(
        {
          id: newMessageId(queuedAt),
          queuedAt: new Date(queuedAt).toISOString(),
          sendAt: new Date(sendAt).toISOString(),
        },
        sendAt + 500,
      ),
    ).toBe(0.5);
  });

  it('is undefined when no time is known, and never negative', () => {
    expect(waitedSeconds({ id: 'caller-id' }, queuedAt)).toBeUndefined();
    expect(waitedSeconds({ id: newMessageId(queuedAt) }, queuedAt - 1_000)).toBe(0);
  });
});
