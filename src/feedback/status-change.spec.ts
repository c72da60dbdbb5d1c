import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageStatus } from '../status/message-status';
import { SesNotification } from './ses-notification';
import { parseFeedbackMessage } from './ses-notification.parser';
import { eventIdentity, feedbackEffectFor, isAutoReply } from './status-change';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'ses');

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

/** The parsed notification of a documented fixture, with top-level fields of the SES JSON replaced. */
function documented(name: string, changes: Json = {}): SesNotification {
  const result = parseFeedbackMessage(JSON.stringify({ ...fixture(name), ...changes }));
  if (result.kind !== 'notification') {
    throw new Error(`${name} did not parse: ${JSON.stringify(result)}`);
  }
  return result.notification;
}

/** A notification built by hand, for the cases SES's examples do not show. */
function notification(fields: Partial<SesNotification> & Pick<SesNotification, 'type'>) {
  const base: SesNotification = {
    type: fields.type,
    origin: 'event',
    sesMessageId: '0100-ses',
    timestamp: '2026-11-27T18:00:01.000Z',
    recipients: [],
    destination: ['jane@example.org'],
  };
  return { ...base, ...fields };
}

function bounce(
  type: string,
  subType: string,
  entry: { status?: string; diagnosticCode?: string } = {},
): SesNotification {
  return notification({
    type: 'Bounce',
    recipients: ['jane@example.org'],
    bounce: { type, subType, recipients: [{ emailAddress: 'jane@example.org', ...entry }] },
  });
}

const AT = '2026-11-27T18:00:01.000Z';

