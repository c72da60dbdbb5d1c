import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS, SuppressionEvent } from '../../src/core/ases-events';
import type { AsesWebhookOptions } from '../../src/core/ases-options';
import { WebhookDeliveryRepository } from '../../src/webhooks/webhook-delivery.repository';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { newWebhookSecret } from '../../src/webhooks/webhook-signature';
import { OwnRedis } from '../helpers/own-redis';
import { parseMetrics, sumOf } from '../helpers/prometheus-text';
import { API_KEY, startTestApp, TestApp, waitFor } from '../helpers/test-app';
import { ReceivedWebhook, WebhookReceiver } from '../helpers/webhook-receiver';

// Webhook deliveries against a Redis of the test's own (AOF, fsync always), which the tests
// restart, stop, pause and flush: a delivery accepted into the queue is made, with its one
// webhook-id, whatever Redis does short of losing its data; a flush loses what waited, and the
// app carries on.

type Json = Record<string, any>;

/** On the test receivers (127.0.0.1), retried within seconds, and a short timeout (lease: 21 s). */
const WEBHOOKS: AsesWebhookOptions = { allowPrivate: true, retrySchedule: [2], timeoutMs: 1000 };
/** The dispatcher's idle look at the queue (WebhookDispatcher's IDLE_LOOK_MS), and a margin. */
const LOOK_MS = 1000;
/** The longest a delivery cut off by a hung Redis waits for its lease to end (timeoutMs + 20 s), and a margin. */
const LEASE_WAIT_MS = 35_000;
/**
 * Redis commands a second the app may make after a flush: about 110 measured, the test's own
 * requests included; a loop that does not wait would make thousands.
 */
const MAX_IDLE_COMMANDS_PER_SECOND = 400;

const auth = { type: 'bearer' } as const;

