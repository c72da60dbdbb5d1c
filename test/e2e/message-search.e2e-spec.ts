import { randomUUID } from 'node:crypto';
import { AsesService } from '../../src/ases.service';
import { AsesException } from '../../src/core/ases.exception';
import { API_KEY, TestApp, startTestApp, waitForStatus } from '../helpers/test-app';

// GET /v1/messages?status=&to=&tag=&since=&until=&cursor=&limit= on the local stack (the SES
// mailbox simulator delivers, bounces and complains), on one Redis and on the cluster.

type Listed = Record<string, any> & { id: string };

describe('finding messages (GET /v1/messages)', () => {
  let t: TestApp;
  const run = randomUUID().slice(0, 8);
  const jane = `jane-${run}@example.org`;
  const bob = `bob-${run}@example.org`;
  const spring = `spring-${run}`;
  /** The messages sent, by name, with their records once final. */
  const sent: Record<string, Listed> = {};

  const get = (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' });
  const search = async (query: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      for (const item of [value].flat()) {
        params.append(name, item);
      }
    }
    return get(`/v1/messages?${params.toString()}`);
  };
  const ids = async (query: Record<string, string | string[]>): Promise<string[]> => {
    const response = await search(query);
    expect(response.status).toBe(200);
    return (response.body.messages as Listed[]).map((m) => m.id);
  };
  const named = (...names: string[]) => names.map((name) => sent[name].id);

  beforeAll(async () => {
    t = await startTestApp('search');
    const messages: Array<[string, Record<string, unknown>, string]> = [
      [
        'a',
        {
          to: `success+a-${run}@simulator.amazonses.com`,
          tags: { campaign: spring, variant: 'a' },
        },
        'DELIVERED',
      ],
      [
        'b',
        { to: `bounce+b-${run}@simulator.amazonses.com`, tags: { campaign: spring, variant: 'b' } },
        'BOUNCED',
      ],
      ['c', { to: `Jane <${jane}>`, bcc: [bob], tags: { campaign: `autumn-${run}` } }, 'DELIVERED'],
      ['d', { to: jane.toUpperCase(), localMessageId: `search-${run}-d` }, 'DELIVERED'],
      ['e', { to: `complaint+e-${run}@simulator.amazonses.com` }, 'COMPLAINED'],
    ];
    // One after the other: their queue times are in this order.
    for (const [name, fields] of messages) {
      const accepted = await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .send({ from: t.sender(), subject: `search ${name}`, text: 'hello', ...fields });
      expect(accepted.status).toBe(202);
      sent[name] = { id: accepted.body.id as string };
    }
    for (const [name, , status] of messages) {
      sent[name] = (await waitForStatus(t, sent[name].id, status)) as Listed;
    }
  });

  afterAll(async () => {
    await t.close();
  });

  it('lists every message, newest queued first, each as GET shows it without its timeline', async () => {
    const response = await search({});
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeUndefined();
    const listed = response.body.messages as Listed[];
    expect(listed.map((m) => m.id)).toEqual(named('e', 'd', 'c', 'b', 'a'));
    for (const message of listed) {
      const record = (await t.status(message.id)).body as Listed;
      expect(record.events.length).toBeGreaterThan(0);
      const { events, ...rest } = record;
      expect(events).toBeDefined();
      expect(message).toEqual(rest);
    }
  });

  it('finds a recipient among to, cc and bcc, whatever its case', async () => {
    expect(await ids({ to: jane })).toEqual(named('d', 'c'));
    expect(await ids({ to: `JANE <${jane.toUpperCase()}>` })).toEqual(named('d', 'c'));
    expect(await ids({ to: bob })).toEqual(named('c'));
    expect(await ids({ to: [jane, bob] })).toEqual(named('c'));
    expect(await ids({ to: `nobody-${run}@example.org` })).toEqual([]);
  });

  it('answers a host through AsesService.listMessages as it answers GET', async () => {
    const ases = t.app.get(AsesService);
    const page = await ases.listMessages({ to: [jane, bob] });
    expect('messages' in page && page.messages.map((m) => m.id)).toEqual(named('c'));
    const first = await ases.listMessages({ to: jane, limit: 1 });
    expect(first.messages.map((m) => m.id)).toEqual(named('d'));
    expect(first.nextCursor).toEqual(expect.any(String));
    const next = await ases.listMessages({ to: jane, limit: 1, cursor: first.nextCursor });
    expect(next.messages.map((m) => m.id)).toEqual(named('c'));
    await expect(ases.listMessages({ tag: 'no-colon' })).rejects.toThrow(AsesException);
  });

  it('finds tags, all of those asked for', async () => {
    expect(await ids({ tag: `campaign:${spring}` })).toEqual(named('b', 'a'));
    expect(await ids({ tag: [`campaign:${spring}`, 'variant:a'] })).toEqual(named('a'));
    expect(await ids({ tag: `campaign:${spring.toUpperCase()}` })).toEqual([]);
  });

  it('finds the status each message has now, with the other filters', async () => {
    expect(await ids({ status: 'BOUNCED' })).toEqual(named('b'));
    expect(await ids({ status: 'COMPLAINED' })).toEqual(named('e'));
    expect(await ids({ status: 'DELIVERED' })).toEqual(named('d', 'c', 'a'));
    expect(await ids({ status: 'DELIVERED', tag: `campaign:${spring}` })).toEqual(named('a'));
    expect(await ids({ status: 'QUEUED' })).toEqual([]);
    // FAILED with a filter is a search; alone it is still the FAILED listing.
    expect(await ids({ status: 'FAILED', to: jane })).toEqual([]);
    const failed = await search({ status: 'FAILED' });
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual({ messages: [] });
  });

  it('keeps to the queue times asked for: since inclusive, until exclusive', async () => {
    const c = sent.c.queuedAt as string;
    expect(await ids({ since: c })).toEqual(named('e', 'd', 'c'));
    expect(await ids({ until: c })).toEqual(named('b', 'a'));
    expect(await ids({ since: sent.b.queuedAt as string, until: c })).toEqual(named('b'));
    // Any zone: the same instant an hour ahead.
    const plusOne = new Date(Date.parse(c) + 3_600_000).toISOString().replace('Z', '+01:00');
    expect(await ids({ since: plusOne, to: jane })).toEqual(named('d', 'c'));
  });

  it('pages through every match exactly once, in order', async () => {
    for (const limit of ['1', '2']) {
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const response = await search(cursor === undefined ? { limit } : { limit, cursor });
        expect(response.status).toBe(200);
        expect(response.body.messages.length).toBeLessThanOrEqual(Number(limit));
        paged.push(...(response.body.messages as Listed[]).map((m) => m.id));
        cursor = response.body.nextCursor as string | undefined;
      } while (cursor !== undefined);
      expect(paged).toEqual(named('e', 'd', 'c', 'b', 'a'));
    }
    const first = await search({ to: jane, limit: '1' });
    expect(first.body.messages.map((m: Listed) => m.id)).toEqual(named('d'));
    const next = await search({ to: jane, limit: '1', cursor: first.body.nextCursor });
    expect(next.body.messages.map((m: Listed) => m.id)).toEqual(named('c'));
    // A cursor goes with its own search only.
    const other = await search({ to: bob, cursor: first.body.nextCursor });
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('cursor must be the nextCursor of a previous page');
  });

  it.each([
    ['an unknown parameter', { from: 'a@example.org' }, 'unknown parameter "from"'],
    ['an unknown status', { status: 'SENT' }, 'status must be one of'],
    ['a filter with STALE', { status: 'STALE', tag: 'a:b' }, 'tag does not go with status=STALE'],
    ['not an address', { to: 'jane' }, 'to must be an email address'],
    ['a tag without a value', { tag: 'campaign' }, 'tag must be name:value'],
    ['a time without a zone', { since: '2026-12-01T08:00:00' }, 'since must be an RFC 3339 time'],
    [
      'since after until',
      { since: '2026-12-02T00:00:00Z', until: '2026-12-01T00:00:00Z' },
      'since must be before until',
    ],
    ['a bad limit', { to: jane, limit: '501' }, 'limit must be an integer from 1 to 500'],
    ['a cursor of another listing', { to: jane, cursor: 'Zm9v' }, 'cursor must be'],
  ])('answers 400 to %s, naming the parameter', async (_name, query, problem) => {
    const response = await search(query);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
    expect(response.body.message).toContain(problem);
  });

  it('describes the search in the OpenAPI document', async () => {
    const response = await t.http().get('/docs-json');
    expect(response.status).toBe(200);
    const list = response.body.paths['/v1/messages'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'cursor',
      'limit',
      'reason',
      'since',
      'status',
      'tag',
      'to',
      'until',
    ]);
    const to = list.parameters.find((p: { name: string }) => p.name === 'to');
    expect(to.schema).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(list.responses['200'].content['application/json'].schema.oneOf).toContainEqual({
      $ref: '#/components/schemas/SearchMessagesDto',
    });
    const item = response.body.components.schemas.SearchedMessageDto;
    expect(Object.keys(item.properties)).toEqual(expect.arrayContaining(['id', 'status', 'to']));
    expect(item.properties.events).toBeUndefined();
  });

  it('needs the API key', async () => {
    const response = await t.http().get(`/v1/messages?to=${encodeURIComponent(jane)}`);
    expect(response.status).toBe(401);
  });
});

describe('finding messages in lean mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('search-lean', { statusDetail: 'lean' });
  });

  afterAll(async () => {
    await t.close();
  });

  const get = (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' });

  it('finds by status and time, and refuses addresses and tags, which lean records do not keep', async () => {
    const accepted = await t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({
        from: t.sender(),
        to: 'lean@example.org',
        subject: 'lean',
        text: 'hello',
        tags: { a: 'b' },
      });
    expect(accepted.status).toBe(202);
    const record = await waitForStatus(t, accepted.body.id as string, 'DELIVERED');
    const found = await get(
      `/v1/messages?status=DELIVERED&since=${encodeURIComponent(record.queuedAt as string)}`,
    );
    expect(found.status).toBe(200);
    expect(found.body.messages.map((m: Listed) => m.id)).toEqual([accepted.body.id]);

    for (const [query, name] of [
      ['to=lean%40example.org', 'to'],
      ['tag=a:b', 'tag'],
    ]) {
      const refused = await get(`/v1/messages?${query}`);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('INVALID_REQUEST');
      expect(refused.body.message).toContain(`${name} cannot be searched with statusDetail "lean"`);
    }
  });
});