describe('feedbackEffectFor', () => {
  describe('events about the whole mail', () => {
    it('records a Send on the timeline and changes nothing else', () => {
      expect(feedbackEffectFor(documented('event-send'), 'recipient@example.com')).toStrictEqual({
        event: { type: 'send', at: '2016-10-14T05:02:16.645Z', source: 'ses' },
      });
    });

    it('fails a rejected message with the reason, whatever mail.destination says', () => {
      // The documented Reject names the sender as its destination.
      expect(feedbackEffectFor(documented('event-reject'), 'recipient@example.com')).toStrictEqual({
        status: MessageStatus.FAILED,
        change: {
          failedAt: '2016-10-14T17:38:15.211Z',
          error: { code: 'REJECTED', message: 'rejected by SES: Bad content' },
        },
        event: {
          type: 'reject',
          at: '2016-10-14T17:38:15.211Z',
          detail: 'Bad content',
          source: 'ses',
        },
      });
    });

    it('fails a message whose template did not render', () => {
      const errorMessage = "Attribute 'attributeName' is not present in the rendering data.";
      expect(
        feedbackEffectFor(documented('event-rendering-failure'), 'recipient@example.com'),
      ).toStrictEqual({
        status: MessageStatus.FAILED,
        change: {
          failedAt: '2018-01-22T18:43:06.197Z',
          error: {
            code: 'RENDERING_FAILURE',
            message: `template rendering failed: ${errorMessage}`,
          },
        },
        event: {
          type: 'rendering-failure',
          at: '2018-01-22T18:43:06.197Z',
          detail: errorMessage,
          source: 'ses',
        },
      });
    });

    it('counts an open with the client for the classifier, keeping it out of the timeline', () => {
      expect(feedbackEffectFor(documented('event-open'), 'recipient@example.com')).toStrictEqual({
        tracking: {
          kind: 'open',
          at: '2017-08-09T22:00:19.652Z',
          ipAddress: '192.0.2.1',
          userAgent:
            'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60',
        },
        event: { type: 'open', at: '2017-08-09T22:00:19.652Z', source: 'ses' },
      });
    });

    it('counts an open without a user agent', () => {
      const open = notification({ type: 'Open', open: { ipAddress: '192.0.2.1' } });
      expect(feedbackEffectFor(open, 'jane@example.org')).toStrictEqual({
        tracking: { kind: 'open', at: AT, ipAddress: '192.0.2.1' },
        event: { type: 'open', at: AT, source: 'ses' },
      });
    });

    it('counts a click with the link as detail', () => {
      expect(feedbackEffectFor(documented('event-click'), 'recipient@example.com')).toStrictEqual({
        tracking: {
          kind: 'click',
          at: '2017-08-09T23:51:25.570Z',
          ipAddress: '192.0.2.1',
          userAgent:
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36',
          link: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
        },
        event: {
          type: 'click',
          at: '2017-08-09T23:51:25.570Z',
          detail: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
          source: 'ses',
        },
      });
    });

    it('records a subscription change with the contact list, and without one', () => {
      expect(
        feedbackEffectFor(documented('event-subscription'), 'recipient@example.com'),
      ).toStrictEqual({
        event: {
          type: 'subscription',
          at: '2022-01-12T01:00:17.910Z',
          detail: 'ContactListName',
          source: 'ses',
        },
      });
      const bare = notification({ type: 'Subscription', subscription: {} });
      expect(feedbackEffectFor(bare, 'jane@example.org')).toStrictEqual({
        event: { type: 'subscription', at: AT, source: 'ses' },
      });
    });

    it('applies to the message whichever recipient it was sent to', () => {
      expect(
        feedbackEffectFor(documented('event-open'), 'someone.else@example.net'),
      ).not.toBeNull();
    });
  });

  describe('delivery and delay', () => {
    it('marks a delivery with the SMTP answer on one line', () => {
      expect(feedbackEffectFor(documented('delivery'), 'jane@example.com')).toStrictEqual({
        status: MessageStatus.DELIVERED,
        change: { deliveredAt: '2016-01-27T14:59:38.237Z' },
        event: {
          type: 'delivery',
          at: '2016-01-27T14:59:38.237Z',
          recipient: 'jane@example.com',
          detail: '250 ok: Message 64111812 accepted',
          source: 'ses',
        },
      });
    });

    it('marks a delay with the delay type, its expiry and this recipient’s DSN fields', () => {
      expect(
        feedbackEffectFor(documented('event-delivery-delay'), 'recipient@example.com'),
      ).toStrictEqual({
        status: MessageStatus.DELAYED,
        change: {
          delayedAt: '2020-06-16T00:25:40.095Z',
          delay: {
            type: 'TransientCommunicationFailure',
            expiresAt: '2020-06-16T00:25:40.914Z',
            status: '4.4.1',
            diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
          },
        },
        event: {
          type: 'delivery-delay',
          at: '2020-06-16T00:25:40.095Z',
          recipient: 'recipient@example.com',
          detail: 'TransientCommunicationFailure',
          source: 'ses',
        },
      });
    });

    it('takes the delay entry of this recipient among several', () => {
      const delay = documented('event-delivery-delay', {
        deliveryDelay: {
          timestamp: '2020-06-16T00:25:40.095Z',
          delayType: 'MailboxFull',
          delayedRecipients: [
            { emailAddress: 'a@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 full' },
            { emailAddress: 'B@Example.com' },
          ],
        },
      });
      expect(feedbackEffectFor(delay, 'b@example.com')).toStrictEqual({
        status: MessageStatus.DELAYED,
        change: { delayedAt: '2020-06-16T00:25:40.095Z', delay: { type: 'MailboxFull' } },
        event: {
          type: 'delivery-delay',
          at: '2020-06-16T00:25:40.095Z',
          recipient: 'B@Example.com',
          detail: 'MailboxFull',
          source: 'ses',
        },
      });
      expect(feedbackEffectFor(delay, 'c@example.com')).toBeNull();
    });
  });

  describe('bounces', () => {
    it('bounces a Permanent bounce and asks for suppression', () => {
      expect(feedbackEffectFor(documented('event-bounce'), 'recipient@example.com')).toStrictEqual({
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: '2017-08-05T00:41:02.669Z',
          bounce: {
            type: 'Permanent',
            subType: 'General',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            status: '5.1.1',
          },
        },
        event: {
          type: 'bounce',
          at: '2017-08-05T00:41:02.669Z',
          recipient: 'recipient@example.com',
          detail: 'Permanent/General: smtp; 550 5.1.1 user unknown',
          source: 'ses',
        },
        suppress: {
          source: 'bounce',
          reason: 'Permanent bounce (General): smtp; 550 5.1.1 user unknown',
        },
      });
    });

    it('reads a bounce without a DSN, for a recipient written with a display name', () => {
      expect(
        feedbackEffectFor(documented('bounce-without-dsn'), 'Richard Doe <Richard@Example.com>'),
      ).toStrictEqual({
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: '2016-01-27T14:59:38.237Z',
          bounce: { type: 'Permanent', subType: 'General' },
        },
        event: {
          type: 'bounce',
          at: '2016-01-27T14:59:38.237Z',
          recipient: 'richard@example.com',
          detail: 'Permanent/General',
          source: 'ses',
        },
        suppress: { source: 'bounce', reason: 'Permanent bounce (General)' },
      });
      expect(feedbackEffectFor(documented('bounce-without-dsn'), 'mary@example.com')).toBeNull();
    });

    it('takes the bounce details of this recipient among several', () => {
      const several = notification({
        type: 'Bounce',
        recipients: ['john@example.org', 'Jane@Example.ORG'],
        bounce: {
          type: 'Permanent',
          subType: 'NoEmail',
          recipients: [
            { emailAddress: 'john@example.org', status: '5.2.2', diagnosticCode: 'mailbox full' },
            { emailAddress: 'Jane@Example.ORG', status: '5.1.1' },
          ],
        },
      });
      expect(feedbackEffectFor(several, 'Jane <jane@example.org>')).toStrictEqual({
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: AT,
          bounce: { type: 'Permanent', subType: 'NoEmail', status: '5.1.1' },
        },
        event: {
          type: 'bounce',
          at: AT,
          recipient: 'Jane@Example.ORG',
          detail: 'Permanent/NoEmail: 5.1.1',
          source: 'ses',
        },
        suppress: { source: 'bounce', reason: 'Permanent bounce (NoEmail): 5.1.1' },
      });
    });

    it('counts a Transient bounce as soft, without suppression', () => {
      const soft = bounce('Transient', 'MailboxFull', {
        status: '5.2.2',
        diagnosticCode: 'smtp; 552 5.2.2 mailbox full',
      });
      expect(feedbackEffectFor(soft, 'jane@example.org')).toStrictEqual({
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: AT,
          bounce: {
            type: 'Transient',
            subType: 'MailboxFull',
            diagnosticCode: 'smtp; 552 5.2.2 mailbox full',
            status: '5.2.2',
          },
        },
        event: {
          type: 'bounce',
          at: AT,
          recipient: 'jane@example.org',
          detail: 'Transient/MailboxFull: smtp; 552 5.2.2 mailbox full',
          source: 'ses',
        },
        transientBounce: true,
      });
    });

    it('treats an out-of-office reply as proof of delivery', () => {
      const diagnostic = 'smtp; 550 Automatic reply: I am out of the office until Monday';
      const reply = bounce('Transient', 'General', { status: '5.0.0', diagnosticCode: diagnostic });
      expect(feedbackEffectFor(reply, 'jane@example.org')).toStrictEqual({
        status: MessageStatus.DELIVERED,
        change: { deliveredAt: AT },
        event: {
          type: 'auto-reply',
          at: AT,
          recipient: 'jane@example.org',
          detail: diagnostic,
          source: 'ses',
        },
      });
    });

    it('keeps a Transient/General bounce that is no auto-reply a soft bounce', () => {
      const soft = bounce('Transient', 'General', {
        diagnosticCode: 'smtp; 550 5.2.1 mailbox unavailable',
      });
      const effect = feedbackEffectFor(soft, 'jane@example.org');
      expect(effect?.status).toBe(MessageStatus.BOUNCED);
      expect(effect?.transientBounce).toBe(true);
      expect(effect).not.toHaveProperty('suppress');
    });

    it('bounces an Undetermined bounce without suppressing or counting it as soft', () => {
      const effect = feedbackEffectFor(bounce('Undetermined', 'Undetermined'), 'jane@example.org');
      expect(effect).toStrictEqual({
        status: MessageStatus.BOUNCED,
        change: { bouncedAt: AT, bounce: { type: 'Undetermined', subType: 'Undetermined' } },
        event: {
          type: 'bounce',
          at: AT,
          recipient: 'jane@example.org',
          detail: 'Undetermined/Undetermined',
          source: 'ses',
        },
      });
    });
  });

  describe('complaints', () => {
    it('marks a complaint with a feedback report and asks for suppression', () => {
      expect(
        feedbackEffectFor(documented('complaint-with-feedback-report'), 'richard@example.com'),
      ).toStrictEqual({
        status: MessageStatus.COMPLAINED,
        change: { complainedAt: '2016-01-27T14:59:38.237Z', complaint: { feedbackType: 'abuse' } },
        event: {
          type: 'complaint',
          at: '2016-01-27T14:59:38.237Z',
          recipient: 'richard@example.com',
          detail: 'abuse',
          source: 'ses',
        },
        suppress: { source: 'complaint', reason: 'complaint (abuse)' },
      });
    });

    it('marks a complaint without a feedback report', () => {
      expect(
        feedbackEffectFor(documented('complaint-without-feedback-report'), 'richard@example.com'),
      ).toStrictEqual({
        status: MessageStatus.COMPLAINED,
        change: { complainedAt: '2016-01-27T14:59:38.237Z', complaint: {} },
        event: {
          type: 'complaint',
          at: '2016-01-27T14:59:38.237Z',
          recipient: 'richard@example.com',
          source: 'ses',
        },
        suppress: { source: 'complaint', reason: 'complaint' },
      });
    });

    it('keeps the complaint subtype', () => {
      const complaint = notification({
        type: 'Complaint',
        recipients: ['jane@example.org'],
        complaint: { subType: 'OnAccountSuppressionList', feedbackId: 'f-1' },
      });
      expect(feedbackEffectFor(complaint, 'jane@example.org')?.change).toStrictEqual({
        complainedAt: AT,
        complaint: { subType: 'OnAccountSuppressionList' },
      });
    });

    it('takes a not-spam report as a correction: a timeline entry, no status, no suppression', () => {
      const report = notification({
        type: 'Complaint',
        recipients: ['jane@example.org'],
        complaint: { feedbackType: 'not-spam', feedbackId: 'f-2' },
      });
      expect(feedbackEffectFor(report, 'jane@example.org')).toStrictEqual({
        event: {
          type: 'complaint',
          at: AT,
          recipient: 'jane@example.org',
          detail: 'not-spam',
          source: 'ses',
        },
      });
    });
  });

  describe('whose notification it is', () => {
    it('leaves a message alone when the notification is about other recipients', () => {
      const delivery = notification({ type: 'Delivery', recipients: ['john@example.org'] });
      expect(feedbackEffectFor(delivery, 'jane@example.org')).toBeNull();
      expect(feedbackEffectFor(documented('event-bounce'), 'other@example.com')).toBeNull();
    });

    it('matches the mailbox case-insensitively and names the recipient as SES wrote it', () => {
      const delivery = notification({
        type: 'Delivery',
        recipients: ['john@example.org', 'JANE@example.ORG'],
      });
      expect(feedbackEffectFor(delivery, '"Jane" <jane@EXAMPLE.org>')?.event.recipient).toBe(
        'JANE@example.ORG',
      );
    });
  });

  describe('times and details', () => {
    it('normalises the event time to UTC', () => {
      const delivery = notification({
        type: 'Delivery',
        timestamp: '2026-11-27T19:00:01+01:00',
        recipients: ['jane@example.org'],
      });
      const effect = feedbackEffectFor(delivery, 'jane@example.org');
      expect(effect?.change?.deliveredAt).toBe(AT);
      expect(effect?.event.at).toBe(AT);
    });

    it('normalises the delay expiry to UTC', () => {
      const delay = notification({
        type: 'DeliveryDelay',
        recipients: ['jane@example.org'],
        delay: {
          delayType: 'General',
          expirationTime: '2026-11-28T19:00:01+01:00',
          recipients: [{ emailAddress: 'jane@example.org' }],
        },
      });
      expect(feedbackEffectFor(delay, 'jane@example.org')?.change?.delay?.expiresAt).toBe(
        '2026-11-28T18:00:01.000Z',
      );
    });

    it('cuts a long detail and suppression reason to 200 characters on one line', () => {
      const diagnostic = `smtp; 550-5.1.1 The email account does not exist.\n${'x'.repeat(500)}`;
      const effect = feedbackEffectFor(
        bounce('Permanent', 'General', { diagnosticCode: diagnostic }),
        'jane@example.org',
      );
      const detail = effect?.event.detail ?? '';
      expect(detail).toHaveLength(200);
      expect(detail).toMatch(/^Permanent\/General: smtp; 550-5\.1\.1 The email account .*x…$/);
      expect(effect?.suppress?.reason).toHaveLength(200);
      // The bounce record keeps the diagnostic whole.
      expect(effect?.change?.bounce?.diagnosticCode).toBe(diagnostic);
    });

    it('leaves out a detail that is only white space', () => {
      const delivery = notification({
        type: 'Delivery',
        recipients: ['jane@example.org'],
        delivery: { smtpResponse: ' \r\n ' },
      });
      expect(feedbackEffectFor(delivery, 'jane@example.org')?.event).toStrictEqual({
        type: 'delivery',
        at: AT,
        recipient: 'jane@example.org',
        source: 'ses',
      });
    });
  });
});

