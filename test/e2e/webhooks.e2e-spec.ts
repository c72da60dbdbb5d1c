import { Webhook } from 'standardwebhooks';
import { AsesModuleOptions } from '../../src/core/ases-options';
import { API_KEY, startTestApp, TestApp, waitFor, waitForStatus } from '../helpers/test-app';
import { WebhookReceiver } from '../helpers/webhook-receiver';

type Json = Record<string, any>;

/** Webhooks on the test receiver: 127.0.0.1, short retries. */
const WEBHOOKS: AsesModuleOptions['webhooks'] = { allowPrivate: true, retrySchedule: [1, 1, 2] };

describe('signed webhooks (Standard Webhooks)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp('webhooks', { webhooks: WEBHOOKS });
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    url = await receiver.start();
  });

  afterEach(async () => {
    await receiver.stop();
    // Each test's endpoints go, so that the next test's events reach only its own receiver.
    const list = await api().get('/v1/webhooks');
    for (const each of list.body.webhooks as Json[]) {
      await api().delete(`/v1/webhooks/${each.id}`);
    }
  });

  const api = () => ({
    get: (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' }),
    post: (path: string, body?: object) =>
      t.http().post(path).auth(API_KEY, { type: 'bearer' }).send(body),
    patch: (path: string, body: object) =>
      t.http().patch(path).auth(API_KEY, { type: 'bearer' }).send(body),
    delete: (path: string) => t.http().delete(path).auth(API_KEY, { type: 'bearer' }),
  });

  async function addEndpoint(body: Json = {}): Promise<Json> {
    const response = await api().post('/v1/webhooks', { url, ...body });
    expect(response.status).toBe(201);
    return response.body as Json;
  }

  async function send(to = 'success@simulator.amazonses.com', tags?: Json): Promise<string> {
    const response = await api().post('/v1/messages', {
      from: t.sender(),
      to,
      subject: 'hello',
      text: 'hello',
      ...(tags ? { tags } : {}),
    });
    expect(response.status).toBe(202);
    return response.body.id as string;
  }

  function receivedFor(messageId: string, type: string) {
    return receiver.received.filter((each) => {
      const body = JSON.parse(each.body);
      return body.type === type && body.data.messageId === messageId && each.answered < 300;
    });
  }

  it('posts each status change of a message, signed so that standardwebhooks verifies it', async () => {
    const endpoint = await addEndpoint({ description: 'all events' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(endpoint.events).toBeUndefined();

    const id = await send('success@simulator.amazonses.com', { campaign: 'c1' });
    await waitForStatus(t, id, 'DELIVERED');
    await waitFor(
      () => receivedFor(id, 'message.delivered'),
      (found) => found.length === 1,
      { what: 'message.delivered posted' },
    );
    const types = receiver
      .events()
      .filter((event) => event.data.messageId === id)
      .map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining(['message.queued', 'message.pushed', 'message.delivered']),
    );

    const verifier = new Webhook(endpoint.secret as string);
    for (const each of receiver.received) {
      expect(() =>
        verifier.verify(each.body, each.headers as Record<string, string>),
      ).not.toThrow();
      expect(each.headers['webhook-id']).toMatch(/^msg_/);
      expect(each.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(each.headers['content-type']).toBe('application/json');
    }
    // A body altered in transit, or signed with another secret, does not verify.
    const [first] = receiver.received;
    expect(() =>
      verifier.verify(`${first.body} `, first.headers as Record<string, string>),
    ).toThrow();

    const delivered = JSON.parse(receivedFor(id, 'message.delivered')[0].body);
    expect(delivered).toEqual({
      type: 'message.delivered',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        messageId: id,
        sesMessageId: expect.any(String),
        status: 'DELIVERED',
        previousStatus: 'PUSHED',
        recipient: 'success@simulator.amazonses.com',
        event: expect.objectContaining({ type: 'delivery' }),
        tags: { campaign: 'c1' },
      },
    });
    const record = (await t.status(id)).body as Json;
    expect(delivered.data.sesMessageId).toBe(record.sesMessageId);

    // The secret is shown once: never by the reads.
    const read = await api().get(`/v1/webhooks/${endpoint.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).not.toHaveProperty('secrets');
    expect(JSON.stringify((await api().get('/v1/webhooks')).body)).not.toContain(endpoint.secret);
  });

  it('gets only the event types an endpoint subscribed to', async () => {
    await addEndpoint({ events: ['message.bounced'] });
    const delivered = await send('success@simulator.amazonses.com');
    const bounced = await send('bounce@simulator.amazonses.com');
    await waitForStatus(t, delivered, 'DELIVERED');
    await waitForStatus(t, bounced, 'BOUNCED');
    const event = (
      await waitFor(
        () => receiver.events(),
        (events) => events.length >= 1,
        {
          what: 'message.bounced posted',
        },
      )
    )[0];
    expect(event.type).toBe('message.bounced');
    expect(event.data).toMatchObject({
      messageId: bounced,
      status: 'BOUNCED',
      recipient: 'bounce@simulator.amazonses.com',
    });
    // The suppression that bounce caused is another type: not posted here.
    const deliveries = await api().get(
      `/v1/webhooks/${(await api().get('/v1/webhooks')).body.webhooks[0].id}/deliveries`,
    );
    expect((deliveries.body.deliveries as Json[]).map((d): unknown => d.type)).toEqual([
      'message.bounced',
    ]);
    expect(receiver.events().map((each) => each.type)).toEqual(['message.bounced']);
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    const endpoint = await addEndpoint({ events: ['message.delivered'] });
    receiver.answers = [500, 503];
    const id = await send();
    await waitFor(
      () => receiver.received.filter((each) => JSON.parse(each.body).data.messageId === id),
      (found) => found.length === 3,
      { what: 'three attempts of message.delivered', timeoutMs: 30_000 },
    );
    const attempts = receiver.received.filter(
      (each) => JSON.parse(each.body).data.messageId === id,
    );
    expect(attempts.map((each) => each.answered)).toEqual([500, 503, 200]);
    expect(new Set(attempts.map((each) => each.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((each) => each.body)).size).toBe(1);

    const log = await waitFor(
      async () =>
        (await api().get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.deliveries as Json[],
      (entries) => entries.length === 3,
      { what: 'three attempts in the deliveries' },
    );
    expect(log.map((entry): unknown[] => [entry.attempt, entry.outcome, entry.status])).toEqual([
      [3, 'delivered', 200],
      [2, 'retrying', 503],
      [1, 'retrying', 500],
    ]);
    expect(log[2].error).toContain('HTTP 500');
    expect(log[2].nextAttemptAt).toEqual(expect.any(String));
  });

  it('disables an endpoint that answers 410 Gone, and posts nothing more to it', async () => {
    const endpoint = await addEndpoint({ events: ['message.delivered'] });
    receiver.answers = [410];
    await send();
    const disabled = await waitFor(
      async () => (await api().get(`/v1/webhooks/${endpoint.id}`)).body as Json,
      (body) => body.enabled === false,
      { what: 'endpoint disabled', timeoutMs: 30_000 },
    );
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const before = receiver.received.length;
    const second = await send();
    await waitForStatus(t, second, 'DELIVERED');
    // Re-enabling it is what lets events through again: the next one arrives, and nothing between.
    await api().patch(`/v1/webhooks/${endpoint.id}`, { enabled: true });
    const third = await send();
    await waitFor(
      () => receiver.events().filter((event) => event.data.messageId === third),
      (found) => found.length === 1,
      { what: 'event after re-enabling' },
    );
    expect(receiver.events().some((event) => event.data.messageId === second)).toBe(false);
    expect(before).toBe(1);
  });

  it('signs with the old and the new secret for a day after a rotation', async () => {
    const endpoint = await addEndpoint({ events: ['message.delivered'] });
    const rotated = await api().post(`/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const id = await send();
    const [post] = await waitFor(
      () => receivedFor(id, 'message.delivered'),
      (found) => found.length === 1,
      { what: 'message.delivered posted' },
    );
    expect((post.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret]) {
      expect(() =>
        new Webhook(secret).verify(post.body, post.headers as Record<string, string>),
      ).not.toThrow();
    }
  });

  it('posts a test event at once and says what came of it', async () => {
    const endpoint = await addEndpoint();
    const ok = await api().post(`/v1/webhooks/${endpoint.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ type: 'webhook.test', outcome: 'delivered', status: 200 });
    expect(receiver.events()).toEqual([
      { type: 'webhook.test', timestamp: expect.any(String), data: { webhookId: endpoint.id } },
    ]);
    receiver.answers = [500];
    const failed = await api().post(`/v1/webhooks/${endpoint.id}/test`);
    expect(failed.body).toMatchObject({ outcome: 'failed', status: 500 });
    const log = (await api().get(`/v1/webhooks/${endpoint.id}/deliveries?limit=1`)).body.deliveries;
    expect(log).toEqual([expect.objectContaining({ outcome: 'test-failed', status: 500 })]);
  });

  it('refuses bad requests with a 4xx naming the problem', async () => {
    const bad = async (body: object, field: string) => {
      const response = await api().post('/v1/webhooks', body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expect(response.body.message).toContain(field);
    };
    await bad({ url: 'ftp://example.com/x' }, 'url');
    await bad({ url: 'https://user:pw@example.com/x' }, 'url');
    await bad({ url: 'not a url' }, 'url');
    await bad({}, 'url');
    await bad({ url, events: ['message.sent'] }, 'events');
    await bad({ url, events: [] }, 'events');
    await bad({ url, secret: 'whsec_x' }, 'secret');
    const endpoint = await addEndpoint();
    const empty = await api().patch(`/v1/webhooks/${endpoint.id}`, {});
    expect(empty.status).toBe(400);
    for (const body of [
      { events: ['message.sent'] },
      { url: 'ftp://x.example/' },
      { secret: 'x' },
    ]) {
      const patched = await api().patch(`/v1/webhooks/${endpoint.id}`, body);
      expect(patched.status).toBe(400);
      expect(patched.body.message).toContain(Object.keys(body)[0]);
    }
    const moved = await api().patch(`/v1/webhooks/${endpoint.id}`, {
      url: `${url}/v2`,
      events: ['message.bounced'],
    });
    expect(moved.body).toMatchObject({ url: `${url}/v2`, events: ['message.bounced'] });
    const missing = await api().get('/v1/webhooks/wh_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await api().delete('/v1/webhooks/wh_nope')).status).toBe(404);
    expect((await api().post('/v1/webhooks/wh_nope/test')).status).toBe(404);
    expect((await t.http().get('/v1/webhooks')).status).toBe(401);
    const limit = await api().get(`/v1/webhooks/${endpoint.id}/deliveries?limit=0`);
    expect(limit.status).toBe(400);
  });
});

describe('webhook delivery across a restart, and target checks', () => {
  it('loses no delivery when the instance stops between two attempts', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    receiver.answers = [500];
    const first = await startTestApp('webhooks-restart', {
      webhooks: { allowPrivate: true, retrySchedule: [3] },
    });
    try {
      const created = await first
        .http()
        .post('/v1/webhooks')
        .auth(API_KEY, { type: 'bearer' })
        .send({ url, events: ['message.delivered'] });
      const sent = await first.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
        from: first.sender(),
        to: 'success@simulator.amazonses.com',
        subject: 's',
        text: 't',
      });
      await waitFor(
        () => receiver.received.length,
        (n) => n === 1,
        { what: 'first attempt' },
      );
      // Stop before the retry is due; a new instance on the same store and queues makes it.
      await first.app.close();
      const second = await startTestApp(
        'webhooks-restart',
        { webhooks: { allowPrivate: true, retrySchedule: [3] } },
        { shared: first },
      );
      try {
        await waitFor(
          () => receiver.received.length,
          (n) => n === 2,
          {
            what: 'retry by the second instance',
            timeoutMs: 30_000,
          },
        );
        const [a, b] = receiver.received;
        expect(b.headers['webhook-id']).toBe(a.headers['webhook-id']);
        expect(b.answered).toBe(200);
        expect(JSON.parse(b.body).data.messageId).toBe(sent.body.id);
        expect(created.status).toBe(201);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.stop();
    }
  });

  it('refuses loopback and private targets unless allowed, after DNS resolution too', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    const t = await startTestApp('webhooks-private', { webhooks: { allowPrivate: false } });
    try {
      const post = (body: object) =>
        t.http().post('/v1/webhooks').auth(API_KEY, { type: 'bearer' }).send(body);
      for (const target of [
        url,
        'http://10.0.0.1/x',
        'http://[::1]:8080/x',
        'http://169.254.169.254/latest',
      ]) {
        const refused = await post({ url: target });
        expect(refused.status).toBe(400);
        expect(refused.body.message).toMatch(/url .* address/);
      }
      // A name is checked where it resolves, on every attempt: localhost is loopback.
      const named = await post({ url: url.replace('127.0.0.1', 'localhost') });
      expect(named.status).toBe(201);
      const tried = await t
        .http()
        .post(`/v1/webhooks/${named.body.id}/test`)
        .auth(API_KEY, { type: 'bearer' });
      expect(tried.body.outcome).toBe('failed');
      expect(tried.body.error).toMatch(/refused: localhost resolves to .* loopback address/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await t.close();
      await receiver.stop();
    }
  });

  it('disables an endpoint that failed for the whole retry window', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    receiver.answer = () => 500;
    const t = await startTestApp('webhooks-failing', {
      webhooks: { allowPrivate: true, retrySchedule: [1], retryWindowSeconds: 3 },
    });
    try {
      const created = await t
        .http()
        .post('/v1/webhooks')
        .auth(API_KEY, { type: 'bearer' })
        .send({ url, events: ['message.delivered'] });
      await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .send({ from: t.sender(), to: 'success@simulator.amazonses.com', subject: 's', text: 't' });
      const endpoint = await waitFor(
        async () =>
          (await t.http().get(`/v1/webhooks/${created.body.id}`).auth(API_KEY, { type: 'bearer' }))
            .body as Json,
        (body) => body.enabled === false,
        { what: 'endpoint disabled after failing', timeoutMs: 30_000 },
      );
      expect(endpoint.disabledReason).toBe('failing');
      expect(receiver.received.length).toBeGreaterThanOrEqual(2);
      const log = (
        await t
          .http()
          .get(`/v1/webhooks/${created.body.id}/deliveries`)
          .auth(API_KEY, { type: 'bearer' })
      ).body.deliveries as Json[];
      expect(log[0].outcome).toBe('failed');
    } finally {
      await t.close();
      await receiver.stop();
    }
  });
});
