import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AsesRedis } from './ases-redis';
import { defineScripts } from './lua-scripts';
import { inStore } from './redis-store';

/** How many keys a due-job store is spread over, so that a Redis Cluster shares the load. */
export const DUE_JOB_SHARDS = 16;

/** A job taken off a due-job store: do it, then call `done` with it (or `add` it again, later). */
export interface TakenJob {
  id: string;
  /** When it was due, Unix ms. */
  dueAt: number;
  /** The serialized job, as it was added. */
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
interface DueJobCommands {
  asesDueJobAdd(
    setKey: string,
    jobsKey: string,
    id: string,
    dueAt: number,
    body: string,
  ): Promise<number>;
  asesDueJobTake(
    setKey: string,
    jobsKey: string,
    horizon: number,
    leaseEnd: number,
    limit: number,
  ): Promise<string[]>;
  asesDueJobDone(setKey: string, jobsKey: string, id: string, leaseEnd: string): Promise<number>;
}

/**
 * Jobs to do at a time, shared by every instance and kept across restarts, as BullMQ keeps its
 * delayed jobs: `<prefix>{<shard>}`, a sorted set of ids scored by when each is due (or, while one
 * is being done, by when that lease ends), and `<prefix>{<shard>}:jobs`, a hash of id →
 * "<due ms>\n<job>". Both keys of a shard share a hash tag, so each script stays in one cluster
 * slot. An instance that dies holding a job leaves it to be taken again when the lease ends: every
 * job is done at least once. The send schedule and the webhook deliveries are two such stores.
 */
export class DueJobs {
  private readonly redis: AsesRedis & DueJobCommands;

  /**
   * @param prefix the keys' prefix, e.g. `ases:sched:`
   * @param what what a Redis failure is reported as, e.g. `the send schedule`
   * @param shards how many sorted sets the jobs are spread over
   */
  constructor(
    redis: AsesRedis,
    private readonly prefix: string,
    private readonly what: string,
    private readonly shards = DUE_JOB_SHARDS,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & DueJobCommands;
  }

  /** Keeps a job until it is due; a job of the same id is replaced. */
  async add(id: string, dueAt: number, body: string): Promise<void> {
    const shard = this.shardOf(id);
    await inStore(this.what, () =>
      this.redis.asesDueJobAdd(this.setKey(shard), this.jobsKey(shard), id, dueAt, body),
    );
  }

  /**
   * Takes up to `limit` jobs of one shard due before `now + horizonMs`, leased for `leaseMs`: a
   * leased job is scored `now + leaseMs + horizonMs`, so no take returns it before the lease ends.
   */
  async take(shard: number, window: TakeWindow): Promise<TakenJob[]> {
    const { now, horizonMs, leaseMs, limit } = window;
    const leaseEnd = now + leaseMs + horizonMs;
    const reply = await inStore(this.what, () =>
      this.redis.asesDueJobTake(
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

  /** Forgets a job taken by `take` that is done (unless taken again since). */
  async done(job: TakenJob): Promise<void> {
    await inStore(this.what, () =>
      this.redis.asesDueJobDone(
        this.setKey(job.shard),
        this.jobsKey(job.shard),
        job.id,
        String(job.leaseEnd),
      ),
    );
  }

  /**
   * Forgets a job whatever its state; resolves to the job it held, or null when there was none.
   */
  async remove(id: string): Promise<string | null> {
    const shard = this.shardOf(id);
    const value = await inStore(this.what, () => this.redis.hget(this.jobsKey(shard), id));
    await inStore(this.what, () =>
      this.redis.asesDueJobDone(this.setKey(shard), this.jobsKey(shard), id, ''),
    );
    return value === null ? null : value.slice(value.indexOf('\n') + 1);
  }

  /** How many jobs wait, due or not, in all shards. */
  async count(): Promise<number> {
    let total = 0;
    for (let shard = 0; shard < this.shards; shard += 1) {
      total += await inStore(this.what, () => this.redis.zcard(this.setKey(shard)));
    }
    return total;
  }

  private shardOf(id: string): number {
    return shardOf(id) % this.shards;
  }

  private setKey(shard: number): string {
    return `${this.prefix}{${shard}}`;
  }

  private jobsKey(shard: number): string {
    return `${this.prefix}{${shard}}:jobs`;
  }
}

/** The shard of a job id. */
export function shardOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt16BE(0) % DUE_JOB_SHARDS;
}