describe('isAutoReply', () => {
  it.each([
    'smtp; 550 5.7.1 Auto-Reply: I am out of the office',
    'smtp; 550 autoreply',
    'Automatic reply: Quarterly report',
    'Out of Office: back on Monday',
    'out-of-office',
    'OOO until 2 December',
    'I am on vacation',
    'I am away from my office this week',
    'Away from the office',
    'Ich bin bis zum 3. abwesend',
    'Abwesenheitsnotiz: Urlaub',
    "Absence du bureau jusqu'au lundi",
    'Auto-Submitted: auto-replied',
    'smtp; 550 Autoresponder message',
  ])('recognises %j in a Transient/General bounce', (diagnostic) => {
    expect(isAutoReply('Transient', 'General', diagnostic)).toBe(true);
  });

  it.each<[string, string, string | undefined]>([
    ['Transient', 'General', 'smtp; 550 5.2.1 mailbox unavailable'],
    ['Transient', 'General', 'smtp; 421 4.4.1 Unable to connect to remote host'],
    ['Transient', 'General', 'smtp; 550 5.1.1 Cooool user unknown'],
    ['Transient', 'General', undefined],
    ['Transient', 'General', ''],
    ['Transient', 'MailboxFull', 'Out of office and the mailbox is full'],
    ['Transient', 'ContentRejected', 'auto-reply'],
    ['Permanent', 'General', 'smtp; 550 Automatic reply: out of office'],
    ['Undetermined', 'Undetermined', 'vacation'],
  ])('does not take %s/%s with %j for an auto-reply', (type, subType, diagnostic) => {
    expect(isAutoReply(type, subType, diagnostic)).toBe(false);
  });
});

