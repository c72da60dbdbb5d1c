import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import type { TakenJob } from '../core/due-jobs';
import { StoreMonitor } from '../core/store-monitor';
import { AsesMetrics } from '../metrics/ases-metrics';
import type { WebhookOutcome } from '../metrics/metric-labels';
import { decodeDeliveryJob, DeliveryJob, encodeDeliveryJob } from './delivery-job';
import { nextAttemptAt } from './webhook-retry';
import { webhookHeaders } from './webhook-signature';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { PostResult, WebhookHttpClient } from './webhook.http-client';
import { WebhookRepository } from './webhook.repository';
import { WebhookAttempt } from './stored-webhook';
import { WebhooksService } from './webhooks.service';

/** How often the queue is looked at when nothing woke the dispatcher (retries, other instances' events). */
const IDLE_LOOK_MS = 500;
/** A delivery whose instance died mid-attempt is taken again this long after its timeout. */
const LEASE_MARGIN_MS = 20_000;
/** The share of the slots one endpoint may hold when there are several. */
const ENDPOINT_SHARE = 0.5;

/**
 * Posts the deliveries of the webhook queue, in every instance (up to `webhooks.concurrency` at
 * once): takes due deliveries under a lease, signs each attempt (Standard Webhooks), and on the
 * answer forgets it (2xx), disables the endpoint (410), or puts it back for its next retry. A
 * delivery is forgotten only after its attempt's outcome is known, so an instance that dies
 * mid-attempt leaves it to be posted again, with the same `webhook-id`, when its lease ends.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private readonly inFlight = new Set<Promise<void>>();
  /** Attempts under way, by endpoint. */
  private readonly perEndpoint = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private nextEndpoint = 0;

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly repository: WebhookRepository,
    private readonly queue: WebhookDeliveryRepository,
    private readonly client: WebhookHttpClient,
    private readonly store: StoreMonitor,
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.webhooks.concurrency === 0) {
      return;
    }
    this.webhooks.onEnqueued(() => this.wake());
    this.timer = setInterval(() => this.wake(), IDLE_LOOK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.looking;
    // Attempts under way finish within their timeout; what is cut off is posted again after its lease.
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => setTimeout(resolve, this.options.shutdownTimeoutMs).unref()),
    ]);
    this.client.close();
  }

  /** Looks at the queue now (again once the current look ends, if one is under way). */
  wake(): void {
    if (this.stopped) {
      return;
    }
    if (this.looking !== undefined) {
      this.again = true;
      return;
    }
    this.looking = this.look()
      .catch((error: unknown) => {
        this.logger.warn(`webhook queue not read this time: ${String(error)}`);
      })
      .finally(() => {
        this.looking = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Posts a `webhook.test` event to an endpoint now, once, and says what came of it. */
  async test(id: string): Promise<WebhookAttempt> {
    const endpoint = await this.webhooks.signingEndpoint(id);
    const webhook = endpoint?.webhook ?? (await this.webhooks.get(id));
    const body = JSON.stringify(this.webhooks.testBody(id));
    const job: DeliveryJob = {
      webhookId: `msg_test_${Date.now().toString(36)}`,
      endpointId: id,
      type: 'webhook.test',
      body,
      attempts: 0,
    };
    const started = new Date();
    const result = await this.post(webhook.url, endpoint?.secrets ?? [], job, started);
    const attempt = attemptOf(
      job,
      started,
      result,
      result.error === undefined ? 'delivered' : 'failed',
    );
    await this.repository.logAttempt(id, { ...attempt, outcome: `test-${attempt.outcome}` });
    return attempt;
  }

  /**
   * Takes due deliveries endpoint by endpoint, in turn, each up to its free share of the slots: an
   * endpoint whose attempts fill its share is not even asked, so its backlog waits untouched.
   */
  private async look(): Promise<void> {
    if (!this.store.available) {
      return;
    }
    const capacity = this.options.webhooks.concurrency;
    const endpoints = await this.webhooks.enabledIds();
    // With several endpoints, one may hold at most half the slots, so a hanging one cannot hold them all.
    const share =
      endpoints.length > 1 ? Math.max(1, Math.floor(capacity * ENDPOINT_SHARE)) : capacity;
    for (let looked = 0; looked < endpoints.length && !this.stopped; looked += 1) {
      const endpointId = endpoints[(this.nextEndpoint + looked) % endpoints.length];
      const free = Math.min(
        capacity - this.inFlight.size,
        share - (this.perEndpoint.get(endpointId) ?? 0),
      );
      if (capacity - this.inFlight.size <= 0 || !this.store.available) {
        break;
      }
      if (free > 0) {
        const taken = await this.queue.take(endpointId, {
          now: Date.now(),
          horizonMs: 0,
          leaseMs: this.options.webhooks.timeoutMs + LEASE_MARGIN_MS,
          limit: free,
        });
        for (const job of taken) {
          this.start(endpointId, job);
        }
      }
    }
    this.nextEndpoint += 1;
  }

  private start(endpointId: string, taken: TakenJob): void {
    const job = decodeDeliveryJob(taken.body);
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
    const work = (job === null ? this.queue.done(endpointId, taken) : this.deliver(taken, job))
      .catch((error: unknown) => {
        // The lease brings it back: nothing is lost when the store did not answer.
        this.logger.warn(`webhook delivery ${taken.id} not finished: ${String(error)}`);
      })
      .finally(() => {
        this.inFlight.delete(work);
        const left = (this.perEndpoint.get(endpointId) ?? 1) - 1;
        if (left === 0) {
          this.perEndpoint.delete(endpointId);
        } else {
          this.perEndpoint.set(endpointId, left);
        }
        this.wake();
      });
    this.inFlight.add(work);
  }

  private async deliver(taken: TakenJob, job: DeliveryJob): Promise<void> {
    const endpoint = await this.webhooks.signingEndpoint(job.endpointId);
    if (endpoint === null || !endpoint.webhook.enabled) {
      // Deleted or disabled since the event: its deliveries go with it.
      await this.queue.done(job.endpointId, taken);
      this.metrics.webhookDelivered('dropped');
      return;
    }
    const started = new Date();
    const result = await this.post(endpoint.webhook.url, endpoint.secrets, job, started);
    const now = Date.now();
    const attempted: DeliveryJob = {
      ...job,
      attempts: job.attempts + 1,
      firstAttemptAt: job.firstAttemptAt ?? started.getTime(),
    };
    const seconds = result.latencyMs / 1000;
    let outcome: WebhookOutcome;
    let next: number | null = null;
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      outcome = 'delivered';
      await this.queue.done(job.endpointId, taken);
      await this.repository.succeeded(job.endpointId);
    } else if (result.status === 410) {
      outcome = 'gone';
      await this.queue.done(job.endpointId, taken);
      await this.webhooks.disable(job.endpointId, 'gone', 'it answered 410 Gone');
    } else {
      const { retrySchedule, retryWindowMs } = this.options.webhooks;
      const failingSince = await this.repository.failingSince(job.endpointId, now);
      if (now - failingSince >= retryWindowMs) {
        outcome = 'failed';
        await this.queue.done(job.endpointId, taken);
        await this.webhooks.disable(
          job.endpointId,
          'failing',
          `every attempt failed for ${Math.round((now - failingSince) / 1000)} s; last: ${result.error ?? ''}`,
        );
      } else {
        next = nextAttemptAt(
          retrySchedule,
          retryWindowMs,
          attempted.firstAttemptAt ?? now,
          attempted.attempts,
          now,
          Math.random(),
        );
        if (next === null) {
          outcome = 'failed';
          await this.queue.done(job.endpointId, taken);
        } else {
          outcome = 'retrying';
          await this.queue.add(job.endpointId, taken.id, next, encodeDeliveryJob(attempted));
        }
      }
    }
    this.metrics.webhookDelivered(outcome, seconds);
    const attempt = attemptOf(attempted, started, result, outcome);
    await this.repository.logAttempt(
      job.endpointId,
      next === null ? attempt : { ...attempt, nextAttemptAt: new Date(next).toISOString() },
    );
  }

  private post(
    url: string,
    secrets: readonly string[],
    job: DeliveryJob,
    at: Date,
  ): Promise<PostResult> {
    return this.client.post(url, webhookHeaders(secrets, job.webhookId, at, job.body), job.body, {
      timeoutMs: this.options.webhooks.timeoutMs,
      allowPrivate: this.options.webhooks.allowPrivate,
    });
  }
}

function attemptOf(
  job: DeliveryJob,
  at: Date,
  result: PostResult,
  outcome: string,
): WebhookAttempt {
  return {
    webhookId: job.webhookId,
    type: job.type,
    attempt: Math.max(1, job.attempts),
    at: at.toISOString(),
    outcome,
    ...(result.status === undefined ? {} : { status: result.status }),
    latencyMs: result.latencyMs,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}
