import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { inStore } from '../core/redis-store';
import type { RateState } from './rate-control';

/** What a reservation got: go after `waitMs`, sending is paused, or the schedule is full. */
export type Reservation =
  | { kind: 'go'; waitMs: number }
  | { kind: 'paused'; leftMs: number; reason: string }
  | { kind: 'full'; retryInMs: number };

// A GCRA without burst on Redis's own clock, so every instance shares one schedule: each send
// takes the next free slot (never one in the past, so an idle spell earns no burst) and pushes it
// one interval further. A slot more than the horizon ahead is refused, so that no instance holds
// a message long past a rate decrease. A fleet-wide pause wins over everything.
// KEYS: next free slot (µs), pause. ARGV: interval µs, recipients, horizon µs.
const RESERVE = `
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {2, paused, redis.call('GET', KEYS[2]) or ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local ahead = start - now
local horizon = tonumber(ARGV[3])
if ahead > horizon then return {3, math.ceil((ahead - horizon) / 1000), ''} end
local nextFree = start + tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', nextFree), 'PX', math.ceil((nextFree - now) / 1000) + 60000)
return {1, math.floor(ahead), ''}`;

// Records a decrease unless another instance recorded one within the cooldown.
// KEYS: rate state. ARGV: floor, decreasedAt ms, cooldown ms, ttl s.
const DECREASE = `
local last = tonumber(redis.call('HGET', KEYS[1], 'decreasedAt') or '0')
if tonumber(ARGV[2]) - last < tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'floor', ARGV[1], 'decreasedAt', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

// Ends a pause only if it is still the one named (a newer pause for another reason stays).
const RESUME = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Long enough for any climb back to the ceiling to have finished. */
const STATE_TTL_SECONDS = 3600;

interface BudgetCommands {
  asesReserve(
    slotKey: string,
    pauseKey: string,
    intervalUs: number,
    recipients: number,
    horizonUs: number,
  ): Promise<[number, number, string]>;
  asesDecrease(
    stateKey: string,
    floor: number,
    decreasedAt: number,
    cooldownMs: number,
    ttl: number,
  ): Promise<number>;
  asesResume(pauseKey: string, reason: string): Promise<number>;
}

/**
 * The fleet's shared send budget in Redis: `<prefix>rate:slot` (the next free send slot, µs on
 * Redis's clock), `<prefix>rate:state` (the last rate decrease) and `<prefix>rate:pause` (a pause
 * of all sending, with its reason, expiring when it ends).
 */
@Injectable()
export class SendBudgetRepository {
  private readonly redis: Redis & BudgetCommands;
  private readonly prefix: string;

  constructor(@InjectAsesRedis() redis: Redis, @InjectAsesOptions() options: ResolvedAsesOptions) {
    redis.defineCommand('asesReserve', { numberOfKeys: 2, lua: RESERVE });
    redis.defineCommand('asesDecrease', { numberOfKeys: 1, lua: DECREASE });
    redis.defineCommand('asesResume', { numberOfKeys: 1, lua: RESUME });
    this.redis = redis as Redis & BudgetCommands;
    this.prefix = options.redis.keyPrefix;
  }

  /** Reserves the next free slot for `recipients` sends at `ratePerSecond`. */
  async reserve(
    ratePerSecond: number,
    recipients: number,
    horizonMs: number,
  ): Promise<Reservation> {
    const [code, value, reason] = await this.store(() =>
      this.redis.asesReserve(
        this.key('slot'),
        this.key('pause'),
        Math.round(1_000_000 / ratePerSecond),
        recipients,
        horizonMs * 1000,
      ),
    );
    if (code === 2) {
      return { kind: 'paused', leftMs: value, reason };
    }
    return code === 3 ? { kind: 'full', retryInMs: value } : { kind: 'go', waitMs: value / 1000 };
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
      this.redis.asesDecrease(
        this.key('state'),
        state.floor,
        state.decreasedAt,
        cooldownMs,
        STATE_TTL_SECONDS,
      ),
    );
    return done === 1;
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
    return (await this.store(() => this.redis.asesResume(this.key('pause'), reason))) === 1;
  }

  private key(name: 'slot' | 'state' | 'pause'): string {
    return `${this.prefix}rate:${name}`;
  }

  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore('the send budget', work);
  }
}
