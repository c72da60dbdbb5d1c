import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { AsesMessageEvent } from '../../src/core/ases-events';
import { SendmailQueue } from '../../src/mailer/sendmail.queue';
import { StatusService } from '../../src/status/status.service';
import { LocalAwsClients, localAwsClients } from '../helpers/local-aws';
import { createTestRedis, storedRecord } from '../helpers/test-redis';
import {
  Mail,
  bounceNotification,
  complaintNotification,
  deliveryNotification,
  sesEvent,
  snsEnvelope,
} from '../helpers/ses-notifications';
import { signTrackingToken } from '../../src/tracking/tracking-token';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  recordPushed,
  sentMail,
  startTestApp,
  waitFor,
} from '../helpers/test-app';

type Json = Record<string, any>;

describe('every SES event shape, through the events queue (SES_EVENTS_QUEUE)', () => {
  let aws: LocalAwsClients;
  let t: TestApp;
  let emitted: { name: string; payload: AsesMessageEvent }[];

  beforeAll(async () => {
    aws = localAwsClients();
    t = await startTestApp('feedback-events', {}, { eventsQueue: true });
    emitted = [];
    t.app.get(EventEmitter2).onAny((name, payload) => {
      emitted.push({ name: String(name), payload: payload as AsesMessageEvent });
    });
  });

  afterAll(async () => {
    await t.close();
    aws.destroy();
  });

  const pushed = (to: string, tags?: Record<string, string>) => recordPushed(t, to, tags);

  /** Puts an SES JSON on the events queue: in an SNS envelope (default), or raw. */
  async function deliver(body: string, options: { raw?: boolean; snsMessageId?: string } = {}) {
    const messageBody = options.raw
      ? body
      : snsEnvelope(
          body,
          options.snsMessageId ?? randomUUID(),
          'arn:aws:sns:us-east-1:000000000000:all',
        );
    await aws.sqs.send(
      new SendMessageCommand({ QueueUrl: t.eventsQueueUrl, MessageBody: messageBody }),
    );
  }

  async function record(id: string): Promise<Json> {
    const response = await t.status(id);
    expect(response.status).toBe(200);
    return response.body as Json;
  }

  /** Waits until the message's timeline holds `count` entries of `type`, and returns the record. */
  function eventsOf(id: string, type: string, count = 1): Promise<Json> {
    return waitFor(
      () => record(id),
      (body) => (body.events as Json[]).filter((event) => event.type === type).length >= count,
      { what: `${count} "${type}" event(s) on ${id}` },
    );
  }

  async function stats(): Promise<Json> {
    const response = await t.http().get('/v1/feedback/stats').auth(API_KEY, { type: 'bearer' });
    expect(response.status).toBe(200);
    return response.body.sources.events as Json;
  }

  it("lands SES's opens and clicks in the same fields as ases's own, classified, keeping no client", async () => {
    const mail = await pushed('ses-tracking@example.org');
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

    await deliver(
      sesEvent('Open', mail, 'open', {
        ipAddress: '17.58.0.10',
        timestamp: at(100),
        userAgent: 'Mozilla/5.0',
      }),
    );
    await deliver(
      sesEvent('Open', mail, 'open', {
        ipAddress: '192.0.2.7',
        timestamp: at(60_000),
        userAgent: chrome,
      }),
    );
    // Right after the push: a link scanner. A minute later: a person.
    await deliver(
      sesEvent('Click', mail, 'click', {
        ipAddress: '192.0.2.7',
        timestamp: at(1000),
        userAgent: chrome,
        link: 'https://example.org/offer',
      }),
    );
    await deliver(
      sesEvent('Click', mail, 'click', {
        ipAddress: '192.0.2.7',
        timestamp: at(61_000),
        userAgent: chrome,
        link: 'https://example.org/offer',
      }),
    );
    await eventsOf(mail.id, 'click', 2);
    await eventsOf(mail.id, 'open', 2);
    // ases's own pixel for the same message counts in the same field.
    const pixel = await t
      .http()
      .get(`/t/o/${signTrackingToken('o', mail.id, TRACKING_SECRET)}.gif`)
      .set('User-Agent', chrome);
    expect(pixel.status).toBe(200);

    const body = await record(mail.id);
    expect(body.opens).toMatchObject({
      count: 3,
      humanCount: 2,
      bySource: { ses: 2, ases: 1 },
      byClass: { proxy: 1, human: 2 },
    });
    expect(body.clicks).toMatchObject({
      count: 2,
      humanCount: 1,
      bySource: { ses: 2 },
      byClass: { scanner: 1, human: 1 },
      uniqueLinks: 1,
      links: [{ url: 'https://example.org/offer', count: 2, humanCount: 1 }],
    });
    const hits = (body.events as Json[])
      .filter((event) => event.type === 'open' || event.type === 'click')
      .map(({ type, source, hit, detail }) => ({ type, source, hit, detail }));
    expect(hits).toEqual(
      expect.arrayContaining([
        {
          type: 'open',
          source: 'ses',
          hit: { class: 'proxy', rule: 'apple-mpp' },
          detail: undefined,
        },
        {
          type: 'open',
          source: 'ses',
          hit: { class: 'human', rule: 'browser' },
          detail: undefined,
        },
        {
          type: 'click',
          source: 'ses',
          hit: { class: 'scanner', rule: 'early-click' },
          detail: 'https://example.org/offer',
        },
        {
          type: 'click',
          source: 'ses',
          hit: { class: 'human', rule: 'browser' },
          detail: 'https://example.org/offer',
        },
      ]),
    );
    // No IP address or user agent anywhere in the record, nor in the dedupe keys kept with it.
    expect(JSON.stringify(body)).not.toMatch(/192\.0\.2\.7|17\.58\.0\.10|Chrome\/131/);
    const stored = (await storedRecord(t.keyPrefix, mail.id)) ?? '';
    // One 8-character digest per event applied, kept in the record.
    // eslint-disable-next-line no-control-regex -- \x1f separates the record's fields
    expect(stored).toMatch(/(^|\x1f)Z[A-Za-z0-9_-]{32}(\x1f|$)/);
    expect(stored).not.toMatch(/192\.0\.2\.7|17\.58\.0\.10|Chrome\/131/);
  });

  it('maps Send, DeliveryDelay, Delivery, Open and Click, in an envelope and raw', async () => {
    const mail = await pushed('events@example.org', { campaign: 'fall' });
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

    await deliver(sesEvent('Send', mail, 'send', {}));
    let body = await eventsOf(mail.id, 'send');
    expect(body.status).toBe('PUSHED');

    await deliver(
      sesEvent('DeliveryDelay', mail, 'deliveryDelay', {
        timestamp: at(1000),
        delayType: 'MailboxFull',
        expirationTime: at(3_600_000),
        delayedRecipients: [
          {
            emailAddress: 'events@example.org',
            status: '4.2.2',
            diagnosticCode: 'smtp; 452 4.2.2 full',
          },
        ],
        reportingMTA: 'a1-23.smtp-out.amazonses.com',
      }),
      { raw: true },
    );
    body = await eventsOf(mail.id, 'delivery-delay');
    expect(body).toMatchObject({
      status: 'DELAYED',
      delay: { type: 'MailboxFull', expiresAt: expect.any(String), status: '4.2.2' },
    });

    await deliver(deliveryNotification(mail));
    body = await eventsOf(mail.id, 'delivery');
    expect(body.status).toBe('DELIVERED');

    await deliver(
      sesEvent('Open', mail, 'open', {
        ipAddress: '192.0.2.1',
        timestamp: at(2000),
        userAgent: 'Mozilla/5.0 (iPhone)',
      }),
    );
    await deliver(
      sesEvent('Click', mail, 'click', {
        ipAddress: '192.0.2.1',
        timestamp: at(3000),
        userAgent: 'Mozilla/5.0 (iPhone)',
        link: 'https://example.org/offer',
        linkTags: { campaign: ['fall'] },
      }),
      { raw: true },
    );
    body = await eventsOf(mail.id, 'click');
    expect(body.opens).toMatchObject({ count: 1, bySource: { ses: 1 } });
    expect(body.clicks).toMatchObject({ count: 1, bySource: { ses: 1 } });
    expect(body.events.find((event: Json) => event.type === 'click')).toMatchObject({
      detail: 'https://example.org/offer',
      source: 'ses',
    });
    expect(body.status).toBe('DELIVERED');

    const names = emitted.filter((entry) => entry.payload.messageId === mail.id).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'ases.message.delayed',
        'ases.message.delivered',
        'ases.message.opened',
        'ases.message.clicked',
      ]),
    );
    const delivered = emitted.find(
      (entry) => entry.payload.messageId === mail.id && entry.name === 'ases.message.delivered',
    );
    expect(delivered?.payload).toMatchObject({
      status: 'DELIVERED',
      previousStatus: 'DELAYED',
      tags: { campaign: 'fall' },
      event: { type: 'delivery' },
    });
  });

  it('records Reject and Rendering Failure as FAILED with their reason', async () => {
    const rejected = await pushed('virus@example.org');
    await deliver(sesEvent('Reject', rejected, 'reject', { reason: 'Bad content' }));
    const failed = await eventsOf(rejected.id, 'reject');
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: { code: 'REJECTED', message: expect.stringContaining('Bad content') },
    });

    const broken = await pushed('template@example.org');
    await deliver(
      sesEvent('Rendering Failure', broken, 'failure', {
        errorMessage: "Attribute 'name' is not present in the rendering data.",
        templateName: 'welcome',
      }),
      { raw: true },
    );
    const unrendered = await eventsOf(broken.id, 'rendering-failure');
    expect(unrendered).toMatchObject({
      status: 'FAILED',
      error: { code: 'RENDERING_FAILURE', message: expect.stringContaining('rendering data') },
    });
  });

  it('keeps Subscription events and tolerates unknown types, counting them', async () => {
    const mail = await pushed('subscriber@example.org');
    await deliver(
      sesEvent('Subscription', mail, 'subscription', {
        contactList: 'news',
        timestamp: new Date().toISOString(),
        source: 'UnsubscribeHeader',
        newTopicPreferences: { unsubscribeAll: true },
        oldTopicPreferences: { unsubscribeAll: false },
      }),
    );
    const body = await eventsOf(mail.id, 'subscription');
    expect(body.status).toBe('PUSHED');

    const before = await stats();
    await deliver(sesEvent('Teleport', mail, 'teleport', { to: 'mars' }));
    await deliver(sesEvent('Teleport', mail, 'teleport', { to: 'venus' }), { raw: true });
    const after = await waitFor(stats, (s) => (s.unsupported.Teleport ?? 0) === 2, {
      what: 'two unsupported events to be counted',
    });
    expect(after.poison).toBe(before.poison);
    expect(after.events.Subscription).toBeGreaterThanOrEqual(1);
    expect(Date.parse(after.lastEventAt)).toBeGreaterThanOrEqual(Date.parse(before.lastEventAt));
  });

  it('applies each event once: SNS retries, redeliveries, and both notification methods', async () => {
    const mail = await pushed('twice@example.org');
    const open = sesEvent('Open', mail, 'open', {
      ipAddress: '192.0.2.9',
      timestamp: new Date().toISOString(),
      userAgent: 'Thunderbird',
    });
    const snsMessageId = randomUUID();
    await deliver(open, { snsMessageId });
    await deliver(open, { snsMessageId });
    await deliver(open, { raw: true });
    // The same bounce, from the identity notification and from event publishing.
    const bounce = { feedbackId: `0100-${randomUUID()}`, timestamp: new Date().toISOString() };
    await deliver(bounceNotification(mail, mail.destination, bounce));
    await deliver(bounceNotification(mail, mail.destination, { ...bounce, asEvent: true }), {
      raw: true,
    });
    const before = (await stats()).duplicates as number;
    const body = await eventsOf(mail.id, 'bounce');
    await waitFor(stats, (s) => s.duplicates >= before + 3, { what: 'three duplicates' });
    const again = await record(mail.id);
    expect(again.opens.count).toBe(1);
    expect(again.events.filter((event: Json) => event.type === 'bounce')).toHaveLength(1);
    expect(body.status).toBe('BOUNCED');
  });

  it('orders by rank: a bounce after delivery wins, a delivery after a bounce does not, opens after a complaint count', async () => {
    const mail = await pushed('ranked@example.org');
    await deliver(deliveryNotification(mail));
    await eventsOf(mail.id, 'delivery');
    await deliver(bounceNotification(mail), { raw: true });
    let body = await eventsOf(mail.id, 'bounce');
    expect(body.status).toBe('BOUNCED');
    await deliver(deliveryNotification(mail));
    body = await eventsOf(mail.id, 'delivery', 2);
    expect(body.status).toBe('BOUNCED');
    await deliver(complaintNotification(mail));
    body = await eventsOf(mail.id, 'complaint');
    expect(body.status).toBe('COMPLAINED');
    await deliver(
      sesEvent('Open', mail, 'open', {
        ipAddress: '192.0.2.3',
        timestamp: new Date().toISOString(),
        userAgent: 'Outlook',
      }),
    );
    body = await eventsOf(mail.id, 'open');
    expect(body).toMatchObject({ status: 'COMPLAINED', opens: { count: 1 } });
  });

  it("takes each recipient's own part of a notification that names several", async () => {
    const mail = await pushed('second@example.org');
    const body = JSON.parse(bounceNotification(mail, ['first@example.org', 'Second@EXAMPLE.org']));
    body.bounce.bouncedRecipients[0].diagnosticCode = 'smtp; 550 first is gone';
    body.bounce.bouncedRecipients[1].diagnosticCode = 'smtp; 550 second is gone';
    await deliver(JSON.stringify(body));
    const bounced = await eventsOf(mail.id, 'bounce');
    expect(bounced.bounce.diagnosticCode).toBe('smtp; 550 second is gone');
    expect(bounced.events.find((event: Json) => event.type === 'bounce').recipient).toBe(
      'Second@EXAMPLE.org',
    );
  });

  it('records an out-of-office transient bounce as an auto-reply, other transient bounces as BOUNCED', async () => {
    const away = await pushed('away@example.org');
    await deliver(
      bounceNotification(away, away.destination, {
        bounceType: 'Transient',
        bounceSubType: 'General',
        status: '4.0.0',
        diagnosticCode: 'Automatic reply: Out of Office until Monday',
      }),
    );
    const replied = await eventsOf(away.id, 'auto-reply');
    expect(replied.status).toBe('DELIVERED');
    expect(replied.bounce).toBeUndefined();

    const full = await pushed('full@example.org');
    await deliver(
      bounceNotification(full, full.destination, {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        status: '4.2.2',
        diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
      }),
    );
    const soft = await eventsOf(full.id, 'bounce');
    expect(soft).toMatchObject({
      status: 'BOUNCED',
      bounce: { type: 'Transient', subType: 'MailboxFull' },
    });
    for (const address of ['away@example.org', 'full@example.org']) {
      const lookup = await t
        .http()
        .get(`/v1/suppressions/${encodeURIComponent(address)}`)
        .auth(API_KEY, { type: 'bearer' });
      expect(lookup.status).toBe(404);
    }
  });

  it('counts and drops late events for expired records, without recreating them', async () => {
    const mail = await pushed('late@example.org');
    // The record expired; the SES-id index is still there (it expires on its own clock).
    const redis = createTestRedis();
    await redis.del(`${t.keyPrefix}u:{${mail.id}}`);
    redis.disconnect();
    const before = await stats();
    // Sent two hours ago: a record missing within the hour of its send is taken for one Redis
    // lost and tried again (redis-faults.faults-spec.ts); later, it expired.
    const sentAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await deliver(
      sesEvent('Open', { ...mail, sentAt }, 'open', {
        ipAddress: '192.0.2.4',
        timestamp: new Date().toISOString(),
      }),
    );
    // An open of a mail sent 60 days ago, long after any record of it.
    const old: Mail = {
      sesMessageId: `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`,
      source: t.sender(),
      destination: ['old@example.org'],
      sentAt: new Date(Date.now() - 60 * 86_400_000).toISOString(),
    };
    await deliver(
      sesEvent('Click', old, 'click', {
        timestamp: new Date().toISOString(),
        link: 'https://example.org/',
      }),
    );
    await waitFor(stats, (s) => s.expired === before.expired + 2, { what: 'two expired events' });
    expect((await t.status(mail.id)).status).toBe(404);
    expect((await t.status(old.sesMessageId)).status).toBe(404);
  });
});

