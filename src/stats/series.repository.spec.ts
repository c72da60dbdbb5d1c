import { Logger } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { AsesErrorCode } from '../core/ases.exception';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';
import { bucketKeys, HOUR_MS, MINUTE_MS, zeroTotals } from './series';
import { SeriesRepository } from './series.repository';

// Runs the real scripts against the Redis on 6379 and the test cluster on 7000-7002.
const options = (prefix: string) =>
  ({ redis: { keyPrefix: prefix } }) as unknown as ResolvedAsesOptions;

describe.each(REDIS_TARGETS)('SeriesRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let series: SeriesRepository;
  // A recent time: minute buckets of the last 48 h are kept, so their keys live.
  const now = Date.now();
  const t0 = now - (now % HOUR_MS) - 2 * HOUR_MS;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    series = new SeriesRepository(redis, options(prefix));
  });

  it('adds each count to its minute and its hour, in one slot, with their expiry', async () => {
    const at = t0 + 5 * MINUTE_MS + 1_000;
    series.add({ category: undefined, counters: ['delivered'], lagMs: 2_500 }, at);
    series.add({ category: 'news', counters: ['opened', 'opened_human'] }, at + 1_000);
    series.addSent('news', 3, at);
    // Added up in memory until flushed (within a second, or at shutdown).
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    await series.flush();

    const keys = bucketKeys(prefix, at);
    expect((await keysWithPrefix(redis, prefix)).sort()).toEqual([keys.hour, keys.minute].sort());
    expect(await slotOf(keys.hour)).toBe(await slotOf(keys.minute));
    const expected = {
      ':d': '1',
      '~lag': '2500',
      '~n': '1',
      'news:o': '1',
      'news:oh': '1',
      'news:s': '3',
    };
    expect(await redis.hgetall(keys.minute)).toEqual(expected);
    expect(await redis.hgetall(keys.hour)).toEqual(expected);
    const minuteTtl = await redis.ttl(keys.minute);
    const hourTtl = await redis.ttl(keys.hour);
    expect(minuteTtl).toBeGreaterThan(45 * 3600);
    expect(minuteTtl).toBeLessThanOrEqual(48 * 3600);
    expect(hourTtl).toBeGreaterThan(14 * 24 * 3600);
    expect(hourTtl).toBeLessThanOrEqual(15 * 24 * 3600 + 3600);
  });

  it('reads buckets with their gauges: the highest depth of the hour, the last rate', async () => {
    await series.sample(40, 14, t0 + MINUTE_MS);
    await series.sample(25, 12, t0 + 2 * MINUTE_MS);
    await series.sample(null, null, t0 + 3 * MINUTE_MS);
    series.add({ category: undefined, counters: ['sent'], lagMs: 1_000 }, t0 + MINUTE_MS);
    series.add({ category: undefined, counters: ['sent'], lagMs: 3_000 }, t0 + MINUTE_MS);
    await series.flush();

    const minutes = await series.buckets('minute', [t0 + MINUTE_MS, t0 + 2 * MINUTE_MS, t0]);
    expect(minutes.map((bucket) => bucket.gauges)).toEqual([
      { queueDepth: 40, sendRateLimit: 14, feedbackLagSeconds: 2 },
      { queueDepth: 25, sendRateLimit: 12, feedbackLagSeconds: null },
      { queueDepth: null, sendRateLimit: null, feedbackLagSeconds: null },
    ]);
    expect(minutes[0].categories).toEqual({ transactional: { ...zeroTotals(), sent: 2 } });
    const [hour] = await series.buckets('hour', [t0]);
    expect(hour.gauges).toEqual({ queueDepth: 40, sendRateLimit: 12, feedbackLagSeconds: 2 });
  });

  it('adds up a window from minutes at its ends and hours between', async () => {
    // 10:59 (outside), 11:00, 12:30 and 13:10 (inside the window 11:00-13:30).
    for (const at of [
      t0 - MINUTE_MS,
      t0,
      t0 + HOUR_MS + 30 * MINUTE_MS,
      t0 + 2 * HOUR_MS + 10 * MINUTE_MS,
    ]) {
      series.add({ category: 'news', counters: ['bounced_permanent'] }, at);
    }
    series.add({ category: undefined, counters: ['delivered'] }, t0 + 2 * HOUR_MS + 40 * MINUTE_MS);
    await series.flush();

    const totals = await series.totals(t0, t0 + 2 * HOUR_MS + 30 * MINUTE_MS, now);
    expect(totals).toEqual({ news: { ...zeroTotals(), bounced_permanent: 3 } });
  });

  it('loses a count rather than failing when Redis does not answer, and says so', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // The same connection, with one command that fails as a closed connection does (set after
    // the repository defined its scripts on it).
    const failingAt = (name: string) => {
      const connection = Object.create(redis) as AsesRedis;
      const repository = new SeriesRepository(connection, options(prefix));
      Object.assign(connection, {
        [name]: () => Promise.reject(new Error('Connection is closed.')),
      });
      return repository;
    };
    const broken = failingAt('asesSeriesAdd');
    try {
      broken.add({ category: undefined, counters: ['sent'] }, now);
      await expect(broken.flush()).resolves.toBe(undefined);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('could not count into the time series'),
      );
    } finally {
      warn.mockRestore();
    }
    const failing = failingAt('hgetall');
    await expect(failing.totals(now - HOUR_MS, now)).rejects.toMatchObject({
      code: AsesErrorCode.STORE_UNAVAILABLE,
    });
  });
});
