import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
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
  MINUTE_MS,
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
/** Counts are added up in memory this long, then written: one script per minute bucket. */
export const FLUSH_EVERY_MS = 1_000;

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
 * Counting never fails what it counts: counts are added up in memory and written once a second
 * (and at shutdown), so 500 sends a second cost one script a second, not 500; a Redis error is
 * logged (at most once a minute) and those counts are lost, as are the last second's of a process
 * that is killed.
 */
@Injectable()
export class SeriesRepository implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ases');
  private readonly redis: AsesRedis & SeriesCommands;
  private readonly prefix: string;
  private lastLoggedAt = 0;
  /** Counts not written yet: by minute bucket start, then by field. */
  private pending = new Map<number, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & SeriesCommands;
    this.prefix = options.redis.keyPrefix;
  }

  /** Adds an event's counts (and its feedback lag) to the buckets of `atMs` (written within 1 s). */
  add(increment: SeriesIncrement, atMs: number): void {
    for (const counter of increment.counters) {
      this.count(atMs, counterField(increment.category, counter), 1);
    }
    if (increment.lagMs !== undefined) {
      this.count(atMs, GAUGE_FIELDS.lagMs, Math.round(increment.lagMs));
      this.count(atMs, GAUGE_FIELDS.lagCount, 1);
    }
  }

  /** Adds `recipients` to `sent` of a category: what SES took in one send (written within 1 s). */
  addSent(category: string | undefined, recipients: number, atMs: number): void {
    this.count(atMs, counterField(category, 'sent'), recipients);
  }

  /** Writes the counts added so far; what Redis does not take is logged and dropped. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...pending].map(([minute, fields]) =>
        this.write(
          minute,
          [...fields].flatMap(([field, count]) => [field, count]),
        ),
      ),
    );
  }

  /** The last counts are written before the Redis connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
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

  private count(atMs: number, field: string, by: number): void {
    const minute = atMs - (atMs % MINUTE_MS);
    let fields = this.pending.get(minute);
    if (fields === undefined) {
      fields = new Map();
      this.pending.set(minute, fields);
    }
    fields.set(field, (fields.get(field) ?? 0) + by);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  private async write(atMs: number, pairs: (string | number)[]): Promise<void> {
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
