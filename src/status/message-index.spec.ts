import { newMessageId } from './message-id';
import {
  addressToken,
  candidatesOf,
  decodeSearchCursor,
  encodeSearchCursor,
  IndexSearch,
  indexKeys,
  indexWrite,
  mayMatch,
  minuteOf,
  parseIndexEntry,
  recordMatches,
  searchBits,
  searchHash,
  tagToken,
  tokensOf,
} from './message-index';
import { MessageStatus } from './message-status';
import { b36, encodeNewRecord } from './record-codec';
import { MINUTE_MS } from './record-location';

const T = Date.UTC(2026, 11, 1, 10, 30, 15, 250);
const MINUTE = minuteOf(T);

const search = (filters: Partial<IndexSearch> = {}): IndexSearch => ({
  to: [],
  tags: [],
  ...filters,
});

describe('the search index', () => {
  it('keys a minute by its hour, so an hour of minutes shares one slot', () => {
    const keys = indexKeys('ases:', MINUTE);
    const hour = b36(Math.floor(MINUTE / 60));
    expect(keys).toEqual({
      list: `ases:i:{${hour}}:${b36(MINUTE)}`,
      filters: `ases:i:{${hour}}:${b36(MINUTE)}:b`,
    });
    expect(indexKeys('ases:', MINUTE + 1).list).toContain(`{${hour}}`);
  });

  it('finds a message by each recipient, lower-cased and bare, and each tag, once', () => {
    expect(
      tokensOf({
        to: ['Jane Doe <Jane@Example.ORG>', 'bob@example.org'],
        cc: ['jane@example.org'],
        bcc: ['"Smith, Carol" <carol@example.net>'],
        tags: { campaign: 'welcome', 'a.b': 'x:y=z' },
      }),
    ).toEqual([
      'to:jane@example.org',
      'to:bob@example.org',
      'to:carol@example.net',
      'tag:campaign=welcome',
      'tag:a.b=x:y=z',
    ]);
    expect(addressToken(' jane@example.org ')).toBe('to:jane@example.org');
    expect(tagToken('campaign', 'welcome')).toBe('tag:campaign=welcome');
  });

  describe('entries', () => {
    const tokens = tokensOf({ to: 'jane@example.org', tags: { campaign: 'welcome' } });

    it('keep an id ases made as its time in the minute, its random part and its filter', () => {
      const id = newMessageId(T);
      const write = indexWrite('ases:', id, T, tokens);
      expect(write.keys).toEqual(indexKeys('ases:', MINUTE));
      expect(write.entry).toHaveLength(23);
      expect(write.entry.slice(0, 4)).toBe((T % MINUTE_MS).toString(36).padStart(4, '0'));
      expect(write.entry.slice(4, 15)).toBe(id.slice(9));
      // 7 bits a token in the chunk's filter of 512, sorted.
      expect(write.chunkBits.length).toBeGreaterThan(7);
      expect(write.chunkBits.length).toBeLessThanOrEqual(14);
      expect(write.chunkBits).toEqual([...write.chunkBits].sort((a, b) => a - b));
      expect(write.chunkBits.every((bit) => bit >= 0 && bit < 512)).toBe(true);
      expect(parseIndexEntry(write.entry, MINUTE)).toEqual({
        key: write.entry.slice(0, 15),
        id,
        at: T,
        filter: expect.any(Buffer),
      });
    });

    it('keep a caller-given id whole, at the queue time given', () => {
      const write = indexWrite('ases:', 'order.42:a@b', T, tokens);
      expect(write.entry).toMatch(/^[0-9a-z]{4}\/order\.42:a@b\/[A-Za-z0-9_-]{8}$/);
      expect(parseIndexEntry(write.entry, MINUTE)).toMatchObject({
        key: write.entry.slice(0, 4 + 1 + 'order.42:a@b'.length),
        id: 'order.42:a@b',
        at: T,
      });
    });

    it('keep no filter for a lean record, which has nothing to match it with', () => {
      const id = newMessageId(T);
      const generated = indexWrite('ases:', id, T, []);
      expect(generated.entry).toHaveLength(15);
      expect(generated.chunkBits).toEqual([]);
      expect(parseIndexEntry(generated.entry, MINUTE)).toEqual({ key: generated.entry, id, at: T });
      const own = indexWrite('ases:', 'order-1', T, []);
      expect(parseIndexEntry(own.entry, MINUTE)).toEqual({ key: own.entry, id: 'order-1', at: T });
    });

    it.each([
      ['no time', 'zz'],
      ['a time past the minute', `${(60_000).toString(36)}abcdefghijk`],
      ['a short random part', '0001abc'],
      ['a bad filter', '0001abcdefghijk!!'],
      ['a caller id with a bad character', '0001/order 1'],
      ['a caller id shaped like an id ases makes', '0001/0mip4k2x8abcdefghijk'],
    ])('refuse %s', (_name, raw) => {
      expect(parseIndexEntry(raw, MINUTE)).toBeNull();
    });
  });

  describe('narrowing', () => {
    const entryOf = (id: string, at: number, of: Parameters<typeof tokensOf>[0]) => {
      const entry = parseIndexEntry(indexWrite('ases:', id, at, tokensOf(of)).entry, minuteOf(at));
      if (entry === null) {
        throw new Error('unparsable entry');
      }
      return entry;
    };
    const jane = entryOf(newMessageId(T), T, {
      to: 'jane@example.org',
      cc: ['bob@example.org'],
      tags: { campaign: 'welcome' },
    });

    it('lets through an entry that has every token asked for, in the time window', () => {
      for (const filters of [
        {},
        { to: ['jane@example.org'] },
        { to: ['bob@example.org', 'jane@example.org'] },
        { tags: [['campaign', 'welcome']] as Array<[string, string]> },
        { status: MessageStatus.BOUNCED, since: T, until: T + 1 },
      ]) {
        const query = search(filters);
        expect(mayMatch(jane, query, searchBits(query))).toBe(true);
      }
      for (const filters of [{ since: T + 1 }, { until: T }]) {
        const query = search(filters);
        expect(mayMatch(jane, query, searchBits(query))).toBe(false);
      }
    });

    it('keeps out an entry without a filter from a search by address or tag', () => {
      const lean = parseIndexEntry(indexWrite('ases:', newMessageId(T), T, []).entry, MINUTE);
      const query = search({ to: ['jane@example.org'] });
      expect(lean !== null && mayMatch(lean, query, searchBits(query))).toBe(false);
      expect(lean !== null && mayMatch(lean, search(), searchBits(search()))).toBe(true);
    });

    it('keeps out nearly every entry without the address asked for', () => {
      const query = search({ to: ['someone.else@example.org'] });
      const bits = searchBits(query);
      let through = 0;
      for (let i = 0; i < 10_000; i += 1) {
        const entry = entryOf(`m-${i}`, T, {
          to: `user${i}@example.org`,
          tags: { campaign: 'welcome', variant: String(i % 3) },
        });
        through += mayMatch(entry, query, bits) ? 1 : 0;
      }
      // 3 tokens in 48 bits, 4 bits a token: about 0.25 % pass, to be read and refused.
      expect(through).toBeLessThan(100);
    });

    it('orders a minute newest first, after the place a page stopped at, each id once', () => {
      const ids = [T + 5, T + 1, T + 9].map((at) => newMessageId(at));
      const raw = ids.map((id, i) => indexWrite('ases:', id, [T + 5, T + 1, T + 9][i], []).entry);
      const query = search();
      const bits = searchBits(query);
      expect(candidatesOf([...raw, raw[0]], MINUTE, query, bits).map((e) => e.id)).toEqual([
        ids[2],
        ids[0],
        ids[1],
      ]);
      const before = parseIndexEntry(raw[0], MINUTE)?.key;
      expect(candidatesOf(raw, MINUTE, query, bits, before).map((e) => e.id)).toEqual([ids[1]]);
    });
  });

  describe('confirming a candidate with its record', () => {
    const id = newMessageId(T);
    const entry = parseIndexEntry(indexWrite('ases:', id, T, []).entry, MINUTE);
    const raw = encodeNewRecord(
      {
        from: 'news@shop.example.com',
        to: ['Jane <Jane@Example.org>'],
        cc: ['bob@example.org'],
        subject: 'hi',
        tags: { campaign: 'welcome', variant: 'b' },
        queuedAt: T,
      },
      T,
      'full',
    );

    it.each([
      [true, {}],
      [true, { status: MessageStatus.QUEUED }],
      [false, { status: MessageStatus.DELIVERED }],
      [true, { to: ['jane@example.org', 'bob@example.org'] }],
      [false, { to: ['jane@example.org', 'carol@example.org'] }],
      [true, { tags: [['campaign', 'welcome']] }],
      [false, { tags: [['campaign', 'Welcome']] }],
      [
        false,
        {
          tags: [
            ['variant', 'b'],
            ['other', 'b'],
          ],
        },
      ],
    ] as Array<[boolean, Partial<IndexSearch>]>)('matches %s: %j', (expected, filters) => {
      expect(entry !== null && recordMatches(raw, entry, search(filters))).toBe(expected);
    });

    it('refuses the record of a caller-given id queued at another time (the id used again)', () => {
      const own = (at: number) =>
        parseIndexEntry(indexWrite('ases:', 'order-1', at, []).entry, minuteOf(at));
      const record = encodeNewRecord(
        { from: 'a@b.c', to: 'jane@example.org', subject: 's', queuedAt: T, fingerprint: 'f' },
        0,
        'full',
      );
      const now = own(T);
      const old = own(T - 3_600_000);
      expect(now !== null && recordMatches(record, now, search())).toBe(true);
      expect(old !== null && recordMatches(record, old, search())).toBe(false);
    });
  });

  describe('cursors', () => {
    const query = search({ to: ['jane@example.org'], tags: [['campaign', 'welcome']] });
    const hash = searchHash(query);

    it('come back as the position they were made of, for the same search only', () => {
      for (const position of [
        { minute: MINUTE },
        { minute: MINUTE, before: '0a1babcdefghijk' },
        { minute: MINUTE, before: '0a1b/order.1:x@y-z' },
      ]) {
        const cursor = encodeSearchCursor(position, hash);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeSearchCursor(cursor, hash)).toEqual(position);
        expect(decodeSearchCursor(cursor, searchHash(search()))).toBeNull();
      }
    });

    it.each([
      ['garbage', 'Zm9v'],
      ['a bad place', Buffer.from(`${hash}.abc.not a key`).toString('base64url')],
      ['a bad minute', Buffer.from(`${hash}.-1.`).toString('base64url')],
    ])('refuse %s', (_name, cursor) => {
      expect(decodeSearchCursor(cursor, hash)).toBeNull();
    });

    it('name a search by its filters, in any order', () => {
      expect(
        searchHash(
          search({
            to: ['b@example.org', 'a@example.org'],
            tags: [
              ['y', '1'],
              ['x', '2'],
            ],
          }),
        ),
      ).toBe(
        searchHash(
          search({
            to: ['a@example.org', 'b@example.org'],
            tags: [
              ['x', '2'],
              ['y', '1'],
            ],
          }),
        ),
      );
      expect(searchHash(search({ since: T }))).not.toBe(searchHash(search({ until: T })));
      expect(searchHash(search({ status: MessageStatus.FAILED }))).not.toBe(searchHash(search()));
    });
  });
});
