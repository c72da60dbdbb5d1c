import type { AsesRedis } from '../../src/core/ases-redis';
import { AsesErrorCode, AsesException } from '../../src/core/ases.exception';
import { TemplateService } from '../../src/templates/template.service';
import { API_KEY, TestApp, startTestApp } from '../helpers/test-app';
import { createTestRedis } from '../helpers/test-redis';

const WELCOME = {
  subject: 'Welcome, {{firstName}}!',
  html: '<p>Hello {{firstName}}</p>{{#items}}<li>{{name}}</li>{{/items}}',
  text: 'Hello {{firstName}}',
};

describe('templates API (real Redis)', () => {
  let t: TestApp;
  let redis: AsesRedis;

  beforeAll(async () => {
    t = await startTestApp('templates');
    redis = createTestRedis();
  });

  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  const path = (name: string) => `/v1/templates/${encodeURIComponent(name)}`;
  const get = (name: string) => t.http().get(path(name)).auth(API_KEY, { type: 'bearer' });
  const del = (name: string) => t.http().delete(path(name)).auth(API_KEY, { type: 'bearer' });
  const put = (name: string, body: unknown = WELCOME) =>
    t
      .http()
      .put(path(name))
      .auth(API_KEY, { type: 'bearer' })
      .set('content-type', 'application/json')
      .send(body as object);
  const list = (query: Record<string, string | number> = {}) =>
    t.http().get('/v1/templates').query(query).auth(API_KEY, { type: 'bearer' });

  describe('authentication', () => {
    it.each([
      ['GET /v1/templates', () => t.http().get('/v1/templates')],
      ['GET /v1/templates/:name', () => t.http().get(path('welcome'))],
      ['PUT /v1/templates/:name', () => t.http().put(path('welcome')).send(WELCOME)],
      ['DELETE /v1/templates/:name', () => t.http().delete(path('welcome'))],
    ])('answers 401 to %s without a key', async (_name, call) => {
      const response = await call();
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    });

    it('answers 401 to a wrong key and stores nothing', async () => {
      const response = await t
        .http()
        .put(path('wrong-key'))
        .auth('not-the-key', { type: 'bearer' })
        .send(WELCOME);
      expect(response.status).toBe(401);
      expect((await get('wrong-key')).status).toBe(404);
    });
  });

  describe('PUT, GET, DELETE', () => {
    it('creates, reads, replaces whole and deletes a template', async () => {
      const before = Date.now();
      const created = await put('welcome');
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        name: 'welcome',
        ...WELCOME,
        updatedAt: expect.any(String),
        created: true,
      });
      expect(Date.parse(created.body.updatedAt)).toBeGreaterThanOrEqual(before - 1000);

      const found = await get('welcome');
      expect(found.status).toBe(200);
      const { created: _created, ...stored } = created.body;
      expect(found.body).toEqual(stored);

      const replaced = await put('welcome', { subject: 'Hi {{firstName}}', text: 'Plain.' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toEqual({
        name: 'welcome',
        subject: 'Hi {{firstName}}',
        text: 'Plain.',
        updatedAt: expect.any(String),
        created: false,
      });
      // The html of the first version is gone, not merged.
      expect((await get('welcome')).body).not.toHaveProperty('html');

      const removed = await del('welcome');
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      const gone = await get('welcome');
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({
        statusCode: 404,
        code: 'TEMPLATE_NOT_FOUND',
        template: 'welcome',
      });
      expect(gone.body.message).toContain('"welcome"');
    });

    it('answers 404 TEMPLATE_NOT_FOUND to GET and DELETE of an unknown name', async () => {
      for (const response of [await get('never-stored'), await del('never-stored')]) {
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({
          code: 'TEMPLATE_NOT_FOUND',
          template: 'never-stored',
        });
      }
    });

    it('keeps names case-sensitive, with dots, dashes and underscores', async () => {
      expect((await put('Order.Shipped_v-2', { subject: 'upper', text: 't' })).status).toBe(201);
      expect((await put('order.shipped_v-2', { subject: 'lower', text: 't' })).status).toBe(201);
      expect((await get('Order.Shipped_v-2')).body.subject).toBe('upper');
      expect((await get('order.shipped_v-2')).body.subject).toBe('lower');
    });

    it('keeps templates without a TTL, one hash per name and an index', async () => {
      await put('forever');
      expect(await redis.ttl(`${t.keyPrefix}tpl:{forever}`)).toBe(-1);
      expect(await redis.ttl(`${t.keyPrefix}tpl:index`)).toBe(-1);
      expect(await redis.hgetall(`${t.keyPrefix}tpl:{forever}`)).toEqual({
        name: 'forever',
        ...WELCOME,
        updatedAt: expect.any(String),
      });
    });
  });

  describe('validation', () => {
    it('answers 400 naming the field and the position of a Mustache syntax error', async () => {
      const response = await put('broken', { subject: 'Hi', html: '<p>\n{{name</p>' });

      expect(response.status).toBe(400);
      const problem = 'html: Unclosed tag at 14 (line 2, column 11)';
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'INVALID_REQUEST',
        message: `invalid template: ${problem}`,
        errors: [{ field: 'html', problems: [problem] }],
      });
      expect((await get('broken')).status).toBe(404);
    });

    it('answers 400 naming each bad field of a body', async () => {
      const response = await put('bad', {
        subject: 'a\nb',
        text: '{{#x}}',
        html: '{{> partial}}',
        cc: 'a@example.com',
      });

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'cc', problems: ['property cc should not exist'] },
          {
            field: 'subject',
            problems: ['subject must not contain CR, LF or other control characters'],
          },
          {
            field: 'html',
            problems: ['html: partials ({{> partial}}) are not supported, at 0 (line 1, column 1)'],
          },
          { field: 'text', problems: ['text: Unclosed section "x" at 6 (line 1, column 7)'] },
        ]),
      );
      expect(response.body.errors).toHaveLength(4);
    });

    it.each(['a b', '..', 'x'.repeat(65), 'ünï'])(
      'answers 400 naming name for the name %j, on every route',
      async (name) => {
        for (const response of [await put(name), await get(name), await del(name)]) {
          expect(response.status).toBe(400);
          expect(response.body).toMatchObject({
            code: 'INVALID_REQUEST',
            errors: [{ field: 'name', problems: [expect.stringContaining('name must be 1-64')] }],
          });
        }
      },
    );

    it('answers 400 to a body that is not JSON object', async () => {
      const response = await put('not-an-object', ['subject']);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: '(template)', problems: ['must be a JSON object'] },
      ]);
    });
  });

  describe('GET /v1/templates', () => {
    const names = ['list-c', 'list-a', 'list-B', 'list-b'];

    beforeAll(async () => {
      for (const name of names) {
        expect((await put(name)).status).toBe(201);
      }
    });

    it('lists names and update times in name order', async () => {
      const response = await list();

      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      const listed = (response.body.items as Array<{ name: string }>).filter((item) =>
        item.name.startsWith('list-'),
      );
      expect(listed.map((item) => item.name)).toEqual(['list-B', 'list-a', 'list-b', 'list-c']);
      expect(listed[0]).toEqual({
        name: 'list-B',
        updatedAt: (await get('list-B')).body.updatedAt,
      });
    });

    it('pages with limit and cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await list(cursor === null ? { limit: 2 } : { limit: 2, cursor });
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...response.body.items.map((item: { name: string }) => item.name));
        cursor = response.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);

      expect(seen).toEqual((await list()).body.items.map((item: { name: string }) => item.name));
      expect(pages).toBeGreaterThanOrEqual(2);
    });

    it.each([
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ cursor: 'a b' }, 'cursor'],
      [{ other: 1 }, 'other'],
    ])('answers 400 to the query %j naming %s', async (query, field) => {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
    });
  });

  describe('TemplateService.render, as the mailer calls it', () => {
    it('renders a template stored over HTTP', async () => {
      await put('render-me');

      const rendered = await t.app
        .get(TemplateService)
        .render('render-me', { firstName: 'Tom & Jerry', items: [{ name: '<b>' }] });

      expect(rendered).toEqual({
        subject: 'Welcome, Tom & Jerry!',
        html: '<p>Hello Tom &amp; Jerry</p><li>&lt;b&gt;</li>',
        text: 'Hello Tom & Jerry',
      });
    });

    it('throws INVALID_MESSAGE naming template.data and the missing variable', async () => {
      await put('render-me');

      const error = await t.app
        .get(TemplateService)
        .render('render-me', {})
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(AsesException);
      expect(error).toMatchObject({
        code: AsesErrorCode.INVALID_MESSAGE,
        details: {
          errors: [
            {
              field: 'template.data',
              problems: [
                'missing value for "firstName" used in subject',
                'missing value for "firstName" used in html',
                'missing value for "firstName" used in text',
              ],
            },
          ],
        },
      });
    });
  });

  it('describes the endpoints in the OpenAPI document, under the templates tag', async () => {
    const response = await t.http().get('/docs-json');
    expect(response.status).toBe(200);
    const paths = response.body.paths;
    expect(Object.keys(paths['/v1/templates'])).toEqual(['get']);
    expect(Object.keys(paths['/v1/templates/{name}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(paths['/v1/templates/{name}'].put.tags).toEqual(['templates']);
    expect(paths['/v1/templates/{name}'].put.summary).toBe('Create or replace a template');
    expect(Object.keys(paths['/v1/templates/{name}'].put.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401']),
    );
    expect(Object.keys(paths['/v1/templates/{name}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404']),
    );
  });
});
