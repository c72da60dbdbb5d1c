import { randomUUID } from 'node:crypto';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { newMessageId } from './message-id';
import {
  CHUNK_BITS,
  CHUNK_ENTRIES,
  IndexSearch,
  indexKeys,
  minuteOf,
  parseIndexEntry,
  searchBits,
} from './message-index';
import { firstPosition } from './message-query';
import type { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import { MINUTE_MS } from './record-location';
import { NewMessage, SEARCH_BUDGET, StatusRepository } from './status.repository';

// The search index against the real scripts, on one Redis server and on the test cluster: what a
// message adds to it, and searches by each filter, in order, a page at a time.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION = 14 * DAY;

describe.each(REDIS_TARGETS)('StatusRepository search on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let repository: StatusRepository;
  const options = (detail: 'full' | 'lean' = 'full') =>
    ({
      redis: { keyPrefix: prefix },
      statusTtlSeconds: RETENTION / 1000,
      statusDetail: detail,
    }) as ResolvedAsesOptions;

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    repository = new StatusRepository(redis, options());
  });

  // A fixed "now" a little after a minute starts, so the messages of a test share known minutes.
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 30_000;

  const message = (queuedAt: number, overrides: Partial<NewMessage> = {}): NewMessage => ({
    id: newMessageId(queuedAt),
    from: 'Shop <news@shop.example.com>',
    to: 'jane@customer.example',
    subject: 'Your order has shipped',
    tags: { campaign: 'shipping' },
    queuedAt: new Date(queuedAt).toISOString(),
    fingerprint: 'fp',
    ...overrides,
  });

  const search = (filters: Partial<IndexSearch> = {}): IndexSearch => ({
    to: [],
    tags: [],
    ...filters,
  });

  /** Every page of a search, `limit` at a time: the ids of each page. */
  async function pages(query: IndexSearch, limit: number, at = now): Promise<string[][]> {
    const found: string[][] = [];
    let from = firstPosition(query, at);
    for (;;) {
      const page = await repository.searchPage(query, from, limit, at);
      found.push(page.messages.map((record) => record.id));
      if (page.next === undefined) {
        return found;
      }
      from = page.next;
    }
  }

  const all = async (query: IndexSearch, limit = 500): Promise<string[]> =>
    (await pages(query, limit)).flat();

  it('lists a message in its queue minute, in a list beside its chunk filters, expiring with its record', async () => {
    const queuedAt = now - 10_000;
    const m = message(queuedAt, { cc: ['Bob <Bob@Customer.example>'] });
    await repository.create(m);
    const keys = indexKeys(prefix, minuteOf(queuedAt));
    expect((await keysWithPrefix(redis, `${prefix}i:`)).sort()).toEqual(
      [keys.list, keys.filters].sort(),
    );
    // The hour is the hash tag: one script reads an hour of minutes, on a cluster too.
    expect(keys.list).toMatch(new RegExp(`^${prefix}i:\\{[0-9a-z]+\\}:[0-9a-z]+$`));
    expect(await slotOf(keys.list)).toBe(await slotOf(keys.filters));
    const [entry] = await redis.lrange(keys.list, 0, -1);
    // ms into the minute (4), the id's random part (11), the entry's own filter (8).
    expect(entry).toHaveLength(23);
    expect(parseIndexEntry(entry, minuteOf(queuedAt))).toMatchObject({ id: m.id, at: queuedAt });
    // The first chunk's filter: 7 bits for each of 3 tokens (jane, bob, the tag) at most.
    const filters = await redis.getBuffer(keys.filters);
    expect(filters?.length).toBeLessThanOrEqual(CHUNK_BITS / 8);
    const set = [...(filters ?? [])].reduce(
      (n, byte) => n + byte.toString(2).split('1').length - 1,
      0,
    );
    expect(set).toBeGreaterThan(10);
    expect(set).toBeLessThanOrEqual(21);
    const expiresAt = (minuteOf(queuedAt) + 1) * MINUTE_MS + RETENTION;
    for (const key of [keys.list, keys.filters]) {
      expect(Math.abs(Date.now() + (await redis.pttl(key)) - expiresAt)).toBeLessThan(5_000);
    }
  });

  it('lists a caller-given id by its queue time, and a lean record without a filter', async () => {
    const queuedAt = now - 5_000;
    const own = message(queuedAt, { id: `order-${randomUUID()}` });
    await repository.create(own);
    const lean = new StatusRepository(redis, options('lean'));
    const leanMessage = message(queuedAt + 1);
    await lean.create(leanMessage);
    const keys = indexKeys(prefix, minuteOf(queuedAt));
    const entries = await redis.lrange(keys.list, 0, -1);
    expect(entries[0]).toMatch(new RegExp(`^[0-9a-z]{4}/${own.id}/[A-Za-z0-9_-]{8}$`));
    expect(entries[1]).toHaveLength(15);
    expect(parseIndexEntry(entries[0], minuteOf(queuedAt))).toMatchObject({
      id: own.id,
      at: queuedAt,
    });
    expect(parseIndexEntry(entries[1], minuteOf(queuedAt))).toEqual({
      id: leanMessage.id,
      at: queuedAt + 1,
      key: entries[1],
    });
    // Both are found by status; only the full record by its address.
    expect(await all(search({ status: MessageStatus.QUEUED }))).toEqual([leanMessage.id, own.id]);
    expect(await all(search({ to: ['jane@customer.example'] }))).toEqual([own.id]);
  });

  describe('by filter', () => {
    let ids: Record<string, string>;

    beforeEach(async () => {
      // Over three hours, some minutes apart, several in one minute.
      const at = (minutesAgo: number, ms = 0) => now - minutesAgo * MINUTE_MS + ms;
      const made: Array<[string, NewMessage]> = [
        ['jane1', message(at(150), { tags: { campaign: 'welcome', variant: 'a' } })],
        ['bob1', message(at(90), { to: ['Bob <bob@customer.example>'], tags: {} })],
        ['jane2', message(at(61, 500), { cc: ['bob@customer.example'] })],
        [
          'carol1',
          message(at(61, 900), { to: 'carol@other.example', bcc: ['JANE@customer.example'] }),
        ],
        ['jane3', message(at(2), { tags: { campaign: 'welcome', variant: 'b' } })],
        ['own1', message(at(1), { id: `own-${randomUUID()}`, to: 'bob@customer.example' })],
      ];
      ids = {};
      for (const [name, m] of made) {
        expect(await repository.create(m)).toEqual({ created: true });
        ids[name] = m.id;
      }
      await repository.apply(ids.jane2, {
        status: MessageStatus.BOUNCED,
        change: { bouncedAt: new Date(now).toISOString() },
        event: { type: 'bounce', at: new Date(now).toISOString() },
      });
      await repository.apply(ids.bob1, {
        status: MessageStatus.DELIVERED,
        change: { deliveredAt: new Date(now).toISOString() },
        event: { type: 'delivery', at: new Date(now).toISOString() },
      });
    });

    const named = (...names: string[]) => names.map((name) => ids[name]);

    it('finds everything, newest queued first', async () => {
      expect(await all(search())).toEqual(
        named('own1', 'jane3', 'carol1', 'jane2', 'bob1', 'jane1'),
      );
    });

    it('finds a recipient among to, cc and bcc, whatever its case', async () => {
      expect(await all(search({ to: ['jane@customer.example'] }))).toEqual(
        named('jane3', 'carol1', 'jane2', 'jane1'),
      );
      expect(await all(search({ to: ['bob@customer.example'] }))).toEqual(
        named('own1', 'jane2', 'bob1'),
      );
      expect(await all(search({ to: ['bob@customer.example', 'jane@customer.example'] }))).toEqual(
        named('jane2'),
      );
      expect(await all(search({ to: ['nobody@customer.example'] }))).toEqual([]);
    });

    it('finds tags, exactly, all of them', async () => {
      expect(await all(search({ tags: [['campaign', 'welcome']] }))).toEqual(
        named('jane3', 'jane1'),
      );
      expect(
        await all(
          search({
            tags: [
              ['campaign', 'welcome'],
              ['variant', 'a'],
            ],
          }),
        ),
      ).toEqual(named('jane1'));
      expect(await all(search({ tags: [['campaign', 'Welcome']] }))).toEqual([]);
    });

    it('finds the status a message has now', async () => {
      expect(await all(search({ status: MessageStatus.BOUNCED }))).toEqual(named('jane2'));
      expect(await all(search({ status: MessageStatus.QUEUED }))).toEqual(
        named('own1', 'jane3', 'carol1', 'jane1'),
      );
      expect(
        await all(search({ status: MessageStatus.DELIVERED, to: ['bob@customer.example'] })),
      ).toEqual(named('bob1'));
      expect(
        await all(search({ status: MessageStatus.DELIVERED, to: ['jane@customer.example'] })),
      ).toEqual([]);
    });

    it('keeps to the queue times asked for: since inclusive, until exclusive', async () => {
      const jane2At = now - 61 * MINUTE_MS + 500;
      expect(await all(search({ since: jane2At }))).toEqual(
        named('own1', 'jane3', 'carol1', 'jane2'),
      );
      expect(await all(search({ since: jane2At + 1 }))).toEqual(named('own1', 'jane3', 'carol1'));
      expect(await all(search({ until: jane2At + 1 }))).toEqual(named('jane2', 'bob1', 'jane1'));
      expect(await all(search({ since: jane2At, until: jane2At + 400 }))).toEqual(named('jane2'));
      expect(await all(search({ until: jane2At }))).toEqual(named('bob1', 'jane1'));
    });

    it('pages through every match exactly once, in order, at any page size', async () => {
      const everything = await all(search());
      for (const limit of [1, 2, 4]) {
        const found = await pages(search(), limit);
        expect(found.flat()).toEqual(everything);
        expect(found.every((page) => page.length <= limit)).toBe(true);
      }
      expect((await pages(search({ to: ['jane@customer.example'] }), 1)).flat()).toEqual(
        named('jane3', 'carol1', 'jane2', 'jane1'),
      );
    });

    it('keeps its place while new messages arrive', async () => {
      const first = await repository.searchPage(search(), firstPosition(search(), now), 2, now);
      expect(first.messages.map((record) => record.id)).toEqual(named('own1', 'jane3'));
      // Newer than the cursor (same minute and later ones): not in the pages that follow.
      await repository.create(message(now - 110_000));
      await repository.create(message(now));
      const rest: string[] = [];
      let next = first.next;
      while (next !== undefined) {
        const page = await repository.searchPage(search(), next, 2, now);
        rest.push(...page.messages.map((record) => record.id));
        next = page.next;
      }
      expect(rest).toEqual(named('carol1', 'jane2', 'bob1', 'jane1'));
    });

    it('answers records as GET shows them, without their timeline', async () => {
      const [found] = (
        await repository.searchPage(
          search({ status: MessageStatus.BOUNCED }),
          firstPosition(search(), now),
          10,
          now,
        )
      ).messages;
      const { events, ...rest } = (await repository.find(ids.jane2)) as MessageRecord;
      expect(events?.length).toBeGreaterThan(0);
      expect(found).toEqual(rest);
    });
  });

  it('skips an entry whose record is gone, and lists a message made twice once', async () => {
    const gone = message(now - 3_000);
    const twice = message(now - 2_000);
    await repository.create(gone);
    await repository.remove(gone.id);
    await repository.create(twice);
    // The record made again (e.g. from its queued job, after Redis lost it) is listed again.
    await repository.remove(twice.id);
    await repository.create(twice);
    expect(await redis.llen(indexKeys(prefix, minuteOf(now)).list)).toBe(3);
    expect(await all(search())).toEqual([twice.id]);
  });

  it('does not take a caller-given id used again for the message its old entry names', async () => {
    const id = `reused-${randomUUID()}`;
    await repository.create(message(now - 3 * HOUR, { id }));
    // Its record expired (the retention passed) and the id was used again.
    await repository.remove(id);
    await repository.create(message(now - 1_000, { id, to: 'other@customer.example' }));
    expect(await all(search())).toEqual([id]);
    expect(await all(search({ until: now - 2 * HOUR }))).toEqual([]);
    expect(await all(search({ to: ['jane@customer.example'] }))).toEqual([]);
  });

  it('reads only the chunks whose filter has every bit of the search', async () => {
    const minute = minuteOf(now);
    const queued: NewMessage[] = [];
    for (let i = 0; i < 3 * CHUNK_ENTRIES; i += 1) {
      const m = message(minute * MINUTE_MS + i, { to: `user${i}@customer.example`, tags: {} });
      queued.push(m);
      await repository.create(m);
    }
    const keys = Array.from({ length: 60 }, (_, i) =>
      indexKeys(prefix, Math.floor(minute / 60) * 60 + i),
    );
    const scan = (bits: number[]) =>
      (
        redis as unknown as {
          asesIndexScan: (...args: (string | number)[]) => Promise<[number, string[]]>;
        }
      ).asesIndexScan(
        ...keys.map((key) => key.list),
        ...keys.map((key) => key.filters),
        minute % 60,
        minute % 60,
        1_000,
        1_000,
        CHUNK_ENTRIES,
        CHUNK_BITS / 8,
        ...bits,
      );
    const wanted = searchBits(search({ to: ['user40@customer.example'] }));
    const [length, entries] = await scan(wanted.chunk);
    expect(length).toBe(3 * CHUNK_ENTRIES);
    // The second chunk (entries 32-63) is read; the others only if their filter says maybe.
    const ids = entries.map((entry) => parseIndexEntry(entry, minute)?.id);
    expect(ids).toEqual(expect.arrayContaining(queued.slice(32, 64).map((m) => m.id)));
    expect(ids.length).toBeLessThan(3 * CHUNK_ENTRIES);
    const [, every] = await scan([]);
    expect(every).toHaveLength(3 * CHUNK_ENTRIES);
    expect(await all(search({ to: ['user40@customer.example'] }))).toEqual([queued[40].id]);
  });

  it('looks at the whole retention in one page when little is kept', async () => {
    const m = message(now - 13 * DAY);
    await repository.create(m);
    // Wherever "now" falls in its hour.
    for (const at of [now, Math.floor(now / HOUR) * HOUR - 1, Math.floor(now / HOUR) * HOUR]) {
      expect(await pages(search({ to: ['jane@customer.example'] }), 10, at)).toEqual([[m.id]]);
    }
  });

  it('ends a page at its budget of records read, and the next page goes on from there', async () => {
    const start = (minuteOf(now) - 5) * MINUTE_MS;
    const queued = Array.from({ length: SEARCH_BUDGET.records + 500 }, (_, i) =>
      message(start + i * 5),
    );
    for (let i = 0; i < queued.length; i += 200) {
      await Promise.all(queued.slice(i, i + 200).map((m) => repository.create(m)));
    }
    // None matches: every record is read, in two pages.
    const none = await pages(search({ status: MessageStatus.DELIVERED }), 100);
    expect(none).toEqual([[], []]);
    const first = await repository.searchPage(
      search({ status: MessageStatus.DELIVERED }),
      firstPosition(search(), now),
      100,
      now,
    );
    expect(first.next).toEqual({ minute: minuteOf(start), before: expect.any(String) });
    // Every one of them matches: pages of 500, each message once, newest first.
    const found = (await pages(search({ status: MessageStatus.QUEUED }), 500)).flat();
    expect(found).toEqual(queued.map((m) => m.id).reverse());
  });
});