describe('the suppression list, fed by feedback and checked before sending', () => {
  let aws: LocalAwsClients;
  let t: TestApp;

  beforeAll(async () => {
    aws = localAwsClients();
    t = await startTestApp('suppress-feedback', {
      suppressAfterTransientBounces: { count: 2, withinDays: 1 },
    });
  });

  afterAll(async () => {
    await t.close();
    aws.destroy();
  });

  const post = (to: string) =>
    t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({ from: t.sender(), to, subject: 'suppression', text: 'hello' });

  const suppression = (address: string) =>
    t
      .http()
      .get(`/v1/suppressions/${encodeURIComponent(address)}`)
      .auth(API_KEY, { type: 'bearer' });

  async function statusOf(id: string, status: string): Promise<Json> {
    const response = await waitFor(
      () => t.status(id),
      (res) => res.body.status === status,
      { what: `${id} to be ${status}` },
    );
    return response.body as Json;
  }

  it('suppresses a hard-bounced address and refuses new mail to it with 422', async () => {
    const to = 'bounce@simulator.amazonses.com';
    const first = await post(to);
    expect(first.status).toBe(202);
    await statusOf(first.body.id, 'BOUNCED');
    const entry = await waitFor(
      () => suppression(to),
      (res) => res.status === 200,
      {
        what: 'the bounced address to be suppressed',
      },
    );
    expect(entry.body).toMatchObject({ email: to, source: 'bounce', messageId: first.body.id });
    expect(entry.body.reason).toMatch(/Permanent/);

    const refused = await post(to);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'RECIPIENT_SUPPRESSED',
      reason: entry.body.reason,
      since: entry.body.since,
    });
    // The domain compares case-insensitively.
    expect((await post('bounce@SIMULATOR.amazonses.com')).status).toBe(422);

    const batch = await t
      .http()
      .post('/v1/messages/batch')
      .auth(API_KEY, { type: 'bearer' })
      .send({
        messages: [
          { from: t.sender(), to, subject: 'a', text: 'a' },
          { from: t.sender(), to: 'success@simulator.amazonses.com', subject: 'b', text: 'b' },
        ],
      });
    expect(batch.status).toBe(202);
    expect(batch.body.results[0].error).toMatchObject({ code: 'RECIPIENT_SUPPRESSED' });
    expect(batch.body.results[1]).toMatchObject({ status: 'QUEUED' });
  });

  it('suppresses a complaining address', async () => {
    const to = 'complaint@simulator.amazonses.com';
    const sent = await post(to);
    await statusOf(sent.body.id, 'COMPLAINED');
    const entry = await waitFor(
      () => suppression(to),
      (res) => res.status === 200,
      {
        what: 'the complaining address to be suppressed',
      },
    );
    expect(entry.body).toMatchObject({
      source: 'complaint',
      reason: expect.stringMatching(/abuse/),
    });
  });

  it('ends a queued message SUPPRESSED, without calling SES, when its address was suppressed while it waited', async () => {
    const to = 'late-suppressed@example.org';
    const repository = t.app.get(StatusService);
    const id = `queued-${randomUUID()}`;
    await repository.create({
      id,
      from: t.sender(),
      to,
      subject: 'waited',
      queuedAt: new Date().toISOString(),
      fingerprint: 'x',
    });
    const put = await t
      .http()
      .put(`/v1/suppressions/${encodeURIComponent(to)}`)
      .auth(API_KEY, { type: 'bearer' })
      .send({ reason: 'asked to be forgotten' });
    expect(put.status).toBeLessThan(300);
    const failed = await t.app
      .get(SendmailQueue)
      .enqueue([{ v: 2, id, from: t.sender(), to, subject: 'waited', raw: `To: ${to}\r\n\r\nhi` }]);
    expect(failed.size).toBe(0);
    const body = await statusOf(id, 'SUPPRESSED');
    expect(body).toMatchObject({
      error: {
        code: 'RECIPIENT_SUPPRESSED',
        message: expect.stringContaining('asked to be forgotten'),
      },
      suppressedAt: expect.any(String),
    });
    expect(body.sesMessageId).toBeUndefined();
    expect((await sentMail()).some((mail) => mail.destination.to.includes(to))).toBe(false);
  });

  it('suppresses after N transient bounces within the window, when configured', async () => {
    const to = 'soft@example.org';
    const repository = t.app.get(StatusService);
    for (let i = 0; i < 2; i += 1) {
      expect((await suppression(to)).status).toBe(404);
      const id = `soft-${i}-${randomUUID()}`;
      const sesMessageId = `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
      await repository.create({
        id,
        from: t.sender(),
        to,
        subject: 'soft',
        queuedAt: new Date().toISOString(),
        fingerprint: 'x',
      });
      await repository.markPushed(id, sesMessageId, new Date().toISOString());
      await aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: t.feedback.queueUrls.bounces,
          MessageBody: bounceNotification(
            { sesMessageId, source: t.sender(), destination: [to] },
            [to],
            { bounceType: 'Transient', bounceSubType: 'MailboxFull', status: '4.2.2' },
          ),
        }),
      );
      await statusOf(id, 'BOUNCED');
    }
    const entry = await waitFor(
      () => suppression(to),
      (res) => res.status === 200,
      {
        what: 'the soft-bounced address to be suppressed',
      },
    );
    expect(entry.body).toMatchObject({ source: 'transient-bounces' });
  });
});
