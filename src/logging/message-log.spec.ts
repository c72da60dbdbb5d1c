import type { AsesMessageEvent, AsesStaleEvent } from '../core/ases-events';
import type { SesNotification } from '../feedback/ses-notification';
import { feedbackEffectFor } from '../feedback/status-change';
import { MessageStatus } from '../status/message-status';
import {
  hitLogLine,
  maskAddresses,
  sendRetryLogLine,
  staleLogLine,
  statusLogLine,
  STATUS_LOG_LEVELS,
  suppressionLogLine,
  unsubscribedLogLine,
} from './message-log';

const SES_ID = '010001a2328e25e3-a2846990-eaf5-41b3-b562-4cd099521088-000000';
const AT = '2026-12-01T10:00:00.000Z';

function payload(fields: Partial<AsesMessageEvent> = {}): AsesMessageEvent {
  return {
    messageId: 'm-1',
    status: MessageStatus.DELIVERED,
    previousStatus: MessageStatus.PUSHED,
    event: {
      type: 'delivery',
      at: AT,
      recipient: 'Jane.Doe@customer.example',
      detail: '250 2.0.0 OK <jane.doe@customer.example> queued as 4711',
      source: 'ses',
    },
    tags: { campaign: 'winter' },
    sesMessageId: SES_ID,
    ...fields,
  };
}

/** A bounce event as the feedback service records it, from an SES notification. */
function bounceEvent(): AsesMessageEvent['event'] {
  const notification: SesNotification = {
    type: 'Bounce',
    origin: 'event',
    sesMessageId: SES_ID,
    timestamp: AT,
    recipients: ['jane@example.org'],
    destination: ['jane@example.org'],
    bounce: {
      type: 'Permanent',
      subType: 'NoEmail',
      recipients: [
        {
          emailAddress: 'jane@example.org',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 <jane@example.org>: user unknown',
        },
      ],
    },
  };
  const effect = feedbackEffectFor(notification, 'jane@example.org');
  if (effect === null) {
    throw new Error('the bounce did not apply to its recipient');
  }
  return effect.event;
}

describe('maskAddresses', () => {
  it('masks every address in a text, bare or in angle brackets, and nothing else', () => {
    expect(
      maskAddresses(
        'Email address is not verified: news@example.com, <a.b+c@sub.example.org>; id 0100-ab@',
      ),
    ).toBe('Email address is not verified: <address>, <<address>>; id 0100-ab@');
    expect(maskAddresses('250 2.0.0 OK 1700000000 x12si-gsmtp')).toBe(
      '250 2.0.0 OK 1700000000 x12si-gsmtp',
    );
  });
});

describe('statusLogLine', () => {
  it('logs a status change with the ids, both statuses and the event, and no address', () => {
    const line = statusLogLine(MessageStatus.DELIVERED, payload(), false);
    expect(line).toEqual({
      level: 'debug',
      fields: {
        msg: 'message DELIVERED',
        messageId: 'm-1',
        sesMessageId: SES_ID,
        status: 'DELIVERED',
        previousStatus: 'PUSHED',
        event: 'delivery',
        source: 'ses',
        detail: '250 2.0.0 OK <<address>> queued as 4711',
      },
    });
    expect(JSON.stringify(line)).not.toMatch(/jane/i);
  });

  it('adds the recipient and the detail as they are with recipients on', () => {
    expect(statusLogLine(MessageStatus.DELIVERED, payload(), true).fields).toMatchObject({
      recipient: 'Jane.Doe@customer.example',
      detail: '250 2.0.0 OK <jane.doe@customer.example> queued as 4711',
    });
  });

  it('leaves out what is not known: no SES id before the push, no detail, no recipient', () => {
    const queued = payload({
      status: MessageStatus.QUEUED,
      previousStatus: MessageStatus.UNKNOWN,
      event: { type: 'queued', at: AT, source: 'ases' },
      sesMessageId: undefined,
    });
    expect(statusLogLine(MessageStatus.QUEUED, queued, true)).toEqual({
      level: 'debug',
      fields: {
        msg: 'message QUEUED',
        messageId: 'm-1',
        status: 'QUEUED',
        previousStatus: 'UNKNOWN',
        event: 'queued',
        source: 'ases',
      },
    });
  });

  it("tells a recipient's change from the message's: the message kept its status", () => {
    // The cc bounced after the to was delivered: the message stays DELIVERED.
    const ccBounced = payload({
      status: MessageStatus.DELIVERED,
      previousStatus: MessageStatus.DELIVERED,
      event: bounceEvent(),
    });
    expect(statusLogLine(MessageStatus.BOUNCED, ccBounced, false)).toEqual({
      level: 'log',
      fields: {
        msg: 'recipient BOUNCED',
        messageId: 'm-1',
        sesMessageId: SES_ID,
        status: 'DELIVERED',
        previousStatus: 'DELIVERED',
        event: 'bounce',
        source: 'ses',
        recipientStatus: 'BOUNCED',
        bounceType: 'Permanent',
        bounceSubType: 'NoEmail',
        detail: 'Permanent/NoEmail: smtp; 550 5.1.1 <<address>>: user unknown',
      },
    });
    // A second recipient delivered while the message was DELIVERED already.
    const again = payload({ previousStatus: MessageStatus.DELIVERED });
    expect(statusLogLine(MessageStatus.DELIVERED, again, false).fields).toMatchObject({
      msg: 'recipient DELIVERED',
      recipientStatus: 'DELIVERED',
    });
  });

  it('reads the bounce type only from a bounce', () => {
    const bounced = payload({ status: MessageStatus.BOUNCED, event: bounceEvent() });
    expect(statusLogLine(MessageStatus.BOUNCED, bounced, false).fields).toMatchObject({
      msg: 'message BOUNCED',
      bounceType: 'Permanent',
      bounceSubType: 'NoEmail',
    });
    const oddDetail = payload({
      event: { type: 'delivery', at: AT, detail: 'Permanent/General', source: 'ses' },
    });
    expect(statusLogLine(MessageStatus.DELIVERED, oddDetail, false).fields).not.toHaveProperty(
      'bounceType',
    );
  });

  it('logs each step of a mail at debug, what to look at at info, a failure at warn', () => {
    expect(STATUS_LOG_LEVELS).toEqual({
      UNKNOWN: 'debug',
      QUEUED: 'debug',
      PUSHED: 'debug',
      DELAYED: 'debug',
      DELIVERED: 'debug',
      CANCELED: 'log',
      SUPPRESSED: 'log',
      BOUNCED: 'log',
      COMPLAINED: 'log',
      FAILED: 'warn',
    });
    const failed = payload({
      status: MessageStatus.FAILED,
      previousStatus: MessageStatus.QUEUED,
      sesMessageId: undefined,
      event: {
        type: 'failed',
        at: AT,
        detail: 'MessageRejected: Email address is not verified: news@example.com',
        source: 'ases',
      },
    });
    expect(statusLogLine(MessageStatus.FAILED, failed, false)).toMatchObject({
      level: 'warn',
      fields: { detail: 'MessageRejected: Email address is not verified: <address>' },
    });
  });
});

