import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore } from '../core/redis-store';

/** How many keys the schedule is spread over, so that a Redis Cluster shares the load. */
export const SCHEDULE_SHARDS = 16;

/** A job taken off the schedule: put it on the queue, then call `done` with it. */
export interface TakenJob {
  id: string;
  /** When it is due, Unix ms. */
  dueAt: number;
  /** The serialized job, as it was scheduled. */
  body: string;
  shard: number;
  /** The score this take set; `done` forgets the job only if no one took it since. */
  leaseEnd: number;
}

/** What one take looks at: jobs due before `now + horizonMs`, leased for `leaseMs`. */
export interface TakeWindow {
  now: number;
  horizonMs: number;
  leaseMs: number;
  limit: number;
}

/** The scripts of `./lua`, as `defineScripts` names them; argument order as in each file's header. */
interface ScheduleCommands {
  asesScheduleAdd(
    setKey: string,
    jobsKey: string,
    id: string,
    dueAt: number,
    body: string,
  ): Promise<number>;
  asesScheduleTake(
    setKey: string,
    jobsKey: string,
    horizon: number,
    leaseEnd: number,
    limit: number,
  ): Promise<string[]>;
  asesScheduleDone(setKey: string, jobsKey: string, id: string, leaseEnd: string): Promise<number>;
}

/** What a Redis failure here is reported as. */
const WHAT = 'the send schedule';

/**
 * Messages to send later than SQS can delay (15 minutes): `<prefix>sched:{<shard>}`, a sorted set
 * of ids scored by when each is due (or, while one is being moved to the queue, by when that
 * move's lease ends), and `<prefix>sched:{<shard>}:jobs`, a hash of id → "<due ms>\n<job>". Both
 * keys of a shard share a hash tag, so each script stays in one cluster slot. Jobs do not expire:
 * each is moved to the queue when due (see ScheduleMover) and forgotten once it is there.
 */
@Injectable()
export class ScheduleRepository {
  private readonly redis: AsesRedis & ScheduleCommands;
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & ScheduleCommands;
    this.prefix = `${options.redis.keyPrefix}sched:`;
  }

  /** Keeps a job until it is due. */
  async add(id: string, dueAt: number, body: string): Promise<void> {
    const shard = shardOf(id);
    await inStore(WHAT, () =>
      this.redis.asesScheduleAdd(this.setKey(shard), this.jobsKey(shard), id, dueAt, body),
    );
  }

  /**
   * Takes up to `limit` jobs of one shard due before `now + horizonMs`, leased for `leaseMs`: a
   * leased job is scored `now + leaseMs + horizonMs`, so no take returns it before the lease ends.
   */
  async take(shard: number, window: TakeWindow): Promise<TakenJob[]> {
    const { now, horizonMs, leaseMs, limit } = window;
    const leaseEnd = now + leaseMs + horizonMs;
    const reply = await inStore(WHAT, () =>
      this.redis.asesScheduleTake(
        this.setKey(shard),
        this.jobsKey(shard),
        now + horizonMs,
        leaseEnd,
        limit,
      ),
    );
    const taken: TakenJob[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const value = reply[i + 1];
      const cut = value.indexOf('\n');
      taken.push({
        id: reply[i],
        dueAt: Number(value.slice(0, cut)),
        body: value.slice(cut + 1),
        shard,
        leaseEnd,
      });
    }
    return taken;
  }

  /** Forgets a job taken by `take` that is now on the queue (unless taken again since). */
  async done(job: TakenJob): Promise<void> {
    await inStore(WHAT, () =>
      this.redis.asesScheduleDone(
        this.setKey(job.shard),
        this.jobsKey(job.shard),
        job.id,
        String(job.leaseEnd),
      ),
    );
  }

  /**
   * Forgets a job whatever its state (a cancelled message); resolves to the job it held, or null
   * when it was not scheduled (the caller may have an S3 object to delete).
   */
  async remove(id: string): Promise<string | null> {
    const shard = shardOf(id);
    const value = await inStore(WHAT, () => this.redis.hget(this.jobsKey(shard), id));
    await inStore(WHAT, () =>
      this.redis.asesScheduleDone(this.setKey(shard), this.jobsKey(shard), id, ''),
    );
    return value === null ? null : value.slice(value.indexOf('\n') + 1);
  }

  private setKey(shard: number): string {
    return `${this.prefix}{${shard}}`;
  }

  private jobsKey(shard: number): string {
    return `${this.prefix}{${shard}}:jobs`;
  }
}

/** The shard of a message id. */
export function shardOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt16BE(0) % SCHEDULE_SHARDS;
}
