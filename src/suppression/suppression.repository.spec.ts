import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import type { SuppressionEntry } from './suppression-entry';
import { SuppressionRepository } from './suppression.repository';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';

// Runs the real scripts against the Redis on 6379 and the test cluster on 7000-7002 (MACHINE.md).

function entry(email: string, fields: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    email,
    reason: 'smtp; 550 5.1.1 user unknown',
    since: '2025-01-02T03:04:05.000Z',
    source: 'bounce',
    messageId: 'msg-1',
    ...fields,
  };
}

describe.each(REDIS_TARGETS)('SuppressionRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let repository: SuppressionRepository;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    const options = { redis: { keyPrefix: prefix } } as unknown as ResolvedAsesOptions;
    repository = new SuppressionRepository(redis, options);
  });

  const entryKey = (tag: string) => `${prefix}sup:{${tag}}`;
  const softKey = (tag: string) => `${prefix}sup:{${tag}}:soft`;
  const indexKey = () => `${prefix}sup:index`;

  describe('add', () => {
    it('stores a hash without TTL under the address tag, and indexes the key', async () => {
      const stored = entry('a@example.com');

      const result = await repository.add('a@example.com', stored, false);

      expect(result).toEqual({ created: true, entry: stored });
      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey('a@example.com'), indexKey()].sort(),
      );
      expect(await redis.type(entryKey('a@example.com'))).toBe('hash');
      expect(await redis.hgetall(entryKey('a@example.com'))).toEqual({
        email: 'a@example.com',
        reason: stored.reason,
        since: stored.since,
        source: 'bounce',
        messageId: 'msg-1',
      });
      expect(await redis.ttl(entryKey('a@example.com'))).toBe(-1);
      expect(await redis.type(indexKey())).toBe('zset');
      expect(await redis.zrange(indexKey(), 0, -1, 'WITHSCORES')).toEqual(['a@example.com', '0']);
      expect(await redis.ttl(indexKey())).toBe(-1);
      expect(await repository.find('a@example.com')).toEqual(stored);
    });

    it('keeps an existing entry, its since and messageId, unless asked to overwrite', async () => {
      const first = entry('a@example.com');
      await repository.add('a@example.com', first, false);

      const kept = await repository.add(
        'a@example.com',
        entry('a@example.com', { since: '2025-06-01T00:00:00.000Z', messageId: 'msg-2' }),
        false,
      );

      expect(kept).toEqual({ created: false, entry: first });
      expect(await repository.find('a@example.com')).toEqual(first);
    });

    it('replaces an entry whole on overwrite: no field of the old one survives', async () => {
      await repository.add('a@example.com', entry('a@example.com'), false);
      const manual: SuppressionEntry = {
        email: 'a@example.com',
        reason: 'asked to stop',
        since: '2025-06-01T00:00:00.000Z',
        source: 'manual',
      };

      const result = await repository.add('a@example.com', manual, true);

      expect(result).toEqual({ created: false, entry: manual });
      expect(await redis.hgetall(entryKey('a@example.com'))).toEqual({
        email: 'a@example.com',
        reason: 'asked to stop',
        since: manual.since,
        source: 'manual',
      });
      expect(await redis.zcard(indexKey())).toBe(1);
    });

    it('clears the soft-bounce counter of the address it writes', async () => {
      const rule = { count: 3, windowMs: 60_000, nowMs: Date.now() };
      await repository.recordSoftBounce('a@example.com', rule.nowMs, 'm1', rule, entry('x'));
      expect(await redis.exists(softKey('a@example.com'))).toBe(1);

      await repository.add('a@example.com', entry('a@example.com'), false);

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey('a@example.com'), indexKey()].sort(),
      );
    });

    it('indexes again a key whose add died between its two steps', async () => {
      await repository.add('a@example.com', entry('a@example.com'), false);
      // The state a crash after the entry script and before the index step leaves.
      await redis.zrem(indexKey(), 'a@example.com');

      const retried = await repository.add('a@example.com', entry('a@example.com'), false);

      expect(retried.created).toBe(false);
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual(['a@example.com']);
    });
  });

  describe('remove', () => {
    it('removes the entry, its soft counter and its index member, and returns the entry', async () => {
      const stored = entry('a@example.com');
      await repository.add('a@example.com', stored, false);
      await redis.zadd(softKey('a@example.com'), 1, 'm1');

      expect(await repository.remove('a@example.com')).toEqual(stored);

      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
      expect(await repository.find('a@example.com')).toBeNull();
    });

    it('returns null for an address not on the list, and drops a dangling index member', async () => {
      await redis.zadd(indexKey(), 0, 'gone@example.com');

      expect(await repository.remove('gone@example.com')).toBeNull();

      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    });
  });

  describe('recordSoftBounce', () => {
    const rule = { count: 3, windowMs: 60_000, nowMs: Date.now() };
    const suppressing = entry('s@example.com', {
      reason: '3 transient bounces within 1 minute',
      source: 'transient-bounces',
      messageId: 'm3',
    });

    it('counts distinct bounces in an expiring sorted set, once per bounce id', async () => {
      const at = rule.nowMs - 1000;

      expect(
        await repository.recordSoftBounce('s@example.com', at, 'm1', rule, suppressing),
      ).toEqual({ outcome: 'counted', count: 1 });
      expect(
        await repository.recordSoftBounce('s@example.com', at, 'm1', rule, suppressing),
      ).toEqual({ outcome: 'counted', count: 1 });
      expect(
        await repository.recordSoftBounce('s@example.com', at + 1, 'm2', rule, suppressing),
      ).toEqual({ outcome: 'counted', count: 2 });

      expect(await keysWithPrefix(redis, prefix)).toEqual([softKey('s@example.com')]);
      expect(await redis.type(softKey('s@example.com'))).toBe('zset');
      expect(await redis.zrange(softKey('s@example.com'), 0, -1, 'WITHSCORES')).toEqual([
        'm1',
        String(at),
        'm2',
        String(at + 1),
      ]);
      const pttl = await redis.pttl(softKey('s@example.com'));
      expect(pttl).toBeGreaterThan(rule.windowMs - 5000);
      expect(pttl).toBeLessThanOrEqual(rule.windowMs);
    });

    it('drops bounces older than the window', async () => {
      const old = rule.nowMs - rule.windowMs - 1;

      expect(
        await repository.recordSoftBounce('s@example.com', old, 'm0', rule, suppressing),
      ).toEqual({ outcome: 'counted', count: 0 });
      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    });

    it('suppresses at the count: stores the entry, indexes it, clears the counter', async () => {
      for (const id of ['m1', 'm2']) {
        await repository.recordSoftBounce('s@example.com', rule.nowMs, id, rule, suppressing);
      }

      expect(
        await repository.recordSoftBounce('s@example.com', rule.nowMs, 'm3', rule, suppressing),
      ).toEqual({ outcome: 'suppressed', entry: suppressing });

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey('s@example.com'), indexKey()].sort(),
      );
      expect(await redis.ttl(entryKey('s@example.com'))).toBe(-1);
      expect(await repository.find('s@example.com')).toEqual(suppressing);
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual(['s@example.com']);
    });

    it('counts nothing for an address already suppressed, and repairs its index member', async () => {
      await repository.add('s@example.com', entry('s@example.com'), false);
      await redis.zrem(indexKey(), 's@example.com');

      expect(
        await repository.recordSoftBounce('s@example.com', rule.nowMs, 'm1', rule, suppressing),
      ).toEqual({ outcome: 'already-suppressed' });

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey('s@example.com'), indexKey()].sort(),
      );
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual(['s@example.com']);
    });
  });

  describe('hash tags', () => {
    it.each([
      ['a@example.com', 'a@example.com'],
      ['a{b}%c@example.com', 'a%7Bb%7D%25c@example.com'],
      ['}x@example.com', '%7Dx@example.com'],
      ['{}@example.com', '%7B%7D@example.com'],
    ])('keeps the keys of %s in one slot, tagged %s', async (key, tag) => {
      const rule = { count: 2, windowMs: 60_000, nowMs: Date.now() };
      await repository.recordSoftBounce(key, rule.nowMs, 'm1', rule, entry(key));
      expect(await keysWithPrefix(redis, prefix)).toEqual([softKey(tag)]);

      await repository.add(key, entry(key), false);
      expect(await keysWithPrefix(redis, prefix)).toEqual([entryKey(tag), indexKey()].sort());

      expect(await slotOf(softKey(tag))).toBe(await slotOf(entryKey(tag)));
      expect(await repository.find(key)).toEqual(entry(key));
      expect(await repository.remove(key)).toEqual(entry(key));
      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    });

    it('gives addresses that differ only by an encoded character different keys', async () => {
      await repository.add('a{b@example.com', entry('a{b@example.com'), false);
      await repository.add('a%7Bb@example.com', entry('a%7Bb@example.com'), false);

      expect(await redis.zcard(indexKey())).toBe(2);
      expect((await repository.find('a{b@example.com'))?.email).toBe('a{b@example.com');
      expect((await repository.find('a%7Bb@example.com'))?.email).toBe('a%7Bb@example.com');
    });
  });

  describe('page', () => {
    const keys = ['e@example.com', 'a@example.com', 'c@example.com', 'b@example.com', 'd@x.org'];

    beforeEach(async () => {
      for (const key of keys) {
        await repository.add(key, entry(key), false);
      }
    });

    it('pages in lexical key order, the cursor being the last key of the page', async () => {
      const seen: string[] = [];
      const cursors: (string | null)[] = [];
      let after: string | null = null;
      do {
        const page = await repository.page(after, 2);
        seen.push(...page.entries.map((e) => e.email));
        cursors.push(page.lastKey);
        after = page.lastKey;
      } while (after !== null);

      expect(seen).toEqual([...keys].sort());
      expect(cursors).toEqual(['b@example.com', 'd@x.org', null]);
    });

    it('ends with the page that holds the last key (no empty last page)', async () => {
      const page = await repository.page(null, keys.length);

      expect(page.entries).toHaveLength(keys.length);
      expect(page.lastKey).toBeNull();
      expect(await repository.page('e@example.com', 10)).toEqual({ entries: [], lastKey: null });
    });

    it('skips an index member whose entry is gone and goes on by key', async () => {
      // What a remove leaves if it dies between deleting the entry and the index step.
      await redis.del(entryKey('b@example.com'));

      const first = await repository.page(null, 2);
      const second = await repository.page(first.lastKey, 2);

      expect(first.entries.map((e) => e.email)).toEqual(['a@example.com']);
      expect(first.lastKey).toBe('b@example.com');
      expect(second.entries.map((e) => e.email)).toEqual(['c@example.com', 'd@x.org']);
    });

    it('spreads the entries over the slots of a cluster, the index in a slot of its own', async () => {
      const slots = new Set(await Promise.all(keys.map((key) => slotOf(entryKey(key)))));

      expect(slots.size).toBeGreaterThan(1);
      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [...keys.map((key) => entryKey(key)), indexKey()].sort(),
      );
    });
  });
});