describe('the other lines', () => {
  it('logs opens and clicks at debug with the hit class, never the clicked URL', () => {
    const click = payload({
      status: MessageStatus.DELIVERED,
      previousStatus: MessageStatus.DELIVERED,
      event: {
        type: 'click',
        at: AT,
        detail: 'https://shop.example.com/account?user=jane@example.org',
        source: 'ases',
        hit: { class: 'human', rule: 'browser', link: 2 },
      },
    });
    expect(hitLogLine('click', click, true)).toEqual({
      level: 'debug',
      fields: {
        msg: 'link clicked',
        messageId: 'm-1',
        sesMessageId: SES_ID,
        status: 'DELIVERED',
        previousStatus: 'DELIVERED',
        event: 'click',
        source: 'ases',
        hitClass: 'human',
      },
    });
    expect(hitLogLine('open', click, false).fields.msg).toBe('message opened');
  });

  it('logs an unsubscribe and a stale message at info', () => {
    const unsubscribe = payload({
      previousStatus: MessageStatus.DELIVERED,
      event: {
        type: 'unsubscribed',
        at: AT,
        recipient: 'jane@example.org',
        detail: 'marketing',
        source: 'ases',
      },
    });
    expect(unsubscribedLogLine(unsubscribe, false)).toMatchObject({
      level: 'log',
      fields: { msg: 'recipient unsubscribed', category: 'marketing' },
    });
    expect(unsubscribedLogLine(unsubscribe, false).fields).not.toHaveProperty('recipient');
    expect(unsubscribedLogLine(unsubscribe, true).fields.recipient).toBe('jane@example.org');

    const stale: AsesStaleEvent = {
      ...payload({ status: MessageStatus.PUSHED, previousStatus: MessageStatus.PUSHED }),
      event: { type: 'stale', at: AT, detail: 'pushed since 2026-11-30T10:00:00.000Z' },
      stale: { reason: 'pushed', since: '2026-11-30T10:00:00.000Z', staleAt: AT },
    };
    expect(staleLogLine(stale, false)).toMatchObject({
      level: 'log',
      fields: {
        msg: 'message stale (pushed)',
        messageId: 'm-1',
        status: 'PUSHED',
        staleReason: 'pushed',
        staleSince: '2026-11-30T10:00:00.000Z',
      },
    });
  });

  it('logs a send attempt that will be retried at info, the error without addresses', () => {
    const retry = {
      messageId: 'm-1',
      attempt: 2,
      maxAttempts: 5,
      errorCode: 'ServiceUnavailable',
      error: 'try later, news@example.com',
      retryInSeconds: 4,
    };
    expect(sendRetryLogLine(retry, false)).toEqual({
      level: 'log',
      fields: {
        msg: 'send attempt 2 of 5 failed; tried again in 4 s',
        messageId: 'm-1',
        status: 'QUEUED',
        event: 'retry',
        attempt: 2,
        maxAttempts: 5,
        errorCode: 'ServiceUnavailable',
        detail: 'try later, <address>',
        retryInSeconds: 4,
      },
    });
    expect(sendRetryLogLine(retry, true).fields.detail).toBe('try later, news@example.com');
  });

  it('logs suppression changes at info, the address only with recipients on', () => {
    const entry = {
      email: 'jane@example.org',
      reason: 'Permanent bounce (General): smtp; 550 <jane@example.org> unknown',
      since: AT,
      messageId: 'm-1',
      source: 'bounce',
    };
    expect(suppressionLogLine('added', entry, false)).toEqual({
      level: 'log',
      fields: {
        msg: 'address suppressed (bounce)',
        messageId: 'm-1',
        source: 'bounce',
        reason: 'Permanent bounce (General): smtp; 550 <<address>> unknown',
      },
    });
    expect(suppressionLogLine('removed', entry, true).fields).toMatchObject({
      msg: 'suppression removed (bounce)',
      email: 'jane@example.org',
      reason: entry.reason,
    });
  });
});
