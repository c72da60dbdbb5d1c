import type { ResolvedAsesOptions } from '../core/ases-options';
import type { TakenJob, TakeWindow } from '../core/due-jobs';
import type { StoreMonitor } from '../core/store-monitor';
import type { AsesMetrics } from '../metrics/ases-metrics';
import { encodeDeliveryJob } from './delivery-job';
import type { StoredWebhook } from './stored-webhook';
import type { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook.dispatcher';
import type { PostResult, WebhookHttpClient } from './webhook.http-client';
import type { WebhookRepository } from './webhook.repository';
import type { WebhooksService } from './webhooks.service';

/** The delivery queues, in memory: due jobs by endpoint and id. */
class QueueFake {
  readonly jobs = new Map<
    string,
    { endpointId: string; dueAt: number; body: string; leased: boolean }
  >();
  /** How many times each endpoint's queue was asked for deliveries. */
  readonly takes = new Map<string, number>();

  add(endpointId: string, id: string, dueAt: number, body: string): Promise<void> {
    this.jobs.set(id, { endpointId, dueAt, body, leased: false });
    return Promise.resolve();
  }

  take(endpointId: string, window: TakeWindow): Promise<TakenJob[]> {
    this.takes.set(endpointId, (this.takes.get(endpointId) ?? 0) + 1);
    const taken: TakenJob[] = [];
    for (const [id, job] of this.jobs) {
      if (
        taken.length < window.limit &&
        job.endpointId === endpointId &&
        !job.leased &&
        job.dueAt <= window.now
      ) {
        job.leased = true;
        taken.push({ id, dueAt: job.dueAt, body: job.body, shard: 0, leaseEnd: 0 });
      }
    }
    return Promise.resolve(taken);
  }

  done(_endpointId: string, job: TakenJob): Promise<void> {
    this.jobs.delete(job.id);
    return Promise.resolve();
  }
}

/** Endpoints that answer at once (`fast`) or never until released (`slow`). */
class ClientFake {
  readonly posted: string[] = [];
  readonly hanging: (() => void)[] = [];

  close(): void {}

  post(url: string): Promise<PostResult> {
    this.posted.push(url);
    if (url.includes('slow')) {
      return new Promise((resolve) => {
        this.hanging.push(() => resolve({ latencyMs: 1, error: 'no answer' }));
      });
    }
    return Promise.resolve({ status: 204, latencyMs: 1 });
  }
}

function webhook(id: string): StoredWebhook {
  return {
    id,
    url: `http://${id}.example/hook`,
    enabled: true,
    createdAt: '',
    updatedAt: '',
    secrets: [{ secret: `whsec_${Buffer.alloc(32).toString('base64')}` }],
  };
}

describe('WebhookDispatcher', () => {
  const concurrency = 8;
  let queue: QueueFake;
  let client: ClientFake;
  let dispatcher: WebhookDispatcher;

  function setUp(endpoints: StoredWebhook[]): void {
    queue = new QueueFake();
    client = new ClientFake();
    const webhooks = {
      onEnqueued: () => undefined,
      enabledIds: () => Promise.resolve(endpoints.map(({ id }) => id)),
      signingEndpoint: (id: string) => {
        const found = endpoints.find((each) => each.id === id);
        return Promise.resolve(found ? { webhook: found, secrets: ['whsec_AAAA'] } : null);
      },
      disable: () => Promise.resolve(),
    } as unknown as WebhooksService;
    const repository = {
      succeeded: () => Promise.resolve(),
      failingSince: (_: string, now: number) => Promise.resolve(now),
      logAttempt: () => Promise.resolve(),
    } as unknown as WebhookRepository;
    const metrics = { webhookDelivered: () => undefined } as unknown as AsesMetrics;
    const options = {
      webhooks: {
        concurrency,
        timeoutMs: 10_000,
        retrySchedule: [1],
        retryWindowMs: 60_000,
        allowPrivate: true,
      },
      shutdownTimeoutMs: 0,
    } as unknown as ResolvedAsesOptions;
    dispatcher = new WebhookDispatcher(
      webhooks,
      repository,
      queue as unknown as WebhookDeliveryRepository,
      client as unknown as WebhookHttpClient,
      { available: true } as StoreMonitor,
      metrics,
      options,
    );
  }

  async function enqueue(endpointId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const job = {
        webhookId: `msg_${endpointId}_${i}`,
        endpointId,
        type: 'message.queued',
        body: '{}',
        attempts: 0,
      };
      await queue.add(endpointId, `${job.webhookId}.${endpointId}`, 0, encodeDeliveryJob(job));
    }
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 50; i += 1) {
      dispatcher.wake();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  afterEach(async () => {
    client.hanging.forEach((release) => release());
    await dispatcher.onApplicationShutdown();
  });

  it('uses every slot for the only endpoint, and delivers its whole backlog', async () => {
    setUp([webhook('fast')]);
    await enqueue('fast', 50);
    await settle();
    expect(client.posted).toHaveLength(50);
    expect(queue.jobs.size).toBe(0);
  });

  it('keeps a hanging endpoint to half the slots, so another one is still delivered', async () => {
    setUp([webhook('slow'), webhook('fast')]);
    await enqueue('slow', 40);
    await enqueue('fast', 20);
    await settle();
    expect(client.hanging).toHaveLength(concurrency / 2);
    expect(client.posted.filter((url) => url.includes('fast'))).toHaveLength(20);
    // What the hanging endpoint could not take waits in its queue, none lost, and its queue is not
    // even asked while its share of the slots is taken.
    expect([...queue.jobs.values()].filter((job) => job.endpointId === 'slow')).toHaveLength(40);
    expect(queue.takes.get('slow')).toBe(1);
    expect(queue.takes.get('fast')).toBeGreaterThan(1);
  });
});
