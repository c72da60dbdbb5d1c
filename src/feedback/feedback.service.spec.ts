import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { useSpecRedis } from '../../test/helpers/test-redis';
import { Redis } from 'ioredis';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { newMessageId } from '../status/message-id';
import { MessageStatus } from '../status/message-status';
import { StatusRepository } from '../status/status.repository';
import { StatusService } from '../status/status.service';
import { SuppressionRepository } from '../suppression/suppression.repository';
import { SuppressionService } from '../suppression/suppression.service';
import type { AsesMetrics } from '../metrics/ases-metrics';
import type { TrackingService } from '../tracking/tracking.service';
import type { FeedbackStatsRepository } from './feedback-stats.repository';
import { FeedbackService } from './feedback.service';
import { parseFeedbackMessage } from './ses-notification.parser';

// FeedbackService against the real status and suppression stores (one Redis server): SES events
// for a message sent to several recipients, as configuration-set event publishing sends them
// (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).

type Json = Record<string, unknown>;

describe('FeedbackService with several recipients', () => {
  let status: StatusService;
  let repository: StatusRepository;
  let suppressions: SuppressionService;
  let feedback: FeedbackService;
  let emitted: Array<[string, AsesMessageEvent]>;

  useSpecRedis(
    () => new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    (redis, prefix) => {
      const options = {
        redis: { keyPrefix: prefix },
        statusTtlSeconds: 14 * 24 * 3600,
        statusDetail: 'full',
      } as ResolvedAsesOptions;
      const events = new EventEmitter2({ wildcard: true });
      emitted = [];
      events.onAny((name, payload) => {
        emitted.push([String(name), payload as AsesMessageEvent]);
      });
      repository = new StatusRepository(redis, options);
      status = new StatusService(repository, events);
      suppressions = new SuppressionService(new SuppressionRepository(redis, options), options);
      // Stats and tracking take no part in applying these events (no opens or clicks here).
      feedback = new FeedbackService(
        status,
        suppressions,
        {} as FeedbackStatsRepository,
        {} as TrackingService,
        options,
        {} as AsesMetrics,
      );
    },
  );

  const TO = 'Jane Doe <jane@customer.example>';
  const CC = 'bob@customer.example';
  const BCC = 'carol@other.example';

  /** A message to TO, CC and BCC, sent (PUSHED) a second ago; its id and SES id. */
  async function sent(): Promise<{ id: string; sesMessageId: string; mailAt: string }> {
    const queuedAt = Date.now() - 1_000;
    const id = newMessageId(queuedAt);
    await status.create({
      id,
      from: 'Shop <news@shop.example.com>',
      to: [TO],
      cc: [CC],
      bcc: [BCC],
      subject: 'Your order',
      queuedAt: new Date(queuedAt).toISOString(),
      fingerprint: 'fp',
    });
    const mailAt = new Date(queuedAt + 300).toISOString();
    const sesMessageId = `0100${(queuedAt + 300).toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
    expect(await status.markPushed(id, sesMessageId, mailAt)).toMatchObject({
      outcome: 'applied',
    });
    return { id, sesMessageId, mailAt };
  }

  /** An SES event-publishing event for the mail, with its `X-Ases-Id` header. */
  function event(
    mail: { id: string; sesMessageId: string; mailAt: string },
    fields: Json,
  ): ReturnType<typeof parseFeedbackMessage> {
    return parseFeedbackMessage(
      JSON.stringify({
        ...fields,
        mail: {
          timestamp: mail.mailAt,
          source: 'Shop <news@shop.example.com>',
          messageId: mail.sesMessageId,
          destination: [TO, CC, BCC],
          headersTruncated: false,
          headers: [
            { name: 'From', value: 'Shop <news@shop.example.com>' },
            { name: 'To', value: TO },
            { name: 'Cc', value: CC },
            { name: 'X-Ases-Id', value: mail.id },
          ],
        },
      }),
    );
  }

  function apply(parsed: ReturnType<typeof parseFeedbackMessage>) {
    if (parsed.kind !== 'notification') {
      throw new Error(`not a notification: ${JSON.stringify(parsed)}`);
    }
    return feedback.apply(parsed);
  }

  const at = (ms: number) => new Date(Date.now() + ms).toISOString();

  it('applies a Delivery and a Bounce to their own recipients, and suppresses only the bounced one', async () => {
    const mail = await sent();
    const delivery = event(mail, {
      eventType: 'Delivery',
      delivery: {
        timestamp: at(1_000),
        processingTimeMillis: 700,
        recipients: ['jane@customer.example', 'carol@other.example'],
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: 'a8-70.smtp-out.amazonses.com',
      },
    });
    expect(await apply(delivery)).toBe('applied');
    // The same event again: each recipient's mark says so.
    expect(await apply(delivery)).toBe('duplicate');

    const bounce = event(mail, {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: 'Bob@Customer.example',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: at(2_000),
        feedbackId: `0100${randomUUID()}-000000`,
        reportingMTA: 'dsn; mta.customer.example',
      },
    });
    expect(await apply(bounce)).toBe('applied');

    const record = await status.getStatus(mail.id);
    expect(record.status).toBe(MessageStatus.BOUNCED);
    expect(record.recipients?.map((r) => [r.address, r.status])).toEqual([
      ['jane@customer.example', MessageStatus.DELIVERED],
      ['bob@customer.example', MessageStatus.BOUNCED],
      ['carol@other.example', MessageStatus.DELIVERED],
    ]);
    expect(record.recipients?.[1].bounce).toEqual({
      type: 'Permanent',
      subType: 'General',
      status: '5.1.1',
      diagnosticCode: 'smtp; 550 5.1.1 user unknown',
    });

    // Only the bounced cc goes on the suppression list.
    expect(await suppressions.find(CC)).toMatchObject({ source: 'bounce', messageId: mail.id });
    expect(await suppressions.find('jane@customer.example')).toBeNull();
    expect(await suppressions.find(BCC)).toBeNull();

    // The host hears of the delivery (message DELIVERED) and of the bounce (message BOUNCED).
    const names = emitted
      .filter(([, payload]) => payload.messageId === mail.id)
      .map(([name, payload]) => [name, payload.event.recipient]);
    expect(names).toEqual([
      [ASES_EVENTS.statusChanged, 'jane@customer.example'],
      [ASES_EVENTS.delivered, 'jane@customer.example'],
      // The bcc's delivery moves the recipient, not the message: its own event only.
      [ASES_EVENTS.delivered, 'carol@other.example'],
      [ASES_EVENTS.statusChanged, 'Bob@Customer.example'],
      [ASES_EVENTS.bounced, 'Bob@Customer.example'],
    ]);
  });

  it('applies a complaint to the complaining recipient only, and an event about the whole mail to all', async () => {
    const mail = await sent();
    const complaint = event(mail, {
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'carol@other.example' }],
        timestamp: at(3_000),
        feedbackId: `0100${randomUUID()}-000000`,
        complaintFeedbackType: 'abuse',
      },
    });
    expect(await apply(complaint)).toBe('applied');
    expect(await suppressions.find(BCC)).toMatchObject({ source: 'complaint' });
    expect(await suppressions.find(CC)).toBeNull();
    expect(await suppressions.find('jane@customer.example')).toBeNull();

    // A Send names no recipient: recorded for the message, no status moves.
    const send = event(mail, { eventType: 'Send', send: {} });
    expect(await apply(send)).toBe('applied');
    const record = await status.getStatus(mail.id);
    expect(record.status).toBe(MessageStatus.COMPLAINED);
    expect(record.recipients?.map((r) => r.status)).toEqual([
      MessageStatus.PUSHED,
      MessageStatus.PUSHED,
      MessageStatus.COMPLAINED,
    ]);
    expect(record.events?.map((e) => e.type)).toEqual(['queued', 'pushed', 'complaint', 'send']);
  });

  it('drops an event about none of the recipients', async () => {
    const mail = await sent();
    const other = event(mail, {
      eventType: 'Delivery',
      delivery: {
        timestamp: at(1_000),
        recipients: ['mallory@example.com'],
        smtpResponse: '250 ok',
      },
    });
    expect(await apply(other)).toBe('other-recipient');
    expect((await status.getStatus(mail.id)).status).toBe(MessageStatus.PUSHED);
  });
});