describe('webhook deliveries when Redis restarts, stops, hangs or is flushed', () => {
  let redis: OwnRedis;
  const apps: TestApp[] = [];
  const receivers: WebhookReceiver[] = [];

  const start = async (
    name: string,
    webhooks: AsesWebhookOptions = WEBHOOKS,
    shared?: TestApp,
  ): Promise<TestApp> => {
    const t = await startTestApp(
      name,
      { redis: { url: redis.url, keyPrefix: `webhook-faults-${name}:` }, webhooks },
      shared === undefined ? {} : { shared },
    );
    apps.push(t);
    return t;
  };

  const receiver = async (): Promise<{ receiver: WebhookReceiver; url: string }> => {
    const each = new WebhookReceiver();
    receivers.push(each);
    return { receiver: each, url: await each.start() };
  };

  beforeAll(async () => {
    redis = await OwnRedis.start({ appendOnly: true });
  });

  afterEach(async () => {
    redis.resume();
    await redis.restart();
    // app.close(), not close(): that deletes keys on the shared test Redis, not on this one.
    for (const t of apps.splice(0)) {
      await t.app.close();
    }
    for (const each of receivers.splice(0)) {
      await each.stop();
    }
  });

  afterAll(async () => {
    await redis.close();
  });

  async function addEndpoint(t: TestApp, url: string): Promise<Json> {
    const created = await t.http().post('/v1/webhooks').auth(API_KEY, auth).send({ url });
    expect(created.status).toBe(201);
    return created.body as Json;
  }

  /** Suppresses an address through the API: the app emits `suppression.added` (Redis must answer). */
  async function suppress(t: TestApp, email: string): Promise<void> {
    const put = await t
      .http()
      .put(`/v1/suppressions/${email}`)
      .auth(API_KEY, auth)
      .send({ reason: 'webhook faults' });
    expect(put.status).toBe(201);
  }

  /** Emits `suppression.added` in-process, as the app does, without a Redis write of its own. */
  function emitSuppression(t: TestApp, email: string): void {
    const event: SuppressionEvent = {
      email,
      reason: 'webhook faults',
      since: new Date().toISOString(),
      source: 'manual',
    };
    t.app.get(EventEmitter2).emit(ASES_EVENTS.suppressionAdded, event);
  }

  async function attempts(t: TestApp, endpointId: string): Promise<Json[]> {
    const log = await t.http().get(`/v1/webhooks/${endpointId}/deliveries`).auth(API_KEY, auth);
    expect(log.status).toBe(200);
    return log.body.deliveries as Json[];
  }

  /** Deliveries waiting in the queue, due or not. */
  /** Deliveries waiting, for every endpoint the store knows. */
  const waiting = async (t: TestApp): Promise<number> => {
    const queue = t.app.get(WebhookDeliveryRepository);
    let total = 0;
    for (const endpoint of await t.app.get(WebhooksService).list()) {
      total += await queue.count(endpoint.id);
    }
    return total;
  };

  /** The emails of the `suppression.added` events a receiver accepted. */
  const delivered = (received: ReceivedWebhook[]): string[] =>
    received
      .filter((each) => each.answered < 300)
      .map((each) => (JSON.parse(each.body) as Json).data.email as string);

  /** Redis failures the app counted, by store (`ases_store_errors_total`). */
  async function storeErrors(t: TestApp): Promise<{ queue: number; endpoints: number }> {
    const scrape = await t.http().get('/metrics').auth(API_KEY, auth);
    const samples = parseMetrics(scrape.text);
    return {
      queue: sumOf(samples, 'ases_store_errors_total', { store: 'webhook_delivery_queue' }),
      endpoints: sumOf(samples, 'ases_store_errors_total', { store: 'webhook_store' }),
    };
  }

  /** Commands the Redis server has processed. */
  async function commandsProcessed(): Promise<number> {
    const client = redis.client();
    try {
      const info = await client.info('stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
    } finally {
      client.disconnect();
    }
  }

  it('makes a retry that fell due while Redis restarted, with the same webhook-id, once', async () => {
    const { receiver: hook, url } = await receiver();
    hook.answers = [500];
    const t = await start('restart');
    const endpoint = await addEndpoint(t, url);
    await suppress(t, 'restart@example.org');
    const [first] = await waitFor(
      () => attempts(t, endpoint.id),
      (log) => log[0]?.outcome === 'retrying',
      { what: 'the first attempt, failed, its retry stored' },
    );
    expect(await waiting(t)).toBe(1);

    await redis.stop();
    // The retry falls due while Redis is gone: nothing can take it.
    await waitFor(
      () => Date.now(),
      (now) => now > Date.parse(first.nextAttemptAt as string) + LOOK_MS,
      { what: 'the retry to fall due' },
    );
    expect(hook.received).toHaveLength(1);
    await redis.restart();
    await waitFor(
      () => t.http().get('/health'),
      (health) => health.status === 200,
      { what: 'the app to see Redis back' },
    );

    await waitFor(
      () => attempts(t, endpoint.id),
      (log) => log[0]?.outcome === 'delivered',
      { what: 'the retry delivered after the restart' },
    );
    const [failed, retried] = hook.received;
    expect(failed.answered).toBe(500);
    expect(retried.answered).toBe(200);
    expect(retried.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    expect(retried.body).toBe(failed.body);
    expect(delivered(hook.received)).toEqual(['restart@example.org']);
    expect(await waiting(t)).toBe(0);
    expect(hook.received).toHaveLength(2);
  });

  it('queues an event emitted while Redis is stopped once Redis is back, within the in-memory retries', async () => {
    const { receiver: hook, url } = await receiver();
    const t = await start('stopped');
    await addEndpoint(t, url);
    const before = await storeErrors(t);

    await redis.stop();
    await waitFor(
      () => t.http().get('/health'),
      (health) => health.status === 503,
      { what: 'the app to see Redis gone' },
    );
    emitSuppression(t, 'while-stopped@example.org');
    // Two tries to queue the event's delivery failed (reading the endpoints, or adding to the
    // queue): the event waits in memory for Redis.
    await waitFor(
      () => storeErrors(t),
      (errors) => errors.queue + errors.endpoints >= before.queue + before.endpoints + 2,
      { what: 'two failed tries to queue the delivery' },
    );
    expect(hook.received).toHaveLength(0);
    await redis.restart();

    await waitFor(
      () => delivered(hook.received),
      (emails) => emails.length === 1,
      { what: 'the delivery once Redis is back', timeoutMs: 30_000 },
    );
    expect(delivered(hook.received)).toEqual(['while-stopped@example.org']);
    await waitFor(
      () => waiting(t),
      (count) => count === 0,
      { what: 'the delivery forgotten' },
    );
    expect(hook.received).toHaveLength(1);
  }, 60_000);

  it('loses no delivery when Redis hangs while it is posted, and the API answers meanwhile', async () => {
    const { receiver: hook, url } = await receiver();
    // The first POST freezes Redis before it is answered, then fails: its outcome cannot be stored.
    hook.answer = () => {
      if (hook.received.length > 0) {
        return 200;
      }
      redis.pause();
      return 500;
    };
    const t = await start('paused');
    const endpoint = await addEndpoint(t, url);
    await suppress(t, 'while-paused@example.org');
    await waitFor(
      () => hook.received.length,
      (n) => n === 1,
      { what: 'the first attempt' },
    );

    // A hung store is bounded by the command timeout: answers come, they do not hang.
    const health = await t.http().get('/health').timeout(10_000);
    expect(health.status).toBe(503);
    const list = await t.http().get('/v1/webhooks').auth(API_KEY, auth).timeout(10_000);
    expect(list.status).toBe(503);
    expect(list.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    redis.resume();
    await waitFor(
      () => t.http().get('/health'),
      (answer) => answer.status === 200,
      { what: 'the app to see Redis back' },
    );

    // The delivery stayed leased in the queue; when its lease ends it is posted again.
    await waitFor(
      () => delivered(hook.received),
      (emails) => emails.length === 1,
      { what: 'the delivery after the lease', timeoutMs: LEASE_WAIT_MS },
    );
    const [cutOff, made] = hook.received;
    expect(made.headers['webhook-id']).toBe(cutOff.headers['webhook-id']);
    expect(delivered(hook.received)).toEqual(['while-paused@example.org']);
    await waitFor(
      () => attempts(t, endpoint.id),
      (log) => log[0]?.outcome === 'delivered',
      { what: 'the delivery logged' },
    );
    expect(await waiting(t)).toBe(0);
    expect(hook.received).toHaveLength(2);
  }, 90_000);

  it('forgets waiting deliveries and endpoints on FLUSHALL, and keeps working without spinning', async () => {
    const { receiver: old, url: oldUrl } = await receiver();
    old.answers = [500];
    const t = await start('flushed');
    const lost = await addEndpoint(t, oldUrl);
    await suppress(t, 'before-flush@example.org');
    const [first] = await waitFor(
      () => attempts(t, lost.id),
      (log) => log[0]?.outcome === 'retrying',
      { what: 'a retry waiting' },
    );

    const flushedAt = Date.now();
    const commandsBefore = await commandsProcessed();
    await redis.flush();
    // Documented: what waited in Redis is gone, the endpoints with it.
    expect(await waiting(t)).toBe(0);
    expect((await t.http().get(`/v1/webhooks/${lost.id}`).auth(API_KEY, auth)).status).toBe(404);
    expect((await t.http().get('/v1/webhooks').auth(API_KEY, auth)).body.webhooks).toEqual([]);

    const { receiver: fresh, url: freshUrl } = await receiver();
    const endpoint = await addEndpoint(t, freshUrl);
    await suppress(t, 'after-flush@example.org');
    await waitFor(
      () => attempts(t, endpoint.id),
      (log) => log[0]?.outcome === 'delivered',
      { what: 'an event delivered to an endpoint made after the flush' },
    );
    expect(delivered(fresh.received)).toEqual(['after-flush@example.org']);
    // Past the time the lost retry was due, and a look at the queue: it was never made.
    await waitFor(
      () => Date.now(),
      (now) => now > Date.parse(first.nextAttemptAt as string) + LOOK_MS,
      { what: 'the lost retry’s due time' },
    );
    expect(old.received).toHaveLength(1);
    expect(await waiting(t)).toBe(0);
    expect((await t.http().get('/health')).status).toBe(200);

    // Idle since: the dispatcher looks at the queue at its pace, it does not loop on the flush.
    const seconds = (Date.now() - flushedAt) / 1000;
    const rate = ((await commandsProcessed()) - commandsBefore) / seconds;
    expect(rate).toBeLessThan(MAX_IDLE_COMMANDS_PER_SECOND);
  });

  it('writes the WEBHOOK_URL endpoint again after a flush, when the endpoints are read', async () => {
    const { receiver: hook, url } = await receiver();
    const webhooks = { ...WEBHOOKS, endpoint: { url, secret: newWebhookSecret() } };
    const t = await start('env', webhooks);
    expect((await t.http().get('/v1/webhooks/env').auth(API_KEY, auth)).status).toBe(200);

    await redis.flush();
    expect((await t.http().get('/v1/webhooks/env').auth(API_KEY, auth)).status).toBe(404);
    // Reading the list writes it again: the environment still says it exists.
    const list = await t.http().get('/v1/webhooks').auth(API_KEY, auth);
    expect((list.body.webhooks as { id: string }[]).map((each) => each.id)).toEqual(['env']);
    expect((await t.http().get('/v1/webhooks/env').auth(API_KEY, auth)).status).toBe(200);
    await suppress(t, 'after-env-flush@example.org');
    await waitFor(
      () => delivered(hook.received),
      (emails) => emails.length === 1,
      { what: 'an event delivered to the WEBHOOK_URL endpoint' },
    );
    expect(delivered(hook.received)).toEqual(['after-env-flush@example.org']);
  });
});
