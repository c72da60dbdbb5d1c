import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { ASES_EVENTS, AsesMessageEvent } from '../../src/core/ases-events';
import { MAX_UNSUBSCRIBE_BODY_BYTES } from '../../src/unsubscribe/unsubscribe-request';
import { UnsubscribeService } from '../../src/unsubscribe/unsubscribe.service';
import { API_KEY, TestApp, recordPushed, startTestApp } from '../helpers/test-app';

type Json = Record<string, any>;
type Listed = { email: string; source: string; category?: string };
type TimelineEntry = { type: string };

describe('one-click unsubscribe (RFC 8058)', () => {
  let t: TestApp;
  let unsubscribes: UnsubscribeService;
  let seen: AsesMessageEvent[];
  const listener = (event: AsesMessageEvent) => seen.push(event);

  beforeAll(async () => {
    t = await startTestApp('unsubscribe');
    unsubscribes = t.app.get(UnsubscribeService);
    t.app.get(EventEmitter2).on(ASES_EVENTS.unsubscribed, listener);
  });

  beforeEach(() => {
    seen = [];
  });

  afterAll(async () => {
    t.app.get(EventEmitter2).off(ASES_EVENTS.unsubscribed, listener);
    await t.close();
  });

  const address = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.org`;
  const suppression = (email: string) =>
    t
      .http()
      .get(`/v1/suppressions/${encodeURIComponent(email)}`)
      .auth(API_KEY, { type: 'bearer' });
  const message = async (id: string): Promise<Json> => (await t.status(id)).body as Json;

  /** The path of the one-click URL in the List-Unsubscribe header the mailer would add. */
  function linkPath(messageId: string, recipient: string, category = 'marketing'): string {
    const headers = unsubscribes.headersFor({ messageId, recipient, category });
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const match = /^<http:\/\/ases\.test(\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22})>$/.exec(
      headers['List-Unsubscribe'],
    );
    if (!match) {
      throw new Error(`unexpected List-Unsubscribe: ${headers['List-Unsubscribe']}`);
    }
    return match[1];
  }

  /** What a mail client sends when the reader presses its unsubscribe button. */
  const oneClick = (path: string) =>
    t
      .http()
      .post(path)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('List-Unsubscribe=One-Click');

  it('unsubscribes from the category on a one-click POST, without a key', async () => {
    const to = address('reader');
    const { id } = await recordPushed(t, to);
    const path = linkPath(id, to);

    const response = await oneClick(path);

    expect(response.status).toBe(200);
    expect(response.text ?? '').toBe('');
    expect(response.headers['cache-control']).toBe('no-store');
    const found = await suppression(to);
    expect(found.status).toBe(200);
    expect(found.body).toEqual({
      email: to,
      unsubscribes: [
        {
          category: 'marketing',
          reason: 'one-click unsubscribe from marketing mail',
          since: expect.any(String),
          messageId: id,
        },
      ],
    });
    // For marketing only: transactional mail still goes.
    expect(found.body.source).toBeUndefined();

    const record = await message(id);
    expect(record.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'unsubscribed',
          recipient: to,
          detail: 'marketing',
          source: 'ases',
        }),
      ]),
    );
    expect(record.status).toBe('PUSHED');
    expect(seen).toEqual([
      expect.objectContaining({
        messageId: id,
        status: 'PUSHED',
        previousStatus: 'PUSHED',
        event: expect.objectContaining({ type: 'unsubscribed', recipient: to }),
      }),
    ]);
  });

  it('is idempotent: a second POST is 200, keeps the first unsubscribe and tells nobody again', async () => {
    const to = address('twice');
    const { id } = await recordPushed(t, to);
    const path = linkPath(id, to);
    expect((await oneClick(path)).status).toBe(200);
    const first = (await suppression(to)).body as Json;

    const again = await oneClick(path);

    expect(again.status).toBe(200);
    expect((await suppression(to)).body).toEqual(first);
    const record = await message(id);
    expect(record.events.filter((e: Json) => e.type === 'unsubscribed')).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('accepts a POST with no body, or a body of another type (mail providers differ)', async () => {
    const bare = address('bare');
    const typed = address('typed');
    const { id } = await recordPushed(t, bare);

    expect((await t.http().post(linkPath(id, bare))).status).toBe(200);
    const json = await t
      .http()
      .post(linkPath(id, typed))
      .set('Content-Type', 'text/plain')
      .send('List-Unsubscribe=One-Click');
    expect(json.status).toBe(200);

    for (const to of [bare, typed]) {
      expect((await suppression(to)).body.unsubscribes).toEqual([
        expect.objectContaining({ category: 'marketing', messageId: id }),
      ]);
    }
  });

  it('refuses a body over 4 KB unread, and suppresses nothing', async () => {
    const to = address('big');
    const response = await t
      .http()
      .post(linkPath('m-big', to))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`List-Unsubscribe=One-Click&pad=${'x'.repeat(MAX_UNSUBSCRIBE_BODY_BYTES)}`);

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((await suppression(to)).status).toBe(404);
  });

  it('unsubscribes from a message whose record is gone, with an UNKNOWN status event', async () => {
    const to = address('expired');
    const id = `gone-${randomUUID()}`;

    expect((await oneClick(linkPath(id, to, 'news'))).status).toBe(200);

    expect((await suppression(to)).body.unsubscribes).toEqual([
      expect.objectContaining({ category: 'news', messageId: id }),
    ]);
    expect(seen).toEqual([expect.objectContaining({ messageId: id, status: 'UNKNOWN', tags: {} })]);
  });

  describe('the page a GET shows', () => {
    it('asks first, with a form that posts one-click, and unsubscribes nobody', async () => {
      const to = address('jane');
      const { id } = await recordPushed(t, to);
      const path = linkPath(id, to);

      const response = await t.http().get(path).set('Accept', 'text/html');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(response.headers['content-security-policy']).toMatch(/form-action 'self'/);
      expect(response.text).toContain(`Unsubscribe j…@example.org from marketing mail?`);
      expect(response.text).not.toContain(to);
      expect(response.text).toMatch(/<form method="post">/);
      expect(response.text).toContain(
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">',
      );
      // No script, no outside resource: nothing to load from anywhere.
      expect(response.text).not.toMatch(/<script|src=|href=/i);

      expect((await t.http().head(path)).status).toBe(200);
      expect((await suppression(to)).status).toBe(404);
      expect((await message(id)).events.map((e: TimelineEntry) => e.type)).not.toContain(
        'unsubscribed',
      );
      expect(seen).toEqual([]);
    });

    it('confirms with a page after the form is posted by a browser', async () => {
      const to = address('browser');
      const { id } = await recordPushed(t, to);

      const response = await t
        .http()
        .post(linkPath(id, to, 'newsletter'))
        .set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('List-Unsubscribe=One-Click');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(response.text).toContain('You are unsubscribed');
      expect(response.text).toContain('b…@example.org will get no more newsletter mail');
      expect((await suppression(to)).body.unsubscribes).toEqual([
        expect.objectContaining({ category: 'newsletter' }),
      ]);
    });
  });

  describe('forged and damaged links', () => {
    const to = 'victim@example.org';
    let genuine: string;

    beforeAll(() => {
      genuine = linkPath('m-forged', to);
    });

    function forgeries(): Array<[string, string]> {
      const [encoded, mac] = genuine.slice('/u/'.length).split('.');
      const payload = Buffer.from(encoded, 'base64url').toString('utf8');
      const other = Buffer.from(payload.replace('marketing', 'transactional')).toString(
        'base64url',
      );
      return [
        ['garbage', '/u/not-a-token'],
        ['another category under the same MAC', `/u/${other}.${mac}`],
        ['a cut MAC', `/u/${encoded}.${mac.slice(0, 20)}`],
        ['a made-up MAC', `/u/${encoded}.${'A'.repeat(22)}`],
      ];
    }

    it('answers a POST with 404 JSON and suppresses nothing', async () => {
      for (const [what, path] of forgeries()) {
        const response = await oneClick(path);
        expect({ what, status: response.status }).toEqual({ what, status: 404 });
        expect(response.body).toMatchObject({ statusCode: 404, code: 'LINK_NOT_FOUND' });
      }
      expect((await suppression(to)).status).toBe(404);
      const list = await t
        .http()
        .get('/v1/suppressions')
        .query({ limit: 1000 })
        .auth(API_KEY, { type: 'bearer' });
      expect(list.body.items.map((item: Listed) => item.email)).not.toContain(to);
      expect(seen).toEqual([]);
    });

    it('answers a GET, or a browser POST, with a 404 page', async () => {
      for (const [, path] of forgeries()) {
        const page = await t.http().get(path);
        expect(page.status).toBe(404);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.text).toContain('This unsubscribe link is not valid');
        const posted = await oneClick(path).set('Accept', 'text/html');
        expect(posted.status).toBe(404);
        expect(posted.text).toContain('This unsubscribe link is not valid');
      }
      expect((await suppression(to)).status).toBe(404);
    });
  });

  describe('the suppressions API with unsubscribes', () => {
    const put = (email: string, body: Json) =>
      t
        .http()
        .put(`/v1/suppressions/${encodeURIComponent(email)}`)
        .auth(API_KEY, { type: 'bearer' })
        .send(body);
    const del = (email: string, category?: string) =>
      t
        .http()
        .delete(`/v1/suppressions/${encodeURIComponent(email)}`)
        .query(category === undefined ? {} : { category })
        .auth(API_KEY, { type: 'bearer' });

    it('shows the global entry with the unsubscribes, and removes them by category or all', async () => {
      const to = address('both');
      const { id } = await recordPushed(t, to);
      await oneClick(linkPath(id, to, 'marketing'));
      const manual = await put(to, { reason: 'imported', category: 'news' });
      expect(manual.status).toBe(201);
      expect(manual.body).toMatchObject({ source: 'unsubscribe', category: 'news' });
      expect((await put(to, { reason: 'asked by phone' })).status).toBe(201);

      const both = await suppression(to);
      expect(both.body).toEqual({
        email: to,
        reason: 'asked by phone',
        since: expect.any(String),
        source: 'manual',
        unsubscribes: [
          expect.objectContaining({ category: 'marketing', messageId: id }),
          expect.objectContaining({ category: 'news', reason: 'imported' }),
        ],
      });

      const list = await t
        .http()
        .get('/v1/suppressions')
        .query({ limit: 1000 })
        .auth(API_KEY, { type: 'bearer' });
      expect(
        list.body.items
          .filter((item: Listed) => item.email === to)
          .map((item: Listed) => [item.source, item.category]),
      ).toEqual([
        ['manual', undefined],
        ['unsubscribe', 'marketing'],
        ['unsubscribe', 'news'],
      ]);

      expect((await del(to, 'marketing')).status).toBe(204);
      expect((await del(to, 'marketing')).body).toMatchObject({
        statusCode: 404,
        code: 'SUPPRESSION_NOT_FOUND',
        category: 'marketing',
      });
      expect((await suppression(to)).body.unsubscribes).toEqual([
        expect.objectContaining({ category: 'news' }),
      ]);
      expect((await del(to)).status).toBe(204);
      expect((await suppression(to)).status).toBe(404);
    });

    it('refuses a bad category, naming the field', async () => {
      for (const response of [
        await del('x@example.org', 'Not A Category'),
        await put('x@example.org', { reason: 'r', category: 'UPPER' }),
      ]) {
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([
          { field: 'category', problems: [expect.any(String)] },
        ]);
      }
    });
  });
});
