import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { DECREASE_COOLDOWN_MS, RateState, decreasedState, effectiveRate } from './rate-control';
import { SendBudgetRepository } from './send-budget.repository';

/** How far ahead a send may reserve its slot; a slot further out is asked for again later. */
export const RESERVATION_HORIZON_MS = 1000;
/** How often an instance rereads the shared rate state (another instance may have lowered it). */
const STATE_REFRESH_MS = 250;
/**
 * A send that wakes up later than this after its slot (a busy event loop, a GC pause) gives the
 * slot up and takes a new one: late sends leaving together would crowd one second above the rate.
 * 10 ms late at most keeps any second within 1 % of the rate (plus the network's jitter).
 */
export const LATE_SLOT_TOLERANCE_MS = 10;
/** Slots one send gives up for lateness before it goes anyway: progress under a starved CPU. */
export const MAX_LATE_RETRIES = 3;
/** How long a send waits, when the rate is not known yet (SEND_RATE=auto before GetSendQuota answered). */
const UNKNOWN_RATE_RETRY_MS = 5000;

/** Thrown by {@link SendRateLimiter.acquire} while sending is paused: try again in `leftMs`. */
export class SendPaused extends Error {
  constructor(
    readonly leftMs: number,
    readonly reason: string,
  ) {
    super(`sending is paused for ${Math.ceil(leftMs / 1000)} s: ${reason}`);
    this.name = 'SendPaused';
  }
}

/** `GET /v1/sending`: the ceiling, the rate in force (lower after throttling), the pause. */
export interface SendingState {
  /** SEND_RATE, or SES's MaxSendRate with SEND_RATE=auto (null until read). */
  ceiling: number | null;
  /** The rate sends are drawn at now, mails per second. */
  rate: number | null;
  /** Set while all sending is paused (SES's 24-hour quota used up). */
  paused: { leftMs: number; reason: string } | null;
}

/**
 * The fleet-wide send rate: every instance draws its sends from one schedule in Redis, counting
 * recipients as SES does. The rate is the ceiling (SEND_RATE, or SES's MaxSendRate with
 * SEND_RATE=auto) lowered after SES throttles and climbing back (see rate-control.ts).
 */
@Injectable()
export class SendRateLimiter {
  private readonly logger = new Logger('ases');
  private ceiling: number | null;
  private state: RateState | null = null;
  private stateReadAt = Number.NEGATIVE_INFINITY;
  private stateRead?: Promise<void>;
  private pausedUntil = 0;

  constructor(
    private readonly budget: SendBudgetRepository,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    this.ceiling = options.sendRate === 'auto' ? null : options.sendRate;
  }

  /** The configured or quota-given rate; null until SEND_RATE=auto has read the quota. */
  get ceilingRate(): number | null {
    return this.ceiling;
  }

  /** Sets the ceiling (from SES's MaxSendRate). */
  setCeiling(ratePerSecond: number): void {
    this.ceiling = ratePerSecond;
  }

  /** The rate sends are drawn at now, or null while the ceiling is unknown. */
  async currentRate(): Promise<number | null> {
    if (this.ceiling === null) {
      return null;
    }
    if (performance.now() - this.stateReadAt > STATE_REFRESH_MS) {
      // One read for every send that asks at the same time.
      this.stateRead ??= this.budget
        .state()
        .then((state) => {
          this.state = state;
          this.stateReadAt = performance.now();
        })
        .finally(() => (this.stateRead = undefined));
      await this.stateRead;
    }
    return effectiveRate(this.ceiling, this.state, Date.now());
  }

  /**
   * Resolves when `recipients` more sends fit under the shared rate. Throws {@link SendPaused}
   * while sending is paused, and the signal's AbortError when it is aborted while waiting.
   */
  async acquire(recipients: number, signal?: AbortSignal): Promise<void> {
    for (let late = 0; ;) {
      signal?.throwIfAborted();
      const rate = await this.currentRate();
      if (rate === null) {
        // Pollers hold off receiving meanwhile, as during a pause.
        this.pausedUntil = Date.now() + UNKNOWN_RATE_RETRY_MS;
        throw new SendPaused(
          UNKNOWN_RATE_RETRY_MS,
          'the send quota (GetSendQuota) is not known yet',
        );
      }
      // The slot is at least this late: Redis read its clock after the request left.
      const asked = performance.now();
      const reservation = await this.budget.reserve(rate, recipients, RESERVATION_HORIZON_MS);
      if (reservation.kind === 'paused') {
        this.pausedUntil = Date.now() + reservation.leftMs;
        throw new SendPaused(reservation.leftMs, reservation.reason);
      }
      const waitMs = reservation.kind === 'go' ? reservation.waitMs : reservation.retryInMs;
      const due = asked + waitMs;
      const left = due - performance.now();
      if (left > 0) {
        await sleep(left, undefined, { signal });
      }
      if (reservation.kind === 'go') {
        if (performance.now() - due <= LATE_SLOT_TOLERANCE_MS || late >= MAX_LATE_RETRIES) {
          return;
        }
        late += 1;
      }
    }
  }

  /** Where sending stands for the whole fleet: the rates, and the pause if there is one. */
  async snapshot(): Promise<SendingState> {
    const pause = await this.budget.currentPause();
    if (pause) {
      this.pausedUntil = Date.now() + pause.leftMs;
    }
    const rate = await this.currentRate();
    return {
      ceiling: this.ceiling,
      rate: rate === null ? null : Math.round(rate * 100) / 100,
      paused: pause,
    };
  }

  /** How long sending stays paused, as far as this instance has seen; 0 when it is not. */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - Date.now());
  }

  /** SES said "Maximum sending rate exceeded": lower the shared rate now (once per overload). */
  async slowDown(): Promise<void> {
    if (this.ceiling === null) {
      return;
    }
    const now = Date.now();
    const next = decreasedState(this.ceiling, await this.budget.state(), now);
    if (next !== null && (await this.budget.decrease(next, DECREASE_COOLDOWN_MS))) {
      this.state = next;
      this.stateReadAt = performance.now();
      this.logger.warn(
        `SES throttled a send: rate lowered to ${next.floor.toFixed(1)}/s ` +
          `(ceiling ${this.ceiling}/s); it climbs back gradually`,
      );
    }
  }

  /** Pauses the sending of every instance for `ms`. */
  async pause(ms: number, reason: string): Promise<void> {
    await this.budget.pause(ms, reason);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Ends the pause named `reason`, if it is the current one. */
  async resume(reason: string): Promise<void> {
    if (await this.budget.resume(reason)) {
      this.pausedUntil = 0;
      this.logger.log(`sending resumed (${reason} is over)`);
    }
  }
}
