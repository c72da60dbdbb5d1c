import {
  API_KEY,
  TestApp,
  sentMail,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';
import { createTestRedis, keysWithPrefix } from '../helpers/test-redis';

describe('messages API (real Redis, local SQS/SNS/SES)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('messages');
  });

  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown, key: string | null = API_KEY) => {
    const call = t.http().post('/v1/messages').set('content-type', 'application/json');
    return key === null
      ? call.send(body as object)
      : call.auth(key, { type: 'bearer' }).send(body as object);
  };
  const message = (to: string, extra: Record<string, unknown> = {}): Record<string, any> => ({
    from: t.sender(),
    to,
    subject: `hi ${to}`,
    html: '<html><body><p>hello</p></body></html>',
    ...extra,
  });

  describe('authentication', () => {
    it.each([
      ['no key', null],
      ['a wrong key', 'not-the-key'],
    ])('answers 401 to %s and records nothing', async (_name, key) => {
      const id = `unauth-${String(key)}`;
      const response = await post(message('jane@example.org', { localMessageId: id }), key);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect((await t.status(id)).status).toBe(404);
    });

    it('guards the status endpoint too', async () => {
      const response = await t.http().get('/v1/messages/anything');
      expect(response.status).toBe(401);
    });
  });

  describe('validation', () => {
    it.each([
      ['from', { from: 'not an address' }],
      ['to', { to: 'a@example.org, b@example.org' }],
      ['to', { to: 'victim@example.org\r\nBcc: all@example.org' }],
      ['subject', { subject: '' }],
      ['subject', { subject: 'hi\nBcc: all@example.org' }],
      ['html', { html: 'x'.repeat(128 * 1024 + 1) }],
      ['html', { html: undefined }],
      ['surprise', { surprise: 1 }],
      ['localMessageId', { localMessageId: 'has spaces' }],
      // The shape of ases's own ids, which name where their record is kept.
      ['localMessageId', { localMessageId: '0mip4k2x8abcdefghijk' }],
    ])('answers 400 naming %s', async (field, change) => {
      const response = await post(message('jane@example.org', change));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_MESSAGE' });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
      expect(response.body.message).toContain(field);
    });

    it('answers 400 with a JSON body to malformed JSON', async () => {
      const response = await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .set('content-type', 'application/json')
        .send('{"from":');
      expect(response.status).toBe(400);
      expect(response.body.statusCode).toBe(400);
    });
  });

  describe('the SES mailbox simulator, end to end', () => {
    it.each([
      ['success', 'DELIVERED'],
      ['ooto', 'DELIVERED'],
      ['bounce', 'BOUNCED'],
      ['suppressionlist', 'BOUNCED'],
      ['complaint', 'COMPLAINED'],
    ])('%s@simulator.amazonses.com ends %s', async (mailbox, final) => {
      const accepted = await post(message(`${mailbox}@simulator.amazonses.com`));
      expect(accepted.status).toBe(202);
      expect(accepted.body).toEqual({ id: expect.any(String), status: 'QUEUED' });
      const record = await waitForStatus(t, accepted.body.id, final);
      expect(record.sesMessageId).toEqual(expect.any(String));
      expect(Date.parse(record.pushedAt)).toBeGreaterThanOrEqual(Date.parse(record.queuedAt));
      if (mailbox === 'bounce') {
        expect(record.bounce).toEqual({
          type: 'Permanent',
          subType: 'General',
          status: '5.1.1',
          diagnosticCode: expect.stringContaining('5.1.1'),
        });
      }
      if (mailbox === 'suppressionlist') {
        expect(record.bounce).toMatchObject({
          type: 'Permanent',
          subType: 'OnAccountSuppressionList',
        });
      }
      if (mailbox === 'complaint') {
        expect(record.complaint).toEqual({ feedbackType: 'abuse' });
        expect(record.deliveredAt).toEqual(expect.any(String));
      }
      // The same record answers to the SES message id.
      const bySesId = await t.status(record.sesMessageId);
      expect(bySesId.body).toEqual(record);
    });

    it('delivers to any other address', async () => {
      const accepted = await post(message('jane@example.org'));
      const record = await waitForStatus(t, accepted.body.id, 'DELIVERED');
      expect(record).toMatchObject({
        from: t.sender(),
        to: 'jane@example.org',
        subject: 'hi jane@example.org',
      });
      expect(record.bounce).toBeUndefined();
    });
  });

  describe('what reaches SES', () => {
    it('puts the open pixel in HTML mail only', async () => {
      const html = await post(message('pixel@example.org', { text: 'plain too' }));
      const text = await post(
        message('nopixel@example.org', { html: undefined, text: 'only text' }),
      );
      const htmlRecord = await waitForStatus(t, html.body.id, 'DELIVERED');
      const textRecord = await waitForStatus(t, text.body.id, 'DELIVERED');
      const mail = await sentMail();
      const htmlMail = mail.find((m) => m.messageId === htmlRecord.sesMessageId);
      const textMail = mail.find((m) => m.messageId === textRecord.sesMessageId);
      expect(htmlMail?.body.html).toMatch(
        /<img src="http:\/\/ases\.test\/t\/o\/[^"]+\.gif"[^>]*><\/body>/,
      );
      expect(htmlMail?.body.text?.trim()).toBe('plain too');
      expect(textMail?.body.html).toBeUndefined();
      expect(textMail?.body.text?.trim()).toBe('only text');
    });
  });

  describe('idempotency', () => {
    it('sends a repeated localMessageId once and answers with the same message', async () => {
      const body = message('jane@example.org', {
        localMessageId: `order-${Date.now()}`,
        subject: `once ${Date.now()}`,
      });
      const first = await post(body);
      const second = await post(body);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body.id).toBe(body.localMessageId);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const record = await waitForStatus(t, body.localMessageId, 'DELIVERED');
      // The original answer is replayed, whatever became of the message since.
      const third = await post(body);
      expect(third.status).toBe(202);
      expect(third.body).toEqual({ id: body.localMessageId, status: 'QUEUED' });
      expect(third.headers['idempotent-replayed']).toBe('true');
      expect((await sentMail()).filter((m) => m.subject === body.subject)).toHaveLength(1);
      expect(record.id).toBe(body.localMessageId);
    });

    it('takes an Idempotency-Key header as the localMessageId', async () => {
      const key = `key-${Date.now()}`;
      const body = message('jane@example.org', { subject: `keyed ${Date.now()}` });
      const withKey = () =>
        t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).set('Idempotency-Key', key);
      const first = await withKey().send(body);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ id: key, status: 'QUEUED' });
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await withKey().send(body);
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ id: key, status: 'QUEUED' });
      expect(again.headers['idempotent-replayed']).toBe('true');
      // The same key in the body is the same request.
      expect((await post({ ...body, localMessageId: key })).headers['idempotent-replayed']).toBe(
        'true',
      );
      const other = await withKey().send({ ...body, subject: 'something else' });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', id: key });
      await waitForStatus(t, key, 'DELIVERED');
      expect((await sentMail()).filter((m) => m.subject === body.subject)).toHaveLength(1);
    });

    it.each([
      ['a malformed key', 'has space', {}, 'Idempotency-Key must be'],
      ['a key that differs from localMessageId', 'key-a', { localMessageId: 'key-b' }, 'differ'],
    ])('answers 400 to %s', async (_name, key, extra, problem) => {
      const response = await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .set('Idempotency-Key', key)
        .send(message('jane@example.org', extra));
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expect(response.body.message).toContain(problem);
    });

    it('refuses an Idempotency-Key on a batch', async () => {
      const response = await t
        .http()
        .post('/v1/messages/batch')
        .auth(API_KEY, { type: 'bearer' })
        .set('Idempotency-Key', 'batch-key')
        .send({ messages: [message('jane@example.org')] });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('localMessageId');
    });

    it('refuses the same localMessageId for a different message with 409', async () => {
      const id = `order-conflict-${Date.now()}`;
      expect((await post(message('jane@example.org', { localMessageId: id }))).status).toBe(202);
      const conflict = await post(message('john@example.org', { localMessageId: id }));
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', id });
    });
  });

  describe('batch', () => {
    const postBatch = (body: unknown) =>
      t
        .http()
        .post('/v1/messages/batch')
        .auth(API_KEY, { type: 'bearer' })
        .send(body as object);

    it('answers one result per message, in order, and sends the good ones', async () => {
      const response = await postBatch({
        messages: [
          message('one@example.org'),
          message('two@example.org', { subject: '' }),
          message('bounce+batch@simulator.amazonses.com'),
        ],
      });
      expect(response.status).toBe(202);
      const [one, two, three] = response.body.results;
      expect(one).toEqual({ id: expect.any(String), status: 'QUEUED' });
      expect(two).toEqual({
        error: expect.objectContaining({
          code: 'INVALID_MESSAGE',
          errors: [expect.objectContaining({ field: 'subject' })],
        }),
      });
      expect(three).toEqual({ id: expect.any(String), status: 'QUEUED' });
      await waitForStatus(t, one.id, 'DELIVERED');
      await waitForStatus(t, three.id, 'BOUNCED');
    });

    it('takes 500 messages and sends them all', async () => {
      const messages = Array.from({ length: 500 }, (_, i) => message(`bulk-${i}@example.org`));
      const response = await postBatch({ messages });
      expect(response.status).toBe(202);
      const ids: string[] = response.body.results.map((result: { id: string }) => result.id);
      expect(new Set(ids).size).toBe(500);
      await waitFor(
        async () => Promise.all(ids.map(async (id) => (await t.status(id)).body.status as string)),
        (statuses) => statuses.every((status) => status === 'DELIVERED'),
        { timeoutMs: 60_000, intervalMs: 500, what: '500 messages delivered' },
      );
    });

    it.each([
      ['no messages array', { message: [] }],
      ['an empty array', { messages: [] }],
      ['501 messages', { messages: Array.from({ length: 501 }, () => ({})) }],
      ['an extra field', { messages: [{}], more: true }],
    ])('answers 400 to %s', async (_name, body) => {
      const response = await postBatch(body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
    });
  });

  it('gives every record it keeps in Redis the retention TTL', async () => {
    const accepted = await post(message('ttl@example.org'));
    await waitForStatus(t, accepted.body.id, 'DELIVERED');
    const redis = createTestRedis();
    try {
      // Suppressions, feedback stats, the fleet's send budget, the time series (kept 48 h and 15
      // days) and the reputation guard's state are not per message. The record's time bucket,
      // the SES-id index and the search index expire 14 days after the end of their minute.
      const keys = (await keysWithPrefix(redis, t.keyPrefix)).filter(
        (key) => !/^(sup|stats|rate|stale|ts:|rep:)|^failed$/.test(key.slice(t.keyPrefix.length)),
      );
      const kinds = new Set(
        keys.map((key) => key.slice(t.keyPrefix.length, t.keyPrefix.length + 2)),
      );
      expect([...kinds].sort()).toEqual(expect.arrayContaining(['i:', 'r:', 'x:']));
      expect([...kinds].filter((kind) => !['i:', 'r:', 'x:', 'u:'].includes(kind))).toEqual([]);
      const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
      for (const ttl of ttls) {
        expect(ttl).toBeGreaterThan(14 * 86_400 - 600);
        expect(ttl).toBeLessThanOrEqual(14 * 86_400 + 60);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('answers 404 with status UNKNOWN for an unknown id', async () => {
    const response = await t.status('never-sent');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      statusCode: 404,
      code: 'MESSAGE_NOT_FOUND',
      id: 'never-sent',
      status: 'UNKNOWN',
      message: expect.any(String),
    });
  });
});
