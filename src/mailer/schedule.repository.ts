import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { DueJobs } from '../core/due-jobs';

export { DUE_JOB_SHARDS as SCHEDULE_SHARDS, shardOf } from '../core/due-jobs';
export type { TakenJob, TakeWindow } from '../core/due-jobs';

/**
 * Messages to send later than SQS can delay (15 minutes), in the due-job store
 * `<prefix>sched:{<shard>}` (see {@link DueJobs}). Jobs do not expire: each is moved to the queue
 * when due (see ScheduleMover) and forgotten once it is there.
 */
@Injectable()
export class ScheduleRepository extends DueJobs {
  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    super(redis, `${options.redis.keyPrefix}sched:`, 'the send schedule');
  }
}
