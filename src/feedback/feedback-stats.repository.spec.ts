import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode } from '../core/ases.exception';
import type { AsesRedis } from '../core/ases-redis';
import { FeedbackSource, FeedbackStatsRepository } from './feedback-stats.repository';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';

// Runs the real script against the Redis on 6379 and the test cluster on 7000-7002 (MACHINE.md).
const SOURCES: FeedbackSource[] = ['bounces', 'complaints', 'deliveries', 'events', 'sns-https'];

const options = (prefix: string) =>
  ({ redis: { keyPrefix: prefix } }) as unknown as ResolvedAsesOptions;

describe.each(REDIS_TARGETS)('FeedbackStatsRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let stats: FeedbackStatsRepository;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    stats = new FeedbackStatsRepository(redis, options(prefix));
  });

  const key = (source: FeedbackSource) => `${prefix}stats:feedback:${source}`;

  it('counts into one hash per source, without TTL', async () => {
    const at = new Date('2025-03-04T05:06:07.000Z');

    await stats.count('bounces', [{ event: 'Bounce' }, 'applied'], at);
    await stats.count('bounces', [{ event: 'Bounce' }, 'duplicates'], at);
    await stats.count('bounces', ['poison']);

    expect(await keysWithPrefix(redis, prefix)).toEqual([key('bounces')]);
    expect(await redis.type(key('bounces'))).toBe('hash');
    expect(await redis.ttl(key('bounces'))).toBe(-1);
    expect(await redis.hgetall(key('bounces'))).toEqual({
      'event:Bounce': '2',
      applied: '1',
      duplicates: '1',
      poison: '1',
      lastEventAt: at.toISOString(),
    });
  });

  it('moves the last-event time only when given one, and bumps a counter named twice twice', async () => {
    const first = new Date('2025-03-04T05:06:07.000Z');
    const later = new Date('2025-03-04T06:00:00.000Z');

    await stats.count('events', [{ unsupported: 'Subscription' }], first);
    await stats.count('events', ['subscriptions', 'subscriptions']);
    expect(await redis.hget(key('events'), 'lastEventAt')).toBe(first.toISOString());

    await stats.count('events', [{ event: 'Open' }, 'applied'], later);

    expect(await redis.hgetall(key('events'))).toEqual({
      'unsupported:Subscription': '1',
      subscriptions: '2',
      'event:Open': '1',
      applied: '1',
      lastEventAt: later.toISOString(),
    });
  });

  it('reads every source asked for, zeros for one never counted, creating no key', async () => {
    const at = new Date('2025-03-04T05:06:07.000Z');
    await stats.count('bounces', [{ event: 'Bounce' }, 'applied'], at);
    await stats.count('complaints', [{ event: 'Complaint' }, 'unknownMessage'], at);
    await stats.count('sns-https', ['signatureFailures', 'forbiddenTopics', 'malformed']);
    await stats.count('events', [{ unsupported: 'Rendering Failure' }, 'otherRecipient'], at);

    const read = await stats.read(SOURCES);

    expect(Object.keys(read)).toEqual(SOURCES);
    expect(read.bounces).toMatchObject({
      lastEventAt: at.toISOString(),
      events: { Bounce: 1 },
      applied: 1,
      unknownMessage: 0,
    });
    expect(read.complaints).toMatchObject({ events: { Complaint: 1 }, unknownMessage: 1 });
    expect(read['sns-https']).toMatchObject({
      lastEventAt: null,
      signatureFailures: 1,
      forbiddenTopics: 1,
      malformed: 1,
    });
    expect(read.events).toMatchObject({
      unsupported: { 'Rendering Failure': 1 },
      otherRecipient: 1,
    });
    expect(read.deliveries).toEqual({
      lastEventAt: null,
      events: {},
      applied: 0,
      unchanged: 0,
      duplicates: 0,
      poison: 0,
      unknownMessage: 0,
      expired: 0,
      otherRecipient: 0,
      unsupported: {},
      subscriptions: 0,
      signatureFailures: 0,
      forbiddenTopics: 0,
      malformed: 0,
    });
    expect(await keysWithPrefix(redis, prefix)).toEqual(
      [key('bounces'), key('complaints'), key('events'), key('sns-https')].sort(),
    );
  });

  it('reads sources whose hashes lie in different slots', async () => {
    for (const source of SOURCES) {
      await stats.count(source, ['applied']);
    }
    const slots = new Set(await Promise.all(SOURCES.map((source) => slotOf(key(source)))));

    const read = await stats.read(SOURCES);

    expect(slots.size).toBeGreaterThan(1);
    expect(SOURCES.map((source) => read[source].applied)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('FeedbackStatsRepository without Redis', () => {
  // Nothing listens on port 1: every command fails at once, as with Redis down.
  const down = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  const stats = new FeedbackStatsRepository(down, options('ases-spec:down:'));

  afterAll(() => {
    down.disconnect();
  });

  it('never fails the feedback it counts: it logs the error', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(stats.count('bounces', ['applied'])).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('could not count feedback stats for bounces'),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('reports a read as STORE_UNAVAILABLE', async () => {
    await expect(stats.read(['bounces'])).rejects.toMatchObject({
      code: AsesErrorCode.STORE_UNAVAILABLE,
    });
  });
});
