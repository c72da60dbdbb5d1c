import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { REDIS_TARGETS, keysWithPrefix, useSpecRedis } from '../../test/helpers/test-redis';
import { ASES_EVENTS, AsesStaleEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { storeUnavailable } from '../core/redis-store';
import { newMessageId } from './message-id';
import { MessageStatus } from './message-status';
import { MINUTE_MS } from './record-location';
import type { QueuedAllowance, StaleAllowance } from './stale-allowance';
import { lastDueMinute } from './stale-rules';
import { MAX_MINUTES_PER_SWEEP, StaleSweeper, SweepSummary } from './stale.sweeper';
import { StatusRepository } from './status.repository';
import { StatusService } from './status.service';

// The stale sweep against the real scripts, on one Redis server and on the 3-master test cluster:
// messages with old queue and push times (ids carry their queue time), one sweep, and what is
// listed, counted, announced and stored.

const MINUTE = MINUTE_MS;
const HOUR = 60 * MINUTE;
const SES_ID = (at: number) => `0100${at.toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
const minuteOf = (ms: number) => Math.floor(ms / MINUTE);
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(REDIS_TARGETS)('StaleSweeper on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let repository: StatusRepository;
  let service: StatusService;
  let events: EventEmitter2;
  let announced: AsesStaleEvent[];
  let allowance: QueuedAllowance;
  let sweeper: StaleSweeper;
  // A second into the current minute: the messages queued a second or two apart after `now - 3 h`
  // fall in the same queue minute, whose notes the test waits for.
  const now = Date.now() - (Date.now() % MINUTE) + 1000;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    const options = {
      redis: { keyPrefix },
      statusTtlSeconds: 14 * 24 * 3600,
      statusDetail: 'full',
      staleAfterMs: 24 * HOUR,
      staleQueuedMs: HOUR,
    } as ResolvedAsesOptions;
    repository = new StatusRepository(redis, options);
    events = new EventEmitter2();
    announced = [];
    events.on(ASES_EVENTS.stale, (payload: AsesStaleEvent) => announced.push(payload));
    service = new StatusService(repository, events);
    allowance = { ok: true, ms: HOUR, backlog: 0, ratePerSecond: 100 };
    const allowanceSource = { queued: () => Promise.resolve(allowance) };
    sweeper = new StaleSweeper(
      repository,
      service,
      allowanceSource as unknown as StaleAllowance,
      options,
      events,
    );
    sweeper.onModuleInit();
  });

  afterEach(async () => {
    await sweeper.onApplicationShutdown();
  });

  /** Records a message queued at `queuedAt` (an id of ases's, or the caller's) and announces it, as the mailer does. */
  async function queue(queuedAt: number, id = newMessageId(queuedAt)): Promise<string> {
    const created = await service.create({
      id,
      from: 'Shop <news@shop.example.com>',
      to: 'jane@customer.example',
      subject: 'Your order',
      tags: { campaign: 'c1' },
      queuedAt: iso(queuedAt),
      fingerprint: 'fp',
    });
    expect(created).toEqual({ created: true });
    service.announceStatus(
      id,
      MessageStatus.UNKNOWN,
      MessageStatus.QUEUED,
      { type: 'queued', at: iso(queuedAt), source: 'ases' },
      { campaign: 'c1' },
    );
    return id;
  }

  async function push(id: string, pushedAt: number): Promise<void> {
    expect(await service.markPushed(id, SES_ID(pushedAt), iso(pushedAt))).toMatchObject({
      outcome: 'applied',
    });
  }

  async function deliver(id: string, at: number): Promise<void> {
    await service.update(id, {
      status: MessageStatus.DELIVERED,
      change: { deliveredAt: iso(at) },
      event: { type: 'delivery', at: iso(at), source: 'ses' },
    });
  }

  /** Waits for the queued notes of this process to reach Redis (they are written together, every 200 ms). */
  async function notesWritten(ids: string[], minute: number): Promise<void> {
    const key = `${prefix}r:{${minute.toString(36)}.q}`;
    const deadline = Date.now() + 5000;
    for (;;) {
      const members = await redis.smembers(key);
      if (ids.every((id) => members.includes(id))) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`notes of minute ${minute} not written: ${JSON.stringify(members)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sweeps until the cursors have caught up (each sweep takes on at most 30 minutes of each kind). */
  async function sweepAll(at = now): Promise<SweepSummary> {
    const total: SweepSummary = {
      swept: true,
      minutes: { queued: 0, pushed: 0 },
      found: { queued: 0, pushed: 0 },
      unlisted: { queued: 0, pushed: 0 },
    };
    for (let i = 0; i < 20; i += 1) {
      const summary = await sweeper.sweep(at);
      expect(summary.swept).toBe(true);
      for (const part of ['minutes', 'found', 'unlisted'] as const) {
        total[part].queued += summary[part].queued;
        total[part].pushed += summary[part].pushed;
      }
      if (summary.minutes.queued + summary.minutes.pushed === 0) {
        return total;
      }
    }
    throw new Error('the sweep did not catch up');
  }

  it('lists, counts and announces QUEUED messages past their threshold, ids of its own and the caller’s', async () => {
    const old = now - 3 * HOUR;
    const stuck = await queue(old);
    const stuckOwnId = await queue(old + 1000, `order-${randomUUID()}`);
    const sent = await queue(old + 2000);
    await push(sent, old + 60_000);
    const recent = await queue(now - 30 * MINUTE);
    await notesWritten([stuck, stuckOwnId, sent], minuteOf(old));
    await notesWritten([recent], minuteOf(now - 30 * MINUTE));
    // The sweep starts from where an earlier one stopped: here, just before these messages.
    await repository.saveSweepCursor('queued', minuteOf(old) - 1);

    const summary = await sweepAll();
    expect(summary.found).toEqual({ queued: 2, pushed: 0 });
    // Two hours of queue minutes after the cursor, 30 at most per sweep.
    expect(summary.minutes.queued).toBe(lastDueMinute(now, HOUR) - minuteOf(old) + 1);

    const page = await service.listStale(undefined, 100);
    expect(page.nextCursor).toBeUndefined();
    expect(page.messages.map((m) => [m.id, m.status, m.stale])).toEqual([
      [
        stuckOwnId,
        MessageStatus.QUEUED,
        { reason: 'queued', since: iso(old + 1000), staleAt: iso(old + 1000 + HOUR) },
      ],
      [
        stuck,
        MessageStatus.QUEUED,
        { reason: 'queued', since: iso(old), staleAt: iso(old + HOUR) },
      ],
    ]);
    // The whole record, as GET /v1/messages/:id shows it.
    expect(page.messages[1]).toMatchObject({
      to: 'jane@customer.example',
      tags: { campaign: 'c1' },
    });
    expect(await service.countStale()).toEqual({ queued: 2, pushed: 0 });
    expect(announced.map((event) => [event.messageId, event.stale.reason])).toEqual(
      expect.arrayContaining([
        [stuck, 'queued'],
        [stuckOwnId, 'queued'],
      ]),
    );
    expect(announced).toHaveLength(2);
    expect(announced.find((event) => event.messageId === stuck)).toMatchObject({
      status: MessageStatus.QUEUED,
      previousStatus: MessageStatus.QUEUED,
      tags: { campaign: 'c1' },
      event: { type: 'stale', at: iso(old + HOUR), source: 'ases' },
      stale: { reason: 'queued', since: iso(old), staleAt: iso(old + HOUR) },
    });

    // Stored: the listing (a sorted set by the time each turned stale), the cursors; the notes of
    // swept minutes are gone, those of the recent minute wait for their turn; the lock is free.
    const zset = await redis.zrange(`${prefix}stale:queued`, 0, -1, 'WITHSCORES');
    expect(zset).toEqual([stuck, String(old + HOUR), stuckOwnId, String(old + 1000 + HOUR)]);
    expect(await redis.exists(`${prefix}r:{${minuteOf(old).toString(36)}.q}`)).toBe(0);
    const waiting = `${prefix}r:{${minuteOf(now - 30 * MINUTE).toString(36)}.q}`;
    expect(await redis.smembers(waiting)).toEqual([recent]);
    const ttlMs = await redis.pttl(waiting);
    expect(Math.abs(ttlMs - (14 * 24 * HOUR - 30 * MINUTE))).toBeLessThan(2 * MINUTE);
    expect(await redis.hgetall(`${prefix}stale:sweep`)).toMatchObject({
      queued: String(lastDueMinute(now, HOUR)),
    });
    expect(await redis.exists(`${prefix}stale:lock`)).toBe(0);

    // Swept again: nothing new, nothing announced twice.
    expect((await sweeper.sweep(now)).found).toEqual({ queued: 0, pushed: 0 });
    expect(announced).toHaveLength(2);

    // It goes out at last: the listing drops it at once, and the count follows.
    await push(stuck, now);
    const after = await service.listStale(undefined, 100);
    expect(after.messages.map((m) => m.id)).toEqual([stuckOwnId]);
    expect(await service.countStale()).toEqual({ queued: 1, pushed: 0 });
  });

  it('counts a message queued again by a retry from that retry', async () => {
    const old = now - 5 * HOUR;
    const retried = async (retriedAt: number): Promise<string> => {
      const id = await queue(old);
      await service.update(id, {
        status: MessageStatus.FAILED,
        change: { failedAt: iso(old + MINUTE) },
        event: { type: 'failed', at: iso(old + MINUTE), source: 'ases' },
      });
      await repository.keepJob(id, '{"v":2}');
      const event = { type: 'retried', at: iso(retriedAt), source: 'ases' as const };
      expect(await service.retry(id, event)).toMatchObject({ outcome: 'queued' });
      service.announceStatus(id, MessageStatus.FAILED, MessageStatus.QUEUED, event, {});
      await notesWritten([id], minuteOf(retriedAt));
      return id;
    };
    const lately = await retried(now - 30 * MINUTE);
    const earlier = await retried(now - 90 * MINUTE);
    await repository.saveSweepCursor('queued', minuteOf(old) - 1);

    expect((await sweepAll()).found).toEqual({ queued: 1, pushed: 0 });
    const page = await service.listStale(undefined, 100);
    expect(page.messages.map((m) => [m.id, m.stale.since])).toEqual([
      [earlier, iso(now - 90 * MINUTE)],
    ]);
    expect(announced.map((event) => event.stale.since)).toEqual([iso(now - 90 * MINUTE)]);
    // Its retry's notes wait for their minute's turn.
    expect(
      await redis.smembers(`${prefix}r:{${minuteOf(now - 30 * MINUTE).toString(36)}.q}`),
    ).toEqual([lately]);
  });

  it('counts a scheduled message from the time it is scheduled for, and never a cancelled one', async () => {
    const old = now - 3 * HOUR;
    const later = now + 2 * HOUR;
    /** Queued at `old`, to be sent at `scheduledFor`. */
    async function schedule(scheduledFor: number): Promise<string> {
      const id = newMessageId(old);
      await service.create({
        id,
        from: 'Shop <news@shop.example.com>',
        to: 'jane@customer.example',
        subject: 'Your order',
        queuedAt: iso(old),
        scheduledFor: iso(scheduledFor),
        fingerprint: 'fp',
      });
      service.announceStatus(
        id,
        MessageStatus.UNKNOWN,
        MessageStatus.QUEUED,
        { type: 'queued', at: iso(old), source: 'ases' },
        {},
      );
      return id;
    }
    const notYet = await schedule(later);
    const overdue = await schedule(old + 30 * MINUTE);
    const canceled = await queue(old);
    expect(await service.cancel(canceled, iso(old + 1000))).toMatchObject({ outcome: 'canceled' });
    await notesWritten([notYet, overdue, canceled], minuteOf(old));
    await repository.saveSweepCursor('queued', minuteOf(old) - 1);

    expect((await sweepAll()).found.queued).toBe(1);
    const page = await service.listStale(undefined, 100);
    expect(page.messages.map((m) => [m.id, m.stale])).toEqual([
      [
        overdue,
        {
          reason: 'queued',
          since: iso(old + 30 * MINUTE),
          staleAt: iso(old + 30 * MINUTE + HOUR),
        },
      ],
    ]);
    // The one scheduled for later waits in the notes of its own minute.
    expect(await repository.queuedNotes(minuteOf(later))).toEqual([notYet]);

    // Still QUEUED an hour past its time: stale from then.
    const afterwards = later + HOUR + 5 * MINUTE;
    expect((await sweepAll(afterwards)).found.queued).toBe(1);
    const listed = await service.listStale(undefined, 100);
    expect(listed.messages.find((m) => m.id === notYet)?.stale).toEqual({
      reason: 'queued',
      since: iso(later),
      staleAt: iso(later + HOUR),
    });
    expect(listed.messages.map((m) => m.id)).not.toContain(canceled);
  });

  it('waits longer while the sendmail backlog takes longer to send', async () => {
    const old = now - 3 * HOUR;
    const id = await queue(old);
    await notesWritten([id], minuteOf(old));
    await repository.saveSweepCursor('queued', minuteOf(old) - 1);
    allowance = { ok: true, ms: 4 * HOUR, backlog: 1_440_000, ratePerSecond: 100 };
    expect((await sweepAll()).minutes.queued).toBe(0);
    expect(await service.countStale()).toEqual({ queued: 0, pushed: 0 });

    // The backlog could not be read: QUEUED messages wait, the cursor does not move.
    allowance = { ok: false, problem: 'SQS did not answer' };
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect((await sweeper.sweep(now)).minutes.queued).toBe(0);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('SQS did not answer'));
    } finally {
      warn.mockRestore();
    }

    allowance = { ok: true, ms: HOUR, backlog: 0, ratePerSecond: 100 };
    expect((await sweepAll()).found).toEqual({ queued: 1, pushed: 0 });
  });

  it('lists PUSHED and DELAYED messages with no outcome STALE_AFTER_HOURS after their push', async () => {
    const pushedAt = now - 25 * HOUR;
    const silent = await queue(pushedAt - 5 * MINUTE);
    await push(silent, pushedAt);
    const delayed = await queue(pushedAt - 4 * MINUTE);
    await push(delayed, pushedAt + 1000);
    await service.update(delayed, {
      status: MessageStatus.DELAYED,
      change: { delayedAt: iso(pushedAt + HOUR) },
      event: { type: 'delivery-delay', at: iso(pushedAt + HOUR), source: 'ses' },
    });
    // Queued long before, pushed late (after a backlog): stale from its push.
    const late = await queue(now - 40 * HOUR);
    await push(late, pushedAt + 2000);
    const ownId = await queue(pushedAt - MINUTE, `order-${randomUUID()}`);
    await push(ownId, pushedAt + 3000);
    const delivered = await queue(pushedAt - MINUTE);
    await push(delivered, pushedAt + 4000);
    await deliver(delivered, pushedAt + 5000);
    const young = await queue(now - 23 * HOUR - MINUTE);
    await push(young, now - 23 * HOUR);
    await repository.saveSweepCursor('pushed', minuteOf(pushedAt) - 1);

    const summary = await sweepAll();
    expect(summary.found).toEqual({ queued: 0, pushed: 4 });
    expect(summary.minutes.pushed).toBe(lastDueMinute(now, 24 * HOUR) - minuteOf(pushedAt) + 1);

    const page = await service.listStale(undefined, 100, 'pushed');
    expect(page.messages.map((m) => [m.id, m.status, m.stale.since])).toEqual([
      [ownId, MessageStatus.PUSHED, iso(pushedAt + 3000)],
      [late, MessageStatus.PUSHED, iso(pushedAt + 2000)],
      [delayed, MessageStatus.DELAYED, iso(pushedAt + 1000)],
      [silent, MessageStatus.PUSHED, iso(pushedAt)],
    ]);
    expect(page.messages[0].stale).toEqual({
      reason: 'pushed',
      since: iso(pushedAt + 3000),
      staleAt: iso(pushedAt + 3000 + 24 * HOUR),
    });
    expect(await service.countStale()).toEqual({ queued: 0, pushed: 4 });
    expect(announced.map((event) => event.messageId).sort()).toEqual(
      [silent, delayed, late, ownId].sort(),
    );

    // A page at a time: the same messages, in the same order.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const one = await service.listStale(cursor, 1);
      paged.push(...one.messages.map((m) => m.id));
      cursor = one.nextCursor;
    } while (cursor !== undefined);
    expect(paged).toEqual(page.messages.map((m) => m.id));

    // Delivered after it was listed: no longer listed, no longer counted.
    await deliver(silent, now);
    expect((await service.listStale(undefined, 100)).messages.map((m) => m.id)).toEqual([
      ownId,
      late,
      delayed,
    ]);
    expect(await service.countStale()).toEqual({ queued: 0, pushed: 3 });
    // A bounce found by the sweep's own check, without any listing.
    await service.update(delayed, {
      status: MessageStatus.BOUNCED,
      change: { bouncedAt: iso(now) },
      event: { type: 'bounce', at: iso(now), source: 'ses' },
    });
    expect((await sweeper.sweep(now)).unlisted).toEqual({ queued: 0, pushed: 1 });
    expect(await service.countStale()).toEqual({ queued: 0, pushed: 2 });
  });

  it('fails a sweep whole when Redis fails, leaving the cursor where it was', async () => {
    const pushedAt = now - 25 * HOUR;
    const id = await queue(pushedAt - MINUTE);
    await push(id, pushedAt);
    const start = minuteOf(pushedAt) - 1;
    await repository.saveSweepCursor('pushed', start);
    const peek = jest
      .spyOn(repository, 'peek')
      .mockRejectedValueOnce(storeUnavailable('the status store', new Error('ECONNREFUSED')));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      // As the interval runs it: one line logged, nothing thrown.
      (sweeper as unknown as { tick(): void }).tick();
      await (sweeper as unknown as { running: Promise<void> }).running;
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/^stale sweep failed, tried again in a minute: /);
    } finally {
      warn.mockRestore();
    }
    const cursors = await repository.sweepCursors();
    expect(cursors.pushed).toBe(start);
    // The lock was given up: the next sweep (on any instance) goes on from there.
    expect(await redis.exists(`${prefix}stale:lock`)).toBe(0);
    peek.mockRestore();
    expect((await sweepAll()).found).toEqual({ queued: 0, pushed: 1 });
  });

  it('sweeps on one instance at a time', async () => {
    expect(await repository.lockSweep('another-instance', 10_000)).toBe(true);
    expect(await sweeper.sweep(now)).toMatchObject({ swept: false });
    await repository.unlockSweep('another-instance');
    expect(await sweeper.sweep(now)).toMatchObject({ swept: true });
  });

  it('starts from the newest due minute after a flushed Redis, and bounds each catch-up', async () => {
    const first = await sweeper.sweep(now);
    expect(first.minutes).toEqual({ queued: 1, pushed: 1 });
    expect(await repository.sweepCursors()).toMatchObject({
      queued: lastDueMinute(now, HOUR),
      pushed: lastDueMinute(now, 24 * HOUR),
    });
    // An hour later (the fleet was down): 60 minutes of each kind to catch up, 30 a sweep.
    const later = now + HOUR;
    expect((await sweeper.sweep(later)).minutes).toEqual({
      queued: MAX_MINUTES_PER_SWEEP,
      pushed: MAX_MINUTES_PER_SWEEP,
    });
    expect((await sweeper.sweep(later)).minutes).toEqual({ queued: 30, pushed: 30 });
    expect((await sweeper.sweep(later)).minutes).toEqual({ queued: 0, pushed: 0 });
    const keys = (await keysWithPrefix(redis, prefix)).map((key) => key.slice(prefix.length));
    expect(keys).toEqual(['stale:sweep']);
  });
});
