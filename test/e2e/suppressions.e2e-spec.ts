import { EventEmitter2 } from '@nestjs/event-emitter';
import { Redis } from 'ioredis';
import type { AsesRedis } from '../../src/core/ases-redis';
import { createTestRedis, keysWithPrefix } from '../helpers/test-redis';
import { randomUUID } from 'node:crypto';
import { ASES_EVENTS, SuppressionEvent } from '../../src/core/ases-events';
import type { ResolvedAsesOptions } from '../../src/core/ases-options';
import { AsesErrorCode, AsesException } from '../../src/core/ases.exception';
import { SuppressionRepository } from '../../src/suppression/suppression.repository';
import { SuppressionService } from '../../src/suppression/suppression.service';
import { API_KEY, TestApp, deleteKeys, startTestApp } from '../helpers/test-app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;

describe('suppressions API (real Redis)', () => {
  let t: TestApp;
  let redis: AsesRedis;

  beforeAll(async () => {
    t = await startTestApp('suppressions');
    redis = createTestRedis();
  });

  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  const path = (email: string) => `/v1/suppressions/${encodeURIComponent(email)}`;
  const get = (email: string) => t.http().get(path(email)).auth(API_KEY, { type: 'bearer' });
  const del = (email: string) => t.http().delete(path(email)).auth(API_KEY, { type: 'bearer' });
  const put = (email: string, body: unknown = { reason: 'asked to stop' }) =>
    t
      .http()
      .put(path(email))
      .auth(API_KEY, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send(body as object);
  const list = (query: Record<string, string | number> = {}) =>
    t.http().get('/v1/suppressions').query(query).auth(API_KEY, { type: 'bearer' });

  /** Collects every listed entry, page after page, and the size of each page. */
  async function listAll(limit?: number): Promise<{ emails: string[]; sizes: number[] }> {
    const emails: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = limit === undefined ? {} : { limit };
      if (cursor !== null) {
        query.cursor = cursor;
      }
      const response = await list(query);
      expect(response.status).toBe(200);
      emails.push(...response.body.items.map((item: { email: string }) => item.email));
      sizes.push(response.body.items.length);
      cursor = response.body.nextCursor;
    } while (cursor !== null && sizes.length < 100);
    return { emails, sizes };
  }

  describe('authentication', () => {
    it.each([
      ['GET /v1/suppressions', () => t.http().get('/v1/suppressions')],
      ['GET /v1/suppressions/:email', () => t.http().get(path('a@example.com'))],
      ['PUT /v1/suppressions/:email', () => t.http().put(path('a@example.com')).send({})],
      ['DELETE /v1/suppressions/:email', () => t.http().delete(path('a@example.com'))],
    ])('answers 401 to %s without a key', async (_name, call) => {
      const response = await call();
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    });

    it('answers 401 to a wrong key and changes nothing', async () => {
      const response = await t
        .http()
        .put(path('wrongkey@example.com'))
        .auth('not-the-key', { type: 'bearer' })
        .send({ reason: 'x' });
      expect(response.status).toBe(401);
      expect((await get('wrongkey@example.com')).status).toBe(404);
    });
  });

  describe('PUT, GET, DELETE', () => {
    it('adds, finds, replaces and removes an entry', async () => {
      const before = Date.now();
      const created = await put('Jane.Doe@Example.COM', { reason: 'asked by phone' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        email: 'Jane.Doe@example.com',
        reason: 'asked by phone',
        since: expect.any(String),
        source: 'manual',
      });
      expect(Date.parse(created.body.since)).toBeGreaterThanOrEqual(before - 1000);

      const found = await get('Jane.Doe@example.com');
      expect(found.status).toBe(200);
      expect(found.body).toEqual(created.body);

      const replaced = await put('Jane.Doe@example.com', { reason: 'asked again by mail' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({
        email: 'Jane.Doe@example.com',
        reason: 'asked again by mail',
        source: 'manual',
      });
      expect(Date.parse(replaced.body.since)).toBeGreaterThanOrEqual(
        Date.parse(created.body.since),
      );
      expect((await get('Jane.Doe@example.com')).body).toEqual(replaced.body);

      const removed = await del('Jane.Doe@EXAMPLE.com');
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      expect((await get('Jane.Doe@example.com')).status).toBe(404);
    });

    it('compares the domain case-insensitively and the local part exactly', async () => {
      expect((await put('User@Example.COM')).status).toBe(201);
      expect((await get('User@example.com')).body.email).toBe('User@example.com');
      expect((await get('User@EXAMPLE.com')).status).toBe(200);
      for (const other of ['user@example.com', 'USER@example.com']) {
        const response = await get(other);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({
          statusCode: 404,
          code: 'SUPPRESSION_NOT_FOUND',
          email: other,
        });
        expect(response.body.message).toContain(other);
      }
    });

    it('accepts the address URL-encoded or not, with + and / in the local part', async () => {
      expect((await put('first+tag/x@example.com')).status).toBe(201);
      const encoded = await t
        .http()
        .get('/v1/suppressions/first%2Btag%2Fx%40example.com')
        .auth(API_KEY, { type: 'bearer' });
      expect(encoded.status).toBe(200);
      expect(encoded.body.email).toBe('first+tag/x@example.com');
      const plain = await t
        .http()
        .get('/v1/suppressions/first+tag%2Fx@example.com')
        .auth(API_KEY, { type: 'bearer' });
      expect(plain.status).toBe(200);
      expect(plain.body.email).toBe('first+tag/x@example.com');
    });

    it('answers 404 to DELETE of an address that is not on the list', async () => {
      const response = await del('never-suppressed@example.com');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'SUPPRESSION_NOT_FOUND' });
    });

    it('keeps entries without a TTL, and its index too', async () => {
      await put('Forever@Example.org');
      expect(await redis.ttl(`${t.keyPrefix}sup:{Forever@example.org}`)).toBe(-1);
      expect(await redis.ttl(`${t.keyPrefix}sup:index`)).toBe(-1);
      expect(await redis.hgetall(`${t.keyPrefix}sup:{Forever@example.org}`)).toMatchObject({
        email: 'Forever@example.org',
        source: 'manual',
      });
    });

    it('emits ases.suppression.added once and ases.suppression.removed', async () => {
      const events = t.app.get(EventEmitter2);
      const seen: Array<[string, SuppressionEvent]> = [];
      const added = (event: SuppressionEvent) => seen.push(['added', event]);
      const removed = (event: SuppressionEvent) => seen.push(['removed', event]);
      events.on(ASES_EVENTS.suppressionAdded, added);
      events.on(ASES_EVENTS.suppressionRemoved, removed);
      try {
        const first = await put('events@example.com', { reason: 'one' });
        await put('events@example.com', { reason: 'two' });
        await del('events@example.com');
        await del('events@example.com');
        expect(seen).toEqual([
          ['added', first.body],
          ['removed', expect.objectContaining({ email: 'events@example.com', reason: 'two' })],
        ]);
      } finally {
        events.off(ASES_EVENTS.suppressionAdded, added);
        events.off(ASES_EVENTS.suppressionRemoved, removed);
      }
    });

    it('makes assertSendable refuse the address with RECIPIENT_SUPPRESSED', async () => {
      const service = t.app.get(SuppressionService);
      await put('refused@example.com', { reason: 'complained' });
      const error = await service
        .assertSendable('Refused <refused@EXAMPLE.com>')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AsesException);
      expect(error).toMatchObject({
        code: AsesErrorCode.RECIPIENT_SUPPRESSED,
        message: 'refused@example.com is on the suppression list: complained',
        details: { email: 'refused@example.com', reason: 'complained', since: expect.any(String) },
      });
      await expect(service.assertSendable('Refused@example.com')).resolves.toBeUndefined();
    });
  });

  it('describes the endpoints in the OpenAPI document, under the suppressions tag', async () => {
    const response = await t.http().get('/docs-json');
    expect(response.status).toBe(200);
    const paths = response.body.paths;
    expect(Object.keys(paths['/v1/suppressions'])).toEqual(['get']);
    expect(Object.keys(paths['/v1/suppressions/{email}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(paths['/v1/suppressions/{email}'].put.tags).toEqual(['suppressions']);
    expect(Object.keys(paths['/v1/suppressions/{email}'].put.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401']),
    );
  });

  describe('validation', () => {
    it.each([
      'not-an-address',
      'a@example.com, b@example.com',
      'user@localhost',
      'a\r\nb@example.com',
      ' padded@example.com',
    ])('answers 400 naming email to %j in the path', async (email) => {
      for (const response of [await get(email), await put(email), await del(email)]) {
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
        expect(response.body.errors).toEqual([{ field: 'email', problems: [expect.any(String)] }]);
        expect(response.body.message).toContain('email');
      }
    });

    it.each([
      ['reason', {}],
      ['reason', { reason: '' }],
      ['reason', { reason: '   ' }],
      ['reason', { reason: 42 }],
      ['reason', { reason: 'x'.repeat(501) }],
      ['reason', { reason: 'line\nbreak' }],
      ['source', { reason: 'ok', source: 'bounce' }],
      ['(body)', ['reason']],
    ])('answers 400 naming %s to a bad body', async (field, body) => {
      const response = await put('body-check@example.com', body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
      expect(response.body.message).toContain(field.replace(/[()]/g, ''));
      expect((await get('body-check@example.com')).status).toBe(404);
    });

    it('accepts a reason of 500 characters', async () => {
      const response = await put('long-reason@example.com', { reason: 'x'.repeat(500) });
      expect(response.status).toBe(201);
    });

    it('answers 400 with a JSON body to malformed JSON', async () => {
      const response = await t
        .http()
        .put(path('json@example.com'))
        .auth(API_KEY, { type: 'bearer' })
        .set('content-type', 'application/json')
        .send('{"reason":');
      expect(response.status).toBe(400);
      expect(response.body.statusCode).toBe(400);
    });

    it.each([
      ['cursor', { cursor: 'not a cursor' }],
      ['cursor', { cursor: Buffer.from('not an address').toString('base64url') }],
      ['limit', { limit: 0 }],
      ['limit', { limit: 1001 }],
      ['limit', { limit: 'ten' }],
      ['limit', { limit: 2.5 }],
      ['page', { page: 2 }],
    ])('answers 400 naming %s to a bad list query', async (field, query) => {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
      expect(response.body.message).toContain(field);
    });
  });

  describe('paging', () => {
    const seeded: string[] = [];

    beforeAll(async () => {
      // Start from an empty list, whatever the tests above left.
      await deleteKeys(`${t.keyPrefix}sup:`);
      for (let i = 0; i < 250; i += 1) {
        // Mixed case and a few upper-case domains: the key, not the input, decides the order.
        const local = i % 3 === 0 ? `Page${i}` : `page${i}`;
        seeded.push(`${local}@paging${i % 4}.example.com`);
      }
      for (let i = 0; i < seeded.length; i += 50) {
        const batch = seeded.slice(i, i + 50).map(async (email, j) => {
          const given = j % 5 === 0 ? email.replace('paging', 'PAGING') : email;
          expect((await put(given, { reason: `seed ${i + j}` })).status).toBe(201);
        });
        await Promise.all(batch);
      }
    });

    it('lists every entry once, in key order, 100 to a page by default', async () => {
      const { emails, sizes } = await listAll();
      expect(sizes).toEqual([100, 100, 50]);
      expect(new Set(emails).size).toBe(250);
      expect([...emails].sort()).toEqual([...seeded].sort());
      expect(emails).toEqual([...emails].sort());
    });

    it('ends with nextCursor null when the last page is exactly full', async () => {
      expect((await listAll(125)).sizes).toEqual([125, 125]);
      expect((await listAll(250)).sizes).toEqual([250]);
      expect((await listAll(1000)).sizes).toEqual([250]);
    });

    it('pages with a small limit without repeating or missing an entry', async () => {
      const { emails, sizes } = await listAll(7);
      expect(sizes).toHaveLength(36);
      expect(sizes.at(-1)).toBe(5);
      expect(emails).toHaveLength(250);
      expect(new Set(emails).size).toBe(250);
    });

    it('goes on after the cursor when entries are removed or added meanwhile', async () => {
      const first = await list({ limit: 100 });
      const page1: string[] = first.body.items.map((item: { email: string }) => item.email);
      const cursor: string = first.body.nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const second = await list({ limit: 100, cursor });
      const page2: string[] = second.body.items.map((item: { email: string }) => item.email);

      // Remove the entry the cursor points at and one of the next page; add one before the cursor.
      expect((await del(page1[99])).status).toBe(204);
      expect((await del(page2[10])).status).toBe(204);
      expect((await put('AAA-early@example.com')).status).toBe(201);

      const again = await list({ limit: 100, cursor });
      const emails: string[] = again.body.items.map((item: { email: string }) => item.email);
      expect(emails).toEqual([...page2.slice(0, 10), ...page2.slice(11), expect.any(String)]);
      expect(emails).not.toContain('AAA-early@example.com');
      expect(emails).not.toContain(page1[99]);
    });
  });
});

describe('SuppressionService against real Redis', () => {
  let redis: AsesRedis;
  let prefix: string;
  let events: EventEmitter2;
  let added: SuppressionEvent[];

  const serviceWith = (
    rule?: { count: number; withinSeconds: number },
    client: AsesRedis = redis,
  ) => {
    const options = {
      redis: { keyPrefix: prefix },
      suppressAfterTransientBounces: rule,
    } as ResolvedAsesOptions;
    return new SuppressionService(new SuppressionRepository(client, options), options, events);
  };
  const sevenDays = { count: 3, withinSeconds: 7 * 86_400 };
  const softCount = (key: string) => redis.zcard(`${prefix}sup:{${key}}:soft`);

  beforeAll(() => {
    redis = createTestRedis();
  });

  beforeEach(() => {
    prefix = `ases-test:suppression-rule:${randomUUID()}:`;
    events = new EventEmitter2();
    added = [];
    events.on(ASES_EVENTS.suppressionAdded, (event: SuppressionEvent) => added.push(event));
  });

  afterEach(async () => {
    await deleteKeys(prefix);
  });

  afterAll(() => {
    redis.disconnect();
  });

  it('counts nothing when the rule is off', async () => {
    const service = serviceWith(undefined);
    for (let i = 0; i < 5; i += 1) {
      expect(await service.recordTransientBounce('soft@example.com', new Date(), `m${i}`)).toBe(
        null,
      );
    }
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
  });

  it('suppresses at the third soft bounce within the window, counting each message once', async () => {
    const service = serviceWith(sevenDays);
    const now = Date.now();
    const address = 'Soft <Soft@Example.com>';
    expect(await service.recordTransientBounce(address, new Date(now - 2 * DAY_MS), 'm1')).toBe(
      null,
    );
    // The same notification delivered again (SQS is at-least-once) counts once.
    expect(await service.recordTransientBounce(address, new Date(now - 2 * DAY_MS), 'm1')).toBe(
      null,
    );
    expect(await softCount('Soft@example.com')).toBe(1);
    const ttl = await redis.pttl(`${prefix}sup:{Soft@example.com}:soft`);
    expect(ttl).toBeGreaterThan(7 * DAY_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * DAY_MS);

    expect(
      await service.recordTransientBounce(address, new Date(now - DAY_MS).toISOString(), 'm2'),
    ).toBe(null);
    const at = new Date(now);
    const entry = await service.recordTransientBounce(address, at, 'm3');
    expect(entry).toEqual({
      email: 'Soft@example.com',
      reason: '3 transient bounces within 7 days',
      since: at.toISOString(),
      messageId: 'm3',
      source: 'transient-bounces',
    });
    expect(await service.find('soft@EXAMPLE.com')).toBe(null);
    expect(await service.find('Soft@example.com')).toEqual(entry);
    expect(added).toEqual([entry]);
    expect(await redis.exists(`${prefix}sup:{Soft@example.com}:soft`)).toBe(0);
    expect(await redis.ttl(`${prefix}sup:{Soft@example.com}`)).toBe(-1);

    // Already suppressed: nothing more is counted, and nothing is reported again.
    expect(await service.recordTransientBounce(address, new Date(), 'm4')).toBe(null);
    expect(await service.recordTransientBounce(address, at, 'm3')).toBe(null);
    expect(await redis.exists(`${prefix}sup:{Soft@example.com}:soft`)).toBe(0);
    expect(added).toHaveLength(1);
  });

  it('does not count bounces older than the window', async () => {
    const service = serviceWith(sevenDays);
    const now = Date.now();
    expect(
      await service.recordTransientBounce('old@example.com', new Date(now - 8 * DAY_MS), 'o1'),
    ).toBe(null);
    expect(
      await service.recordTransientBounce('old@example.com', new Date(now - DAY_MS), 'o2'),
    ).toBe(null);
    expect(await service.recordTransientBounce('old@example.com', new Date(now), 'o3')).toBe(null);
    expect(await softCount('old@example.com')).toBe(2);
    expect(await service.find('old@example.com')).toBe(null);
    expect(await service.recordTransientBounce('old@example.com', new Date(), 'o4')).toMatchObject({
      source: 'transient-bounces',
      messageId: 'o4',
    });
  });

  it('forgets the soft bounces of an address that is removed', async () => {
    const service = serviceWith(sevenDays);
    await service.recordTransientBounce('forget@example.com', new Date(), 'f1');
    await service.recordTransientBounce('forget@example.com', new Date(), 'f2');
    expect(await service.remove('forget@example.com')).toBe(false);
    expect(await redis.exists(`${prefix}sup:{forget@example.com}:soft`)).toBe(0);
    expect(await service.recordTransientBounce('forget@example.com', new Date(), 'f3')).toBe(null);
    expect(await softCount('forget@example.com')).toBe(1);
  });

  it('keeps the first entry for feedback, and lets a manual one replace it', async () => {
    const service = serviceWith();
    const first = await service.suppress({
      email: 'kept@example.com',
      reason: 'smtp; 550 5.1.1 user unknown',
      source: 'bounce',
      messageId: 'msg-1',
      at: '2025-01-01T10:00:00.000Z',
    });
    expect(first).toEqual({
      created: true,
      entry: {
        email: 'kept@example.com',
        reason: 'smtp; 550 5.1.1 user unknown',
        since: '2025-01-01T10:00:00.000Z',
        messageId: 'msg-1',
        source: 'bounce',
      },
    });
    const second = await service.suppress({
      email: 'kept@EXAMPLE.com',
      reason: 'abuse',
      source: 'complaint',
      messageId: 'msg-2',
      at: '2025-02-01T10:00:00.000Z',
    });
    expect(second).toEqual({ created: false, entry: first.entry });

    const manual = await service.suppress({
      email: 'kept@example.com',
      reason: 'by hand',
      source: 'manual',
    });
    expect(manual.created).toBe(false);
    expect(manual.entry).toEqual({
      email: 'kept@example.com',
      reason: 'by hand',
      since: expect.any(String),
      source: 'manual',
    });
    expect(Date.now() - Date.parse(manual.entry.since)).toBeLessThan(60_000);
    expect(added).toEqual([first.entry]);
  });

  it('refuses an invalid address, time or reason with INVALID_REQUEST naming it', async () => {
    const service = serviceWith(sevenDays);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['email', () => service.find('nobody')],
      ['email', () => service.assertSendable('a@example.com, b@example.com')],
      ['email', () => service.remove('')],
      ['email', () => service.recordTransientBounce('x', new Date(), 'm')],
      ['at', () => service.recordTransientBounce('a@example.com', 'yesterday', 'm')],
      ['reason', () => service.suppress({ email: 'a@example.com', reason: ' ', source: 'bounce' })],
    ];
    for (const [field, call] of cases) {
      await expect(call()).rejects.toMatchObject({
        code: AsesErrorCode.INVALID_REQUEST,
        details: { errors: [{ field }] },
      });
    }
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
  });

  it('answers STORE_UNAVAILABLE when Redis does not answer', async () => {
    // A connection closed by quit() fails every command at once; a refused one (or disconnect()
    // after quit) leaves an ioredis timer that outlives the test.
    const down = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await down.connect();
    await down.quit();
    const service = serviceWith(sevenDays, down);
    const calls = [
      () => service.find('a@example.com'),
      () => service.suppress({ email: 'a@example.com', reason: 'r', source: 'manual' }),
      () => service.remove('a@example.com'),
      () => service.list(),
      () => service.recordTransientBounce('a@example.com', new Date(), 'm'),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        code: AsesErrorCode.STORE_UNAVAILABLE,
        message: expect.stringContaining('suppression list'),
      });
    }
  });
});
