import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import type { CategoryUnsubscribe, SuppressionEntry } from './suppression-entry';
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

function unsubscribe(
  category: string,
  fields: Partial<CategoryUnsubscribe> = {},
): CategoryUnsubscribe {
  return {
    category,
    reason: `one-click unsubscribe from ${category} mail`,
    since: '2025-02-03T04:05:06.000Z',
    messageId: 'msg-u',
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
  const unsubKey = (tag: string) => `${prefix}sup:{${tag}}:unsub`;
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

      expect(await repository.remove('a@example.com')).toEqual({ entry: stored, unsubscribes: [] });

      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
      expect(await repository.find('a@example.com')).toBeNull();
    });

    it('returns null for an address not on the list, and drops a dangling index member', async () => {
      await redis.zadd(indexKey(), 0, 'gone@example.com');

      expect(await repository.remove('gone@example.com')).toEqual({
        entry: null,
        unsubscribes: [],
      });

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
      expect(await repository.addUnsubscribe(key, unsubscribe('marketing'), false)).toEqual({
        created: true,
        unsubscribe: unsubscribe('marketing'),
      });
      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey(tag), unsubKey(tag), indexKey()].sort(),
      );
      expect(await slotOf(unsubKey(tag))).toBe(await slotOf(entryKey(tag)));
      expect(await repository.remove(key)).toEqual({
        entry: entry(key),
        unsubscribes: [unsubscribe('marketing')],
      });
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

    it('counts the index members: entries and unsubscribes, as the pages list them', async () => {
      expect(await repository.count()).toBe(keys.length);
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);
      await repository.remove('e@example.com');
      expect(await repository.count()).toBe(keys.length);
      expect(await redis.zcard(indexKey())).toBe(keys.length);
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
  describe('unsubscribes', () => {
    it('stores one field per category in a hash without TTL, and indexes key + tab + category', async () => {
      const marketing = unsubscribe('marketing');

      expect(await repository.addUnsubscribe('a@example.com', marketing, false)).toEqual({
        created: true,
        unsubscribe: marketing,
      });
      await repository.addUnsubscribe(
        'a@example.com',
        unsubscribe('news', { messageId: undefined }),
        false,
      );

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [unsubKey('a@example.com'), indexKey()].sort(),
      );
      expect(await redis.type(unsubKey('a@example.com'))).toBe('hash');
      expect(await redis.ttl(unsubKey('a@example.com'))).toBe(-1);
      expect(await redis.hgetall(unsubKey('a@example.com'))).toEqual({
        marketing: JSON.stringify({
          since: marketing.since,
          reason: marketing.reason,
          messageId: 'msg-u',
        }),
        news: JSON.stringify({ since: marketing.since, reason: unsubscribe('news').reason }),
      });
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual([
        'a@example.com\tmarketing',
        'a@example.com\tnews',
      ]);
      expect(await repository.find('a@example.com')).toBeNull();
    });

    it('keeps the first unsubscribe of a category unless asked to overwrite', async () => {
      const first = unsubscribe('marketing');
      await repository.addUnsubscribe('a@example.com', first, false);
      const later = unsubscribe('marketing', {
        since: '2025-06-01T00:00:00.000Z',
        messageId: 'm-2',
      });

      expect(await repository.addUnsubscribe('a@example.com', later, false)).toEqual({
        created: false,
        unsubscribe: first,
      });
      expect(await repository.addUnsubscribe('a@example.com', later, true)).toEqual({
        created: false,
        unsubscribe: later,
      });
      expect((await repository.findAll('a@example.com')).unsubscribes).toEqual([later]);
      expect(await redis.zcard(indexKey())).toBe(1);
    });

    it('keeps unsubscribes and the entry apart: writing one leaves the other', async () => {
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);
      await repository.add('a@example.com', entry('a@example.com'), false);
      await repository.add('a@example.com', entry('a@example.com', { source: 'manual' }), true);

      expect(await repository.findAll('a@example.com')).toEqual({
        email: 'a@example.com',
        entry: entry('a@example.com', { source: 'manual' }),
        unsubscribes: [unsubscribe('marketing')],
      });
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual([
        'a@example.com',
        'a@example.com\tmarketing',
      ]);
    });

    it('findAll: the entry and the unsubscribes in category order, or nothing', async () => {
      await repository.addUnsubscribe('a@example.com', unsubscribe('news'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);

      expect(await repository.findAll('a@example.com')).toEqual({
        email: 'a@example.com',
        entry: null,
        unsubscribes: [unsubscribe('marketing'), unsubscribe('news')],
      });
      expect(await repository.findAll('b@example.com')).toEqual({
        email: 'b@example.com',
        entry: null,
        unsubscribes: [],
      });
    });

    it('removeUnsubscribe takes off one category, its member, and the hash with its last field', async () => {
      await repository.add('a@example.com', entry('a@example.com'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('news'), false);

      expect(await repository.removeUnsubscribe('a@example.com', 'marketing')).toEqual(
        unsubscribe('marketing'),
      );
      expect(await repository.removeUnsubscribe('a@example.com', 'marketing')).toBeNull();
      expect(await redis.hkeys(unsubKey('a@example.com'))).toEqual(['news']);
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual([
        'a@example.com',
        'a@example.com\tnews',
      ]);

      expect(await repository.removeUnsubscribe('a@example.com', 'news')).toEqual(
        unsubscribe('news'),
      );
      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [entryKey('a@example.com'), indexKey()].sort(),
      );
      expect(await repository.find('a@example.com')).toEqual(entry('a@example.com'));
    });

    it('remove takes the entry, the soft counter, every unsubscribe and every member', async () => {
      await repository.add('a@example.com', entry('a@example.com'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('news'), false);
      await repository.addUnsubscribe('b@example.com', unsubscribe('news'), false);
      await redis.zadd(softKey('a@example.com'), 1, 'm1');

      expect(await repository.remove('a@example.com')).toEqual({
        entry: entry('a@example.com'),
        unsubscribes: [unsubscribe('marketing'), unsubscribe('news')],
      });

      expect(await keysWithPrefix(redis, prefix)).toEqual(
        [unsubKey('b@example.com'), indexKey()].sort(),
      );
      expect(await redis.zrange(indexKey(), 0, -1)).toEqual(['b@example.com\tnews']);
    });

    it('remove of an address with unsubscribes only returns them', async () => {
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);

      expect(await repository.remove('a@example.com')).toEqual({
        entry: null,
        unsubscribes: [unsubscribe('marketing')],
      });
      expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    });
  });

  describe('findBlocking', () => {
    beforeEach(async () => {
      await repository.add('bounced@example.com', entry('bounced@example.com'), false);
      await repository.addUnsubscribe('bounced@example.com', unsubscribe('marketing'), false);
      await repository.addUnsubscribe('unsub@example.com', unsubscribe('marketing'), false);
      await repository.addUnsubscribe('unsub@example.com', unsubscribe('news'), false);
    });

    it('blocks an unsubscribed address for its categories only', async () => {
      expect(await repository.findBlocking(['unsub@example.com'], 'marketing')).toEqual([
        {
          email: 'unsub@example.com',
          reason: unsubscribe('marketing').reason,
          since: unsubscribe('marketing').since,
          messageId: 'msg-u',
          source: 'unsubscribe',
          category: 'marketing',
        },
      ]);
      expect(await repository.findBlocking(['unsub@example.com'], 'transactional')).toEqual([]);
    });

    it('blocks a globally suppressed address for every category, reporting the global entry', async () => {
      for (const category of ['transactional', 'marketing', 'other']) {
        expect(await repository.findBlocking(['bounced@example.com'], category)).toEqual([
          entry('bounced@example.com'),
        ]);
      }
    });

    it('answers for several addresses at once, in the order given, leaving out the free ones', async () => {
      const keys = ['free@example.com', 'unsub@example.com', 'bounced@example.com', 'x@y.org'];

      const marketing = await repository.findBlocking(keys, 'marketing');
      expect(marketing.map((e) => [e.email, e.source])).toEqual([
        ['unsub@example.com', 'unsubscribe'],
        ['bounced@example.com', 'bounce'],
      ]);
      const news = await repository.findBlocking(keys, 'news');
      expect(news.map((e) => [e.email, e.category])).toEqual([
        ['unsub@example.com', 'news'],
        ['bounced@example.com', undefined],
      ]);
      expect(await repository.findBlocking(['free@example.com', 'x@y.org'], 'news')).toEqual([]);
    });

    it('blocks on an unsubscribe value it cannot read rather than let mail through', async () => {
      await redis.hset(unsubKey('odd@example.com'), 'marketing', 'not json');

      expect(await repository.findBlocking(['odd@example.com'], 'marketing')).toEqual([
        expect.objectContaining({ email: 'odd@example.com', source: 'manual' }),
      ]);
    });
  });

  describe('page with unsubscribes', () => {
    beforeEach(async () => {
      await repository.add('a@example.com', entry('a@example.com'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('news'), false);
      await repository.addUnsubscribe('a@example.com', unsubscribe('marketing'), false);
      await repository.add('a@example.com.au', entry('a@example.com.au'), false);
      await repository.addUnsubscribe('b@example.com', unsubscribe('marketing'), false);
    });

    it('lists one item per entry and unsubscribe, unsubscribes right after the entry', async () => {
      const page = await repository.page(null, 10);

      expect(page.lastKey).toBeNull();
      expect(page.entries.map((e) => [e.email, e.source, e.category])).toEqual([
        ['a@example.com', 'bounce', undefined],
        ['a@example.com', 'unsubscribe', 'marketing'],
        ['a@example.com', 'unsubscribe', 'news'],
        ['a@example.com.au', 'bounce', undefined],
        ['b@example.com', 'unsubscribe', 'marketing'],
      ]);
    });

    it('pages by member, the cursor being the last member of the page', async () => {
      const first = await repository.page(null, 2);
      const second = await repository.page(first.lastKey, 2);
      const third = await repository.page(second.lastKey, 2);

      expect(first.lastKey).toBe('a@example.com\tmarketing');
      expect(second.lastKey).toBe('a@example.com.au');
      expect(third.lastKey).toBeNull();
      expect(
        [...first.entries, ...second.entries, ...third.entries].map((e) => e.category ?? e.email),
      ).toEqual(['a@example.com', 'marketing', 'news', 'a@example.com.au', 'marketing']);
    });

    it('skips an unsubscribe member whose field is gone', async () => {
      await redis.hdel(unsubKey('a@example.com'), 'news');

      const page = await repository.page(null, 10);

      expect(page.entries).toHaveLength(4);
      expect(page.entries.some((e) => e.category === 'news')).toBe(false);
    });
  });
});
