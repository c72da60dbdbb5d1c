import { Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { describeStoreError, inStore } from '../core/redis-store';
import {
  addTotals,
  bucketExpiry,
  bucketKey,
  bucketKeys,
  CategoryTotals,
  counterField,
  GAUGE_FIELDS,
  readBucket,
  Resolution,
  SeriesBucket,
  SeriesIncrement,
  windowPlan,
} from './series';

/** What a Redis failure here is reported as. */
const WHAT = 'the time series';

/** A failed count is logged at most this often: under a Redis outage every event fails. */
const LOG_EVERY_MS = 60_000;

/** The scripts of `./lua`, as `defineScripts` names them; argument order as in their headers. */
interface SeriesCommands {
  asesSeriesAdd(
    minuteKey: string,
    hourKey: string,
    minuteExpiry: number,
    hourExpiry: number,
    ...pairs: (string | number)[]
  ): Promise<number>;
  asesSeriesSample(
    minuteKey: string,
    hourKey: string,
    minuteExpiry: number,
    hourExpiry: number,
    depthField: string,
    depth: string,
    rateField: string,
    rate: string,
  ): Promise<number>;
}

/**
 * The fleet-wide time series in Redis: one hash per minute (kept 48 h) and one per hour (kept 15
 * days), `<prefix>ts:{<hour>}` and `<prefix>ts:{<hour>}:<minute>`, with a field per category and
 * counter (`news:d`). Every write adds to both buckets of its time in one script, so the two
 * resolutions agree; every read touches single keys, so buckets may sit in any slots of a cluster.
 * Counting never fails what it counts: a Redis error is logged (at most once a minute) and that
 * count is lost.
 */
@Injectable()
export class SeriesRepository {
  private readonly logger = new Logger('ases');
  private readonly redis: AsesRedis & SeriesCommands;
  private readonly prefix: string;
  private lastLoggedAt = 0;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & SeriesCommands;
    this.prefix = options.redis.keyPrefix;
  }

  /** Adds an event's counts (and its feedback lag) to the buckets of `atMs`. */
  async add(increment: SeriesIncrement, atMs: number): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const counter of increment.counters) {
      pairs.push(counterField(increment.category, counter), 1);
    }
    if (increment.lagMs !== undefined) {
      pairs.push(GAUGE_FIELDS.lagMs, Math.round(increment.lagMs), GAUGE_FIELDS.lagCount, 1);
    }
    await this.write(atMs, pairs);
  }

  /** Adds `recipients` to `sent` of a category: what SES took in one send. */
  async addSent(category: string | undefined, recipients: number, atMs: number): Promise<void> {
    await this.write(atMs, [counterField(category, 'sent'), recipients]);
  }

  /** Records the gauges sampled now (null: not known, not written). */
  async sample(depth: number | null, rate: number | null, atMs: number): Promise<void> {
    const keys = bucketKeys(this.prefix, atMs);
    const expiry = bucketExpiry(atMs);
    try {
      await inStore(WHAT, () =>
        this.redis.asesSeriesSample(
          keys.minute,
          keys.hour,
          expiry.minute,
          expiry.hour,
          GAUGE_FIELDS.queueDepth,
          depth === null ? '' : String(depth),
          GAUGE_FIELDS.sendRateLimit,
          rate === null ? '' : String(rate),
        ),
      );
    } catch (error) {
      this.logFailure('sample', error);
    }
  }

  /**
   * The buckets that start at `starts`, at a resolution (empty ones too). Throws
   * STORE_UNAVAILABLE when Redis does not answer.
   */
  async buckets(resolution: Resolution, starts: number[]): Promise<SeriesBucket[]> {
    const hashes = await inStore(WHAT, () =>
      Promise.all(starts.map((at) => this.redis.hgetall(bucketKey(this.prefix, resolution, at)))),
    );
    return hashes.map((hash, index) => readBucket(starts[index], hash));
  }

  /**
   * Counts by category over `[sinceMs, untilMs)`: minute buckets at the ends where kept, hours
   * between (see {@link windowPlan}). Throws STORE_UNAVAILABLE when Redis does not answer.
   */
  async totals(sinceMs: number, untilMs: number, now = Date.now()): Promise<CategoryTotals> {
    const plan = windowPlan(sinceMs, untilMs, now);
    const hashes = await inStore(WHAT, () =>
      Promise.all(
        plan.map(({ resolution, at }) =>
          this.redis.hgetall(bucketKey(this.prefix, resolution, at)),
        ),
      ),
    );
    const totals: CategoryTotals = {};
    hashes.forEach((hash, index) => addTotals(totals, readBucket(plan[index].at, hash).categories));
    return totals;
  }

  private async write(atMs: number, pairs: (string | number)[]): Promise<void> {
    if (pairs.length === 0) {
      return;
    }
    const keys = bucketKeys(this.prefix, atMs);
    const expiry = bucketExpiry(atMs);
    try {
      await inStore(WHAT, () =>
        this.redis.asesSeriesAdd(keys.minute, keys.hour, expiry.minute, expiry.hour, ...pairs),
      );
    } catch (error) {
      this.logFailure('count', error);
    }
  }

  private logFailure(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < LOG_EVERY_MS) {
      return;
    }
    this.lastLoggedAt = now;
    this.logger.warn(
      `could not ${what} into the time series (this and further failures within a minute are ` +
        `lost from the dashboard and the reputation figures): ${describeStoreError(error)}`,
    );
  }
}
