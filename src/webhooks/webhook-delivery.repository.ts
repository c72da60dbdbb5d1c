import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { DueJobs, TakenJob, TakeWindow } from '../core/due-jobs';
import { inStore } from '../core/redis-store';

/** What a Redis failure here is reported as. */
const WHAT = 'the webhook delivery queue';

/**
 * Deliveries waiting for their (next) attempt, a due-job store per endpoint (see
 * {@link DueJobs}): `<prefix>whq:{<endpoint id>}{0}` and its `:jobs` hash, one cluster slot per
 * endpoint. Shared by every instance, kept across restarts, each delivery leased to one instance
 * while it posts it and forgotten when it succeeds or fails for good. A queue per endpoint lets the
 * dispatcher leave a busy endpoint's deliveries alone while it serves the others.
 */
@Injectable()
export class WebhookDeliveryRepository {
  private readonly queues = new Map<string, DueJobs>();
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() private readonly redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    this.prefix = `${options.redis.keyPrefix}whq:`;
  }

  /** Keeps a delivery for `endpointId` until `dueAt`; one of the same id is replaced. */
  add(endpointId: string, id: string, dueAt: number, body: string): Promise<void> {
    return this.queue(endpointId).add(id, dueAt, body);
  }

  /** Takes up to `limit` of the endpoint's due deliveries, leased (see {@link DueJobs.take}). */
  take(endpointId: string, window: TakeWindow): Promise<TakenJob[]> {
    return this.queue(endpointId).take(0, window);
  }

  /** Forgets a delivery taken by `take` (unless taken again since). */
  done(endpointId: string, job: TakenJob): Promise<void> {
    return this.queue(endpointId).done(job);
  }

  /** How many deliveries wait for the endpoint, due or not. */
  count(endpointId: string): Promise<number> {
    return this.queue(endpointId).count();
  }

  /** Drops every delivery waiting for the endpoint (deleted, or disabled). */
  async clear(endpointId: string): Promise<void> {
    const key = this.key(endpointId);
    await inStore(WHAT, () => this.redis.del(key, `${key}:jobs`));
  }

  private queue(endpointId: string): DueJobs {
    let queue = this.queues.get(endpointId);
    if (queue === undefined) {
      queue = new DueJobs(this.redis, `${this.prefix}{${endpointId}}`, WHAT, 1);
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  /** The sorted set of the endpoint's queue, as DueJobs names its only shard. */
  private key(endpointId: string): string {
    return `${this.prefix}{${endpointId}}{0}`;
  }
}
