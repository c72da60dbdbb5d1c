import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { REDIS_TARGETS, keysWithPrefix, useSpecRedis } from '../../test/helpers/test-redis';
import { decodeStatus, ReputationRepository } from './reputation.repository';

// Runs the real script against the Redis on 6379 and the test cluster on 7000-7002.

describe.each(REDIS_TARGETS)('ReputationRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let repository: ReputationRepository;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    const options = { redis: { keyPrefix } } as Pick<ResolvedAsesOptions, 'redis'>;
    repository = new ReputationRepository(redis, options);
  });

  it('reads healthy at version 0 when nothing is stored', async () => {
    expect(await repository.read()).toEqual({
      status: { state: 'healthy', sinceMs: 0, reason: null },
      version: 0,
    });
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
  });

  it('stores a transition in one small hash under the {guard} tag', async () => {
    const paused = { state: 'paused', sinceMs: 1000, reason: 'bounce rate 6 %' } as const;

    expect(await repository.compareAndSet(0, paused)).toBe(1);

    expect(await keysWithPrefix(redis, prefix)).toEqual([`${prefix}rep:{guard}`]);
    expect(await redis.hgetall(`${prefix}rep:{guard}`)).toEqual({
      state: 'paused',
      since: '1000',
      reason: 'bounce rate 6 %',
      version: '1',
    });
    expect(await redis.memory('USAGE', `${prefix}rep:{guard}`)).toBeLessThan(256);
    expect(await repository.read()).toEqual({ status: paused, version: 1 });
  });

  it('lets exactly one of several writers at one version through', async () => {
    const outcomes = await Promise.all(
      ['a', 'b', 'c', 'd'].map((reason) =>
        repository.compareAndSet(0, { state: 'warning', sinceMs: 5, reason }),
      ),
    );

    expect(outcomes.filter((outcome) => outcome === 1)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === null)).toHaveLength(3);
  });

  it('removes the optional fields a new state does not have', async () => {
    await repository.compareAndSet(0, { state: 'paused', sinceMs: 1, reason: 'x' });
    await repository.compareAndSet(1, {
      state: 'warning',
      sinceMs: 2,
      reason: 'resumed by hand',
      resumedBy: 'hand',
      handResumedAtMs: 2,
      handResumeBaseline: {
        sent: 1,
        delivered: 1,
        bounced_permanent: 0,
        bounced_transient: 0,
        bounced_undetermined: 0,
        complained: 0,
      },
    });
    expect((await repository.read()).status.handResumeBaseline).toMatchObject({ delivered: 1 });
    expect(await repository.compareAndSet(2, { state: 'healthy', sinceMs: 3, reason: null })).toBe(
      3,
    );

    expect(await redis.hgetall(`${prefix}rep:{guard}`)).toEqual({
      state: 'healthy',
      since: '3',
      version: '3',
    });
  });
});

describe('decodeStatus', () => {
  it('reads a malformed state as the initial one, keeping its version for the next write', () => {
    expect(decodeStatus({ state: 'sleeping', version: '4' })).toEqual({
      status: { state: 'healthy', sinceMs: 0, reason: null },
      version: 4,
    });
  });

  it('reads every field it knows', () => {
    expect(
      decodeStatus({
        state: 'warning',
        since: '10',
        reason: 'r',
        resumedBy: 'hand',
        handResumedAt: '9',
        version: '2',
        extra: 'ignored',
      }),
    ).toEqual({
      status: { state: 'warning', sinceMs: 10, reason: 'r', resumedBy: 'hand', handResumedAtMs: 9 },
      version: 2,
    });
  });
});
