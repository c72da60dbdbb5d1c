import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { DueJobs } from '../core/due-jobs';

/**
 * Deliveries waiting for their (next) attempt, one per event and endpoint, in the due-job store
 * `<prefix>whq:{<shard>}` (see {@link DueJobs}): shared by every instance, kept across restarts,
 * each leased to one instance while it posts it. A delivery is forgotten when it succeeds, or
 * fails for good.
 */
@Injectable()
export class WebhookDeliveryRepository extends DueJobs {
  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    super(redis, `${options.redis.keyPrefix}whq:`, 'the webhook delivery queue');
  }
}
