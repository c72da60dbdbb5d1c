import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import type { StoreMonitor } from '../core/store-monitor';
import { REDIS_TARGETS, useSpecRedis } from '../../test/helpers/test-redis';
import { MOVE_HORIZON_MS, ScheduleMover } from './schedule.mover';
import { SCHEDULE_SHARDS, ScheduleRepository, shardOf } from './schedule.repository';
import { SendmailJob, serializeSendmailJob } from './sendmail-job';
import type { SendmailQueue } from './sendmail.queue';

// Runs the real scripts against the Redis on 6379 and the test cluster on 7000-7002 (MACHINE.md).

function job(id: string, sendAt: number): SendmailJob {
  return {
    v: 3,
    id,
    from: 'a@example.com',
    to: 'b@example.com',
    subject: 's',
    raw: 'raw',
    sendAt: new Date(sendAt).toISOString(),
  };
}

/** The sendmail queue as the mover sees it: takes jobs, or refuses the ones named. */
class FakeQueue {
  readonly jobs: SendmailJob[] = [];
  refuse = new Set<string>();

  enqueue(jobs: SendmailJob[]): Promise<Map<number, string>> {
    const failed = new Map<number, string>();
    jobs.forEach((item, index) => {
      if (this.refuse.has(item.id)) {
        failed.set(index, 'refused');
      } else {
        this.jobs.push(item);
      }
    });
    return Promise.resolve(failed);
  }
}

describe.each(REDIS_TARGETS)('ScheduleRepository and ScheduleMover on %s', (_name, connect) => {
  let schedule: ScheduleRepository;
  let queue: FakeQueue;
  let mover: ScheduleMover;
  const now = Date.now();

  useSpecRedis(connect, (redis: AsesRedis, keyPrefix) => {
    const options = { redis: { keyPrefix } } as unknown as ResolvedAsesOptions;
    schedule = new ScheduleRepository(redis, options);
    queue = new FakeQueue();
    mover = new ScheduleMover(
      schedule,
      queue as unknown as SendmailQueue,
      { available: true } as StoreMonitor,
    );
  });

  const add = (id: string, dueAt: number) =>
    schedule.add(id, dueAt, serializeSendmailJob(job(id, dueAt)));

  it('takes only what is due before the horizon, and leases it from other takes', async () => {
    await add('soon', now + 60_000);
    await add('later', now + 3600_000);
    const shard = shardOf('soon');
    const window = { horizonMs: MOVE_HORIZON_MS, leaseMs: 30_000, limit: 10 };
    const first = await schedule.take(shard, { ...window, now });
    expect(first.map((item) => item.id)).toEqual(['soon']);
    expect(first[0]).toMatchObject({ dueAt: now + 60_000 });
    expect(JSON.parse(first[0].body)).toMatchObject({ id: 'soon' });
    // Leased: not taken again until the lease ends.
    expect(await schedule.take(shard, { ...window, now: now + 29_000 })).toEqual([]);
    const retaken = await schedule.take(shard, { ...window, now: now + 30_000 });
    expect(retaken.map((item) => item.id)).toEqual(['soon']);
    // The first taker's done does not forget a job taken again since; the second one's does.
    await schedule.done(first[0]);
    const third = await schedule.take(shard, { ...window, now: now + 60_000 });
    expect(third).toHaveLength(1);
    await schedule.done(third[0]);
    expect(await schedule.take(shard, { ...window, now: now + 3600_000 })).toEqual([]);
  });

  it('moves due jobs to the queue and forgets them; a refused one stays for the next try', async () => {
    await add('due-a', now + 1000);
    await add('due-b', now + 2000);
    await add('far', now + 2 * 3600_000);
    queue.refuse.add('due-b');
    expect(await mover.moveDue(now)).toBe(1);
    expect(queue.jobs.map((item) => item.id)).toEqual(['due-a']);
    expect(await mover.moveDue(now)).toBe(0);
    // The refused one comes back once its lease ends.
    queue.refuse.clear();
    expect(await mover.moveDue(now + 61_000)).toBe(1);
    expect(queue.jobs.map((item) => item.id)).toEqual(['due-a', 'due-b']);
    expect(await mover.moveDue(now + 2 * 3600_000)).toBe(1);
    expect(await mover.moveDue(now + 3 * 3600_000)).toBe(0);
  });

  it('forgets a removed (cancelled) job, handing back what it held', async () => {
    await add('gone', now + 1000);
    expect(JSON.parse((await schedule.remove('gone')) ?? 'null')).toMatchObject({ id: 'gone' });
    expect(await schedule.remove('gone')).toBeNull();
    expect(await mover.moveDue(now)).toBe(0);
    expect(queue.jobs).toEqual([]);
  });

  it('spreads ids over its shards', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`id-${i}`)));
    expect(shards.size).toBe(SCHEDULE_SHARDS);
  });
});
