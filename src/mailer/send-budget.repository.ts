import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore, storeUnavailable } from '../core/redis-store';
import type { RateState } from './rate-control';

/** What a reservation got: go after `waitMs`, sending is paused, or the schedule is full. */
export type Reservation =
  | { kind: 'go'; waitMs: number }
  | { kind: 'paused'; leftMs: number; reason: string }
  | { kind: 'full'; retryInMs: number };

/** What a Redis failure here is reported as. */
const WHAT = 'the send budget';

/** `budget-reserve-2.lua`: go, after the returned wait (µs). */
const RESERVE_GO = 1;
/** `budget-reserve-2.lua`: sending is paused; the returned value is the pause's ms left. */
const RESERVE_PAUSED = 2;
/** `budget-reserve-2.lua`: the schedule is full up to the horizon; retry after the returned ms. */
const RESERVE_FULL = 3;
/** `budget-decrease-1.lua` and `budget-resume-1.lua`: the write was done. */
const DONE = 1;

/** Long enough for any climb back to the ceiling to have finished. */
const STATE_TTL_SECONDS = 3600;

/** The hash tag of every budget key: the scripts and the MULTI read stay in one cluster slot. */
const BUDGET_TAG = '{budget}';

/** The scripts of `./lua`, as `defineScripts` names them; argument order as in each file's header. */
interface BudgetCommands {
  asesBudgetReserve(
    slotKey: string,
    pauseKey: string,
    intervalUs: number,
    recipients: number,
    horizonUs: number,
  ): Promise<[number, number, string]>;
  asesBudgetDecrease(
    stateKey: string,
    floor: number,
    decreasedAt: number,
    cooldownMs: number,
    ttl: number,
  ): Promise<number>;
  asesBudgetResume(pauseKey: string, reason: string): Promise<number>;
}

/**
 * The fleet's shared send budget in Redis, three keys under one hash tag (one cluster slot):
 * `<prefix>rate:{budget}:slot` (the next free send slot, µs on Redis's clock, expiring a minute
 * after it is reached), `<prefix>rate:{budget}:state` (the last rate decrease, expiring after an
 * hour) and `<prefix>rate:{budget}:pause` (a pause of all sending, with its reason, expiring when
 * it ends).
 */
@Injectable()
export class SendBudgetRepository {
  private readonly redis: AsesRedis & BudgetCommands;
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & BudgetCommands;
    this.prefix = options.redis.keyPrefix;
  }

  /** Reserves the next free slot for `recipients` sends at `ratePerSecond`. */
  async reserve(
    ratePerSecond: number,
    recipients: number,
    horizonMs: number,
  ): Promise<Reservation> {
    const [code, value, reason] = await this.store(() =>
      this.redis.asesBudgetReserve(
        this.key('slot'),
        this.key('pause'),
        Math.round(1_000_000 / ratePerSecond),
        recipients,
        horizonMs * 1000,
      ),
    );
    switch (code) {
      case RESERVE_GO:
        return { kind: 'go', waitMs: value / 1000 };
      case RESERVE_PAUSED:
        return { kind: 'paused', leftMs: value, reason };
      case RESERVE_FULL:
        return { kind: 'full', retryInMs: value };
      default:
        throw storeUnavailable(WHAT, `budget-reserve-2.lua returned code ${code}`);
    }
  }

  /** The last decrease, or null when there was none lately. */
  async state(): Promise<RateState | null> {
    const hash = await this.store(() => this.redis.hgetall(this.key('state')));
    const floor = Number(hash.floor);
    const decreasedAt = Number(hash.decreasedAt);
    return Number.isFinite(floor) && floor > 0 && Number.isFinite(decreasedAt)
      ? { floor, decreasedAt }
      : null;
  }

  /** Records a decrease; false when another instance recorded one within `cooldownMs`. */
  async decrease(state: RateState, cooldownMs: number): Promise<boolean> {
    const done = await this.store(() =>
      this.redis.asesBudgetDecrease(
        this.key('state'),
        state.floor,
        state.decreasedAt,
        cooldownMs,
        STATE_TTL_SECONDS,
      ),
    );
    return done === DONE;
  }

  /** Pauses all sending of every instance for `ms`, saying why. */
  async pause(ms: number, reason: string): Promise<void> {
    await this.store(() => this.redis.set(this.key('pause'), reason, 'PX', Math.max(1, ms)));
  }

  /** The current pause, if any: how long it has left and why. */
  async currentPause(): Promise<{ leftMs: number; reason: string } | null> {
    const [left, reason] = await this.store(async () => {
      const replies =
        (await this.redis.multi().pttl(this.key('pause')).get(this.key('pause')).exec()) ?? [];
      return [replies[0]?.[1], replies[1]?.[1]] as [number | undefined, string | null | undefined];
    });
    return typeof left === 'number' && left > 0 ? { leftMs: left, reason: reason ?? '' } : null;
  }

  /** Ends the pause named `reason`, if it is the current one. */
  async resume(reason: string): Promise<boolean> {
    return (
      (await this.store(() => this.redis.asesBudgetResume(this.key('pause'), reason))) === DONE
    );
  }

  private key(name: 'slot' | 'state' | 'pause'): string {
    return `${this.prefix}rate:${BUDGET_TAG}:${name}`;
  }

  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore(WHAT, work);
  }
}
