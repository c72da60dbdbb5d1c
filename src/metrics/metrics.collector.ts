import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { QueueDepth, QueueDirectory } from '../core/queue-directory';
import type { QueueRole } from '../core/queue-roles';
import { onStoreError } from '../core/redis-store';
import { StoreMonitor } from '../core/store-monitor';
import { SendRateLimiter } from '../mailer/send-rate.limiter';
import { AsesMetrics } from './ases-metrics';
import { CachedReading, within } from './cached-reading';
import { storeLabel } from './metric-labels';

/** Queue depths are read from SQS at most this often, however often Prometheus scrapes. */
export const QUEUE_DEPTH_MAX_AGE_MS = 15_000;
/** How long SQS gets to answer one GetQueueAttributes. */
const QUEUE_DEPTH_TIMEOUT_MS = 5_000;
/** How long a scrape waits for a new queue reading before serving the previous one. */
const QUEUE_DEPTH_WAIT_MS = 1_000;
/** How long a scrape waits for the shared send rate (one Redis read, at most every 250 ms). */
const SEND_RATE_WAIT_MS = 1_000;

/**
 * Connects ases's metrics to what they read at scrape time (the queues' depths, cached; the send
 * rate; the Redis connection) and counts the store's failures.
 */
@Injectable()
export class MetricsCollector implements OnModuleInit, OnModuleDestroy {
  private stopCounting: (() => void) | undefined;
  private readonly depths: CachedReading<ReadonlyMap<QueueRole, QueueDepth>>;

  constructor(
    private readonly metrics: AsesMetrics,
    private readonly queues: QueueDirectory,
    private readonly limiter: SendRateLimiter,
    private readonly store: StoreMonitor,
  ) {
    this.depths = new CachedReading({
      read: () => this.readDepths(),
      maxAgeMs: QUEUE_DEPTH_MAX_AGE_MS,
      waitMs: QUEUE_DEPTH_WAIT_MS,
    });
  }

  onModuleInit(): void {
    this.stopCounting = onStoreError((what) => this.metrics.storeError(storeLabel(what)));
    this.metrics.observe({
      queueDepths: () => this.depths.get(),
      sendRateLimit: () => within(this.limiter.currentRate(), SEND_RATE_WAIT_MS),
      sendRateCeiling: () => this.limiter.ceilingRate,
      sendPaused: () => this.limiter.pausedForMs() > 0,
      storeUp: () => this.store.available,
    });
  }

  onModuleDestroy(): void {
    this.stopCounting?.();
  }

  /** Every configured queue's depth; a queue SQS did not answer for is left out. */
  private async readDepths(): Promise<ReadonlyMap<QueueRole, QueueDepth>> {
    const roles = this.queues.roles;
    const results = await Promise.allSettled(
      roles.map((role) => this.queues.depth(role, QUEUE_DEPTH_TIMEOUT_MS)),
    );
    const depths = new Map<QueueRole, QueueDepth>();
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        depths.set(roles[index], result.value);
      }
    });
    return depths;
  }
}
