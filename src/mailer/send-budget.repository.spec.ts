import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { SendBudgetRepository } from './send-budget.repository';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';

// Runs the real scripts against the Redis on 6379 and the test cluster on 7000-7002 (MACHINE.md).

/** Polls `check` until it holds, failing after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const HORIZON_MS = 10_000;

describe.each(REDIS_TARGETS)('SendBudgetRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let budget: SendBudgetRepository;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    const options = { redis: { keyPrefix: prefix } } as unknown as ResolvedAsesOptions;
    budget = new SendBudgetRepository(redis, options);
  });

  const key = (name: string) => `${prefix}rate:{budget}:${name}`;

  it('keeps its three keys under one hash tag, in one slot', async () => {
    const slots = await Promise.all(['slot', 'pause', 'state'].map((name) => slotOf(key(name))));

    expect(new Set(slots).size).toBe(1);
  });

  describe('reserve', () => {
    it('goes at once on an idle budget and stores the next free slot (µs), expiring', async () => {
      const before = Number((await redis.time())[0]) * 1_000_000;

      expect(await budget.reserve(10, 1, HORIZON_MS)).toEqual({ kind: 'go', waitMs: 0 });

      expect(await keysWithPrefix(redis, prefix)).toEqual([key('slot')]);
      expect(await redis.type(key('slot'))).toBe('string');
      const slot = await redis.get(key('slot'));
      expect(slot).toMatch(/^\d+$/);
      // One interval (100 ms at 10/s) after Redis's now.
      expect(Number(slot) - before).toBeGreaterThanOrEqual(100_000);
      expect(Number(slot) - before).toBeLessThan(100_000 + 2_000_000);
      // Expires a minute after the slot is reached.
      const pttl = await redis.pttl(key('slot'));
      expect(pttl).toBeGreaterThan(59_000);
      expect(pttl).toBeLessThanOrEqual(60_100);
    });

    it('spaces reservations one interval per recipient apart', async () => {
      const started = performance.now();
      const first = await budget.reserve(10, 5, HORIZON_MS);
      const second = await budget.reserve(10, 1, HORIZON_MS);
      const third = await budget.reserve(10, 1, HORIZON_MS);
      const elapsed = performance.now() - started;

      expect(first).toEqual({ kind: 'go', waitMs: 0 });
      // 5 recipients at 10/s: the next slot is 500 ms on, less the time the calls took.
      expect(second.kind).toBe('go');
      const secondWait = (second as { waitMs: number }).waitMs;
      const thirdWait = (third as { waitMs: number }).waitMs;
      expect(secondWait).toBeGreaterThanOrEqual(500 - elapsed);
      expect(secondWait).toBeLessThanOrEqual(500);
      expect(thirdWait - secondWait).toBeGreaterThanOrEqual(100 - elapsed);
      expect(thirdWait - secondWait).toBeLessThanOrEqual(100);
    });

    it('refuses a slot beyond the horizon, without taking it', async () => {
      const started = performance.now();
      await budget.reserve(10, 3, 150);
      const slot = await redis.get(key('slot'));

      const full = await budget.reserve(10, 1, 150);
      const elapsed = performance.now() - started;

      // 300 ms reserved, 150 within the horizon: the rest, less the time the calls took.
      expect(full.kind).toBe('full');
      const retryInMs = (full as { retryInMs: number }).retryInMs;
      expect(retryInMs).toBeGreaterThanOrEqual(Math.floor(150 - elapsed));
      expect(retryInMs).toBeLessThanOrEqual(150);
      expect(await redis.get(key('slot'))).toBe(slot);
    });

    it('earns no burst from an idle spell: a slot in the past starts from now', async () => {
      await redis.set(key('slot'), '1000', 'PX', 60_000);

      const started = performance.now();
      expect(await budget.reserve(10, 1, HORIZON_MS)).toEqual({ kind: 'go', waitMs: 0 });
      const second = await budget.reserve(10, 1, HORIZON_MS);
      const elapsed = performance.now() - started;

      expect((second as { waitMs: number }).waitMs).toBeGreaterThanOrEqual(100 - elapsed);
    });
  });

  describe('pause and resume', () => {
    it('stores a pause as its reason, expiring when it ends, and reserves nothing meanwhile', async () => {
      await budget.pause(5000, 'SES throttled us');

      expect(await keysWithPrefix(redis, prefix)).toEqual([key('pause')]);
      expect(await redis.type(key('pause'))).toBe('string');
      expect(await redis.get(key('pause'))).toBe('SES throttled us');
      const pttl = await redis.pttl(key('pause'));
      expect(pttl).toBeGreaterThan(4000);
      expect(pttl).toBeLessThanOrEqual(5000);

      const reservation = await budget.reserve(10, 1, HORIZON_MS);
      expect(reservation).toMatchObject({ kind: 'paused', reason: 'SES throttled us' });
      expect((reservation as { leftMs: number }).leftMs).toBeGreaterThan(4000);
      expect(await redis.exists(key('slot'))).toBe(0);

      const pause = await budget.currentPause();
      expect(pause).toMatchObject({ reason: 'SES throttled us' });
      expect(pause!.leftMs).toBeGreaterThan(4000);
      expect(pause!.leftMs).toBeLessThanOrEqual(5000);
    });

    it('resumes only the pause it names', async () => {
      await budget.pause(5000, 'daily quota');

      expect(await budget.resume('SES throttled us')).toBe(false);
      expect(await budget.currentPause()).toMatchObject({ reason: 'daily quota' });

      expect(await budget.resume('daily quota')).toBe(true);
      expect(await budget.currentPause()).toBeNull();
      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
      expect(await budget.reserve(10, 1, HORIZON_MS)).toEqual({ kind: 'go', waitMs: 0 });
      expect(await budget.resume('daily quota')).toBe(false);
    });

    it('ends a pause by itself when its time is up', async () => {
      await budget.pause(50, 'short');

      await eventually(async () => (await budget.currentPause()) === null);

      expect(await budget.reserve(10, 1, HORIZON_MS)).toEqual({ kind: 'go', waitMs: 0 });
    });
  });

  describe('decrease', () => {
    it('records a decrease in an expiring hash, and refuses another within the cooldown', async () => {
      const at = Date.now();
      expect(await budget.state()).toBeNull();

      expect(await budget.decrease({ floor: 40, decreasedAt: at }, 60_000)).toBe(true);

      expect(await keysWithPrefix(redis, prefix)).toEqual([key('state')]);
      expect(await redis.type(key('state'))).toBe('hash');
      expect(await redis.hgetall(key('state'))).toEqual({
        floor: '40',
        decreasedAt: String(at),
      });
      const ttl = await redis.ttl(key('state'));
      expect(ttl).toBeGreaterThan(3590);
      expect(ttl).toBeLessThanOrEqual(3600);
      expect(await budget.state()).toEqual({ floor: 40, decreasedAt: at });

      expect(await budget.decrease({ floor: 20, decreasedAt: at + 59_999 }, 60_000)).toBe(false);
      expect(await budget.state()).toEqual({ floor: 40, decreasedAt: at });

      expect(await budget.decrease({ floor: 20, decreasedAt: at + 60_000 }, 60_000)).toBe(true);
      expect(await budget.state()).toEqual({ floor: 20, decreasedAt: at + 60_000 });
    });
  });
});
