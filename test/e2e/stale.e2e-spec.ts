import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { newMessageId } from '../../src/status/message-id';
import { MessageStatus } from '../../src/status/message-status';
import { MINUTE_MS } from '../../src/status/record-location';
import { StaleSweeper } from '../../src/status/stale.sweeper';
import { StatusRepository } from '../../src/status/status.repository';
import { StatusService } from '../../src/status/status.service';
import { localAwsClients } from '../helpers/local-aws';
import { deliveryNotification } from '../helpers/ses-notifications';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

const HOUR = 3_600_000;
const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS);
const iso = (ms: number) => new Date(ms).toISOString();

describe('stale messages (GET /v1/messages?status=STALE)', () => {
  let t: TestApp;
  const get = (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' });

  beforeAll(async () => {
    t = await startTestApp('stale');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists and counts messages QUEUED or PUSHED far too long, and drops one delivered since', async () => {
    const status = t.app.get(StatusService);
    const repository = t.app.get(StatusRepository);
    const now = Date.now();
    // Recorded as the mailer records them (and announced: the app notes the queued ids), with the
    // times of long ago: ids carry their queue time.
    const record = async (queuedAt: number): Promise<string> => {
      const id = newMessageId(queuedAt);
      await status.create({
        id,
        from: t.sender(),
        to: 'someone@example.org',
        subject: 'stale',
        queuedAt: iso(queuedAt),
        fingerprint: 'fp',
      });
      status.announceStatus(
        id,
        MessageStatus.UNKNOWN,
        MessageStatus.QUEUED,
        { type: 'queued', at: iso(queuedAt), source: 'ases' },
        {},
      );
      return id;
    };
    // Its sendmail message lost: QUEUED for three hours.
    const queuedAt = now - 3 * HOUR;
    const stuck = await record(queuedAt);
    // Pushed 25 hours ago, and SES never said more.
    const pushedAt = now - 25 * HOUR;
    const silent = await record(pushedAt - MINUTE_MS);
    const sesMessageId = `0100${pushedAt.toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
    await status.markPushed(silent, sesMessageId, iso(pushedAt));
    // The app notes queued ids in Redis together, every 200 ms.
    await waitFor(
      () => repository.queuedNotes(minuteOf(queuedAt)),
      (ids) => ids.includes(stuck),
      { what: 'the queued id to be noted' },
    );
    // An earlier sweep stopped just before these minutes.
    await repository.saveSweepCursor('queued', minuteOf(queuedAt) - 1);
    await repository.saveSweepCursor('pushed', minuteOf(pushedAt) - 1);

    // The app's sweep, run now rather than at its next minute, until it has caught up.
    const sweeper = t.app.get(StaleSweeper);
    let found = 0;
    for (let i = 0; i < 10; i += 1) {
      const summary = await sweeper.sweep();
      found += summary.found.queued + summary.found.pushed;
      if (summary.minutes.queued + summary.minutes.pushed === 0) {
        break;
      }
    }
    expect(found).toBe(2);

    const listed = await get('/v1/messages?status=STALE');
    expect(listed.status).toBe(200);
    expect(
      listed.body.messages.map((m: { id: string; status: string; stale: unknown }) => [
        m.id,
        m.status,
        m.stale,
      ]),
    ).toEqual([
      // Newest stale first: 24 hours after its push, an hour ago (its queue is empty: an hour).
      [
        silent,
        'PUSHED',
        { reason: 'pushed', since: iso(pushedAt), staleAt: iso(pushedAt + 24 * HOUR) },
      ],
      [stuck, 'QUEUED', { reason: 'queued', since: iso(queuedAt), staleAt: iso(queuedAt + HOUR) }],
    ]);
    expect(listed.body.nextCursor).toBeUndefined();
    const pushedOnly = await get('/v1/messages?status=STALE&reason=pushed');
    expect(pushedOnly.body.messages.map((m: { id: string }) => m.id)).toEqual([silent]);
    const sending = await get('/v1/sending');
    expect(sending.body.stale).toEqual({ queued: 1, pushed: 1 });

    // SES's Delivery comes at last, through the deliveries queue as SNS would put it there.
    await localAwsClients().sqs.send(
      new SendMessageCommand({
        QueueUrl: t.feedback.queueUrls.deliveries,
        MessageBody: deliveryNotification({
          sesMessageId,
          source: t.sender(),
          destination: ['someone@example.org'],
          sentAt: iso(pushedAt),
        }),
      }),
    );
    await waitForStatus(t, silent, 'DELIVERED');
    const after = await get('/v1/messages?status=STALE');
    expect(after.body.messages.map((m: { id: string }) => m.id)).toEqual([stuck]);
    expect((await get('/v1/sending')).body.stale).toEqual({ queued: 1, pushed: 0 });
  });

  it.each([
    ['an unknown reason', '/v1/messages?status=STALE&reason=late', 'reason must be one of'],
    ['a reason with FAILED', '/v1/messages?status=FAILED&reason=queued', 'reason goes with'],
    ['a cursor of another listing', '/v1/messages?status=STALE&cursor=Zm9v', 'cursor must be'],
    ['an unknown status', '/v1/messages?status=SENT', 'status must be one of'],
    ['a search filter', '/v1/messages?status=STALE&to=a%40example.org', 'does not go with'],
  ])('answers 400 to %s', async (_name, path, problem) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(response.body.message).toContain(problem);
  });
});
