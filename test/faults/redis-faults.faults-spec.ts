import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { MailerService } from '../../src/mailer/mailer.service';
import { SendmailQueue } from '../../src/mailer/sendmail.queue';
import { localAwsClients } from '../helpers/local-aws';
import { OwnRedis } from '../helpers/own-redis';
import { SesStub } from '../helpers/ses-stub';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

// The app against a Redis of the test's own, which the tests stop, pause, flush and restart:
// nothing accepted is lost, nothing SES accepted is sent again, no request hangs.

const mail = (t: TestApp, to: string, extra: Record<string, unknown> = {}) => ({
  from: t.sender(),
  to,
  subject: `faults ${to}`,
  text: 'hi',
  ...extra,
});

async function post(t: TestApp, body: Record<string, unknown>) {
  return t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send(body);
}

/** Messages waiting on the sendmail queue (visible, in flight). */
async function queueDepth(t: TestApp): Promise<{ visible: number; inFlight: number }> {
  const aws = localAwsClients();
  try {
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: t.feedback.queueUrls.sendmail,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  } finally {
    aws.destroy();
  }
}

const eventTypes = (record: Record<string, any>): string[] =>
  (record.events as Array<{ type: string }>).map((event) => event.type);

describe('Redis faults', () => {
  let redis: OwnRedis;
  let stub: SesStub;
  let ses: string;
  /** Runs before SES's answer to each send; a test sets it to act while SES "accepts". */
  let beforeReply: (recipient: string, call: number) => Promise<void>;
  const apps: TestApp[] = [];

  const start = async (
    name: string,
    overrides: Parameters<typeof startTestApp>[1] = {},
    resources: Parameters<typeof startTestApp>[2] = {},
  ): Promise<TestApp> => {
    const t = await startTestApp(
      name,
      { redis: { url: redis.url, keyPrefix: `faults-${name}:` }, endpoints: { ses }, ...overrides },
      resources,
    );
    apps.push(t);
    return t;
  };

  beforeAll(async () => {
    redis = await OwnRedis.start();
    stub = new SesStub(() => 'ok', { beforeReply: (to, call) => beforeReply(to, call) });
    ses = await stub.start();
  });

  beforeEach(() => {
    beforeReply = () => Promise.resolve();
  });

  afterEach(async () => {
    redis.resume();
    await redis.restart().catch(() => undefined);
    for (const t of apps.splice(0)) {
      await t.app.close();
    }
  });

  afterAll(async () => {
    await stub.stop();
    await redis.close();
  });

  it('sends mail whose records Redis lost while it waited, and makes the records again', async () => {
    // This instance accepts but does not send: the jobs wait on the queue.
    const api = await start('flushed', { sendPollers: 0 });
    const tags = { campaign: 'spring' };
    const generated = await post(api, mail(api, 'flushed-1@example.org', { tags }));
    const own = await post(api, mail(api, 'flushed-2@example.org', { localMessageId: 'own-1' }));
    expect([generated.status, own.status]).toEqual([202, 202]);
    await redis.flush();

    const sender = await start('flushed', {}, { shared: api });
    const record = await waitForStatus(sender, generated.body.id, 'PUSHED');
    expect(record.tags).toEqual(tags);
    expect(record.to).toBe('flushed-1@example.org');
    expect(eventTypes(record)).toEqual(['queued', 'restored', 'pushed']);
    await waitForStatus(sender, 'own-1', 'PUSHED');
    expect(stub.calls.get('flushed-1@example.org')).toBe(1);
    expect(stub.calls.get('flushed-2@example.org')).toBe(1);

    // The restored record kept the request's fingerprint: the same request is a replay, and
    // nothing is queued again.
    const replay = await post(
      sender,
      mail(api, 'flushed-2@example.org', { localMessageId: 'own-1' }),
    );
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const conflict = await post(
      sender,
      mail(api, 'other@example.org', { localMessageId: 'own-1' }),
    );
    expect(conflict.status).toBe(409);
    expect(await queueDepth(sender)).toEqual({ visible: 0, inFlight: 0 });
    expect(stub.calls.get('flushed-2@example.org')).toBe(1);
  });

  it('records PUSHED from a receipt when SES accepted a mail while Redis was gone, without sending it again', async () => {
    const t = await start('receipt');
    beforeReply = async () => {
      // SES has the mail; Redis dies (no persistence) before the PUSHED write.
      await redis.stop();
    };
    const accepted = await post(t, mail(t, 'receipt@example.org'));
    expect(accepted.status).toBe(202);
    // The job is deleted and its receipt waits on the queue (received maybe once, and put back).
    await waitFor(
      () => queueDepth(t),
      (depth) =>
        depth.visible + depth.inFlight === 1 && stub.calls.get('receipt@example.org') === 1,
      { what: 'the receipt alone on the queue' },
    );
    beforeReply = () => Promise.resolve();
    await redis.restart();

    const record = await waitForStatus(t, accepted.body.id, 'PUSHED');
    expect(record.sesMessageId).toBe(stub.accepted.get('receipt@example.org')?.[0]);
    expect(eventTypes(record)).toEqual(['queued', 'restored', 'pushed']);
    expect(stub.calls.get('receipt@example.org')).toBe(1);
    await waitFor(
      () => queueDepth(t),
      (depth) => depth.visible === 0 && depth.inFlight === 0,
      { what: 'the receipt deleted' },
    );
    expect(stub.calls.get('receipt@example.org')).toBe(1);
  });

  it('answers 503 STORE_UNAVAILABLE while Redis hangs, and sends once it is back', async () => {
    const t = await start('paused');
    // Connected and used once, then frozen.
    expect((await post(t, mail(t, 'before-pause@example.org'))).status).toBe(202);
    redis.pause();
    const during = await post(t, mail(t, 'during-pause@example.org'));
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(during.body.message).toMatch(/no answer within/);
    const health = await t.http().get('/health');
    expect(health.status).toBe(503);
    redis.resume();

    const after = await waitFor(
      () => post(t, mail(t, 'after-pause@example.org')),
      (response) => response.status === 202,
      { what: 'a request accepted after the pause' },
    );
    await waitForStatus(t, after.body.id, 'PUSHED');
    expect((await t.http().get('/health')).status).toBe(200);
  });

  it('answers 503 at once while Redis refuses connections, and takes mail again when it is back', async () => {
    const t = await start('stopped');
    expect((await post(t, mail(t, 'before-stop@example.org'))).status).toBe(202);
    await redis.stop();
    const during = await post(t, mail(t, 'during-stop@example.org'));
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await t.http().get('/v1/messages/x').auth(API_KEY, { type: 'bearer' })).status).toBe(
      503,
    );
    await redis.restart();
    const after = await waitFor(
      () => post(t, mail(t, 'after-stop@example.org')),
      (response) => response.status === 202,
      { what: 'a request accepted after the restart' },
    );
    await waitForStatus(t, after.body.id, 'PUSHED');
    expect(stub.calls.get('during-stop@example.org')).toBeUndefined();
  });

  it('queues a replayed request whose first try died between recording and enqueueing', async () => {
    // A process that records the message, then dies before its enqueue answers.
    const dying = await start(
      'replay',
      { sendPollers: 0 },
      {
        configure: (builder) =>
          builder.overrideProvider(SendmailQueue).useValue({
            enqueue: () => new Promise(() => undefined),
          }),
      },
    );
    const body = mail(dying, 'replayed@example.org', { localMessageId: 'replayed-1' });
    void dying.app.get(MailerService).sendmail(body);
    const other = await start('replay', {}, { shared: dying });
    await waitForStatus(other, 'replayed-1', 'QUEUED');
    expect(await queueDepth(other)).toEqual({ visible: 0, inFlight: 0 });

    const replay = await post(other, body);
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await waitForStatus(other, 'replayed-1', 'PUSHED');
    expect(stub.calls.get('replayed@example.org')).toBe(1);
  });
});