describe('eventIdentity', () => {
  it('gives the same bounce the same key from an identity notification and event publishing', () => {
    const identity = documented('bounce-with-dsn');
    const published = documented('bounce-with-dsn', {
      notificationType: undefined,
      eventType: 'Bounce',
      mail: { ...(fixture('bounce-with-dsn').mail as Json), timestamp: '2016-01-27T14:59:39Z' },
    });
    expect(published.origin).toBe('event');
    expect(eventIdentity(published)).toBe(eventIdentity(identity));
  });

  it('gives a bounce or a complaint a key by feedbackId, whatever the recipients’ order or case', () => {
    const bounce = documented('bounce-without-dsn');
    const reordered = {
      ...bounce,
      timestamp: '2016-01-27T15:00:00.000Z',
      recipients: ['Richard@Example.com', 'jane@example.com'],
    };
    expect(eventIdentity(reordered)).toBe(eventIdentity(bounce));
    expect(
      eventIdentity({ ...bounce, bounce: { ...bounce.bounce!, feedbackId: 'other' } }),
    ).not.toBe(eventIdentity(bounce));
    const complaint = documented('complaint-with-feedback-report');
    expect(eventIdentity({ ...complaint, recipients: ['RICHARD@example.com'] })).toBe(
      eventIdentity(complaint),
    );
  });

  it('falls back to the event time when a bounce has no feedbackId', () => {
    const bare = bounce('Permanent', 'General');
    const later = { ...bare, timestamp: '2026-11-27T18:05:00.000Z' };
    expect(eventIdentity(later)).not.toBe(eventIdentity(bare));
    expect(eventIdentity({ ...bare, timestamp: '2026-11-27T19:00:01+01:00' })).toBe(
      eventIdentity(bare),
    );
  });

  it('gives a delivery the same key from both sources and a different one per recipient', () => {
    const identity = documented('delivery');
    const published = documented('delivery', {
      notificationType: undefined,
      eventType: 'Delivery',
    });
    expect(eventIdentity(published)).toBe(eventIdentity(identity));
    expect(eventIdentity({ ...identity, recipients: ['mary@example.com'] })).not.toBe(
      eventIdentity(identity),
    );
  });

  it('keys Send, Reject and Rendering Failure by message and type only', () => {
    const id = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
    expect(eventIdentity(documented('event-send'))).toBe(`${id}|Send`);
    expect(eventIdentity(documented('event-reject'))).toBe(`${id}|Reject`);
    expect(eventIdentity(documented('event-rendering-failure'))).toBe(`${id}|Rendering Failure`);
  });

  it('tells two opens apart by time, address and user agent', () => {
    const open = notification({ type: 'Open', open: { ipAddress: '192.0.2.1', userAgent: 'UA' } });
    const keys = new Set([
      eventIdentity(open),
      eventIdentity({ ...open, timestamp: '2026-11-27T18:00:02.000Z' }),
      eventIdentity({ ...open, open: { ipAddress: '192.0.2.2', userAgent: 'UA' } }),
      eventIdentity({ ...open, open: { ipAddress: '192.0.2.1', userAgent: 'UA2' } }),
      eventIdentity({ ...open, open: {} }),
    ]);
    expect(keys.size).toBe(5);
    expect(eventIdentity({ ...open })).toBe(eventIdentity(open));
  });

  it('keeps neither the IP address nor the user agent of an open or click in the key', () => {
    const ua = 'Mozilla/5.0 (iPhone)';
    const open = notification({ type: 'Open', open: { ipAddress: '192.0.2.1', userAgent: ua } });
    const click = notification({
      type: 'Click',
      click: { ipAddress: '192.0.2.1', userAgent: ua, link: 'https://e.example/' },
    });
    for (const key of [eventIdentity(open), eventIdentity(click)]) {
      expect(key).not.toContain('192.0.2.1');
      expect(key).not.toContain('iPhone');
    }
  });

  it('tells two clicks apart by link', () => {
    const click = documented('event-click');
    const other = { ...click, click: { ...click.click!, link: 'https://example.com/other' } };
    expect(eventIdentity(other)).not.toBe(eventIdentity(click));
    expect(eventIdentity({ ...click, type: 'Open' as const })).not.toBe(eventIdentity(click));
  });

  it('does not let a "|" inside a field make two events read alike', () => {
    const open = notification({ type: 'Open', open: { ipAddress: '192.0.2.1|a', userAgent: 'b' } });
    const shifted = { ...open, open: { ipAddress: '192.0.2.1', userAgent: 'a|b' } };
    expect(eventIdentity(shifted)).not.toBe(eventIdentity(open));
  });

  it('keeps every key short, with the SES message id and type readable', () => {
    const names = [
      'bounce-with-dsn',
      'bounce-without-dsn',
      'complaint-with-feedback-report',
      'delivery',
      'event-bounce',
      'event-click',
      'event-complaint',
      'event-delivery',
      'event-delivery-delay',
      'event-open',
      'event-rendering-failure',
      'event-reject',
      'event-send',
      'event-subscription',
    ];
    for (const name of names) {
      const parsed = documented(name);
      const key = eventIdentity(parsed);
      expect(key.length).toBeLessThanOrEqual(120);
      expect(
        key.startsWith(`${parsed.sesMessageId}|${parsed.type}|`) ||
          key === `${parsed.sesMessageId}|${parsed.type}`,
      ).toBe(true);
    }
    const huge = notification({
      type: 'Open',
      sesMessageId: 'm'.repeat(500),
      open: { userAgent: 'u'.repeat(10_000) },
    });
    expect(eventIdentity(huge).length).toBeLessThanOrEqual(120);
    expect(eventIdentity(huge)).toBe(eventIdentity({ ...huge }));
  });
});
