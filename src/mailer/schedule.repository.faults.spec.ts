import { Redis } from 'ioredis';
import { OwnRedis } from '../../test/helpers/own-redis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode } from '../core/ases.exception';
import type { StoreMonitor } from '../core/store-monitor';
import { ScheduleMover } from './schedule.mover';
import { ScheduleRepository } from './schedule.repository';
import { SendmailJob, serializeSendmailJob } from './sendmail-job';
import type { SendmailQueue } from './sendmail.queue';

// The send schedule against a Redis of the test's own (AOF on), which it stops, pauses and
// starts again, and with a mover that dies between queueing a job and forgetting it.

function job(id: string, sendAt: number): SendmailJob {
  const at = new Date(sendAt).toISOString();
  return {
    v: 3,
    id,
    from: 'a@example.com',
    to: 'b@example.com',
    subject: 's',
    raw: 'r',
    sendAt: at,
  };
}

/** The sendmail queue as the mover sees it. */
class FakeQueue {
  readonly ids: string[] = [];

  enqueue(jobs: SendmailJob[]): Promise<Map<number, string>> {
    this.ids.push(...jobs.map((item) => item.id));
    return Promise.resolve(new Map<number, string>());
  }
}

describe('the send schedule when Redis stops, hangs or a mover dies', () => {
  let server: OwnRedis;
  let redis: Redis;
  let schedule: ScheduleRepository;
  const now = Date.now();

  beforeAll(async () => {
    server = await OwnRedis.start({ appendOnly: true });
    // As ases's own connection: bounded commands, a command fails after a few reconnect attempts.
    redis = new Redis({
      port: server.port,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: (times) => Math.min(times * 50, 200),
    });
    redis.on('error', () => undefined);
    schedule = new ScheduleRepository(redis, {
      redis: { keyPrefix: 'ases-sched-faults:' },
    } as ResolvedAsesOptions);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  const mover = (queue: FakeQueue): ScheduleMover =>
    new ScheduleMover(
      schedule,
      queue as unknown as SendmailQueue,
      {
        available: true,
      } as StoreMonitor,
    );

  it('keeps a scheduled job across a Redis restart, and moves it once Redis is back', async () => {
    await schedule.add('kept', now + 60_000, serializeSendmailJob(job('kept', now + 60_000)));

    await server.stop();
    const queue = new FakeQueue();
    await expect(mover(queue).moveDue(now)).rejects.toMatchObject({
      code: AsesErrorCode.STORE_UNAVAILABLE,
    });
    await server.restart();

    expect(await mover(queue).moveDue(now)).toBe(1);
    expect(queue.ids).toEqual(['kept']);
  });

  it('answers STORE_UNAVAILABLE within the command timeout while Redis hangs, and loses nothing', async () => {
    await schedule.add('paused', now + 60_000, serializeSendmailJob(job('paused', now + 60_000)));
    server.pause();
    try {
      await expect(mover(new FakeQueue()).moveDue(now)).rejects.toMatchObject({
        code: AsesErrorCode.STORE_UNAVAILABLE,
      });
    } finally {
      server.resume();
    }
    const queue = new FakeQueue();
    // The take may have run on the server before the timeout: then the job is leased, and a
    // move after the lease takes it.
    const moved = (await mover(queue).moveDue(now)) + (await mover(queue).moveDue(now + 61_000));
    expect(moved).toBe(1);
    expect(queue.ids).toEqual(['paused']);
  });

  it('moves again a job whose mover died after queueing it and before forgetting it', async () => {
    await schedule.add('twice', now + 60_000, serializeSendmailJob(job('twice', now + 60_000)));
    // The dead mover's take: queued (not shown), never forgotten.
    const window = { horizonMs: 14 * 60_000, leaseMs: 60_000, limit: 100 };
    const taken = await Promise.all(
      Array.from({ length: 16 }, (_, shard) => schedule.take(shard, { ...window, now })),
    );
    expect(taken.flat().map((item) => item.id)).toEqual(['twice']);

    const queue = new FakeQueue();
    expect(await mover(queue).moveDue(now)).toBe(0);
    expect(await mover(queue).moveDue(now + 61_000)).toBe(1);
    expect(queue.ids).toEqual(['twice']);
    expect(await mover(queue).moveDue(now + 3 * 3600_000)).toBe(0);
  });
});
