import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';

/** A reservation: how long to wait for it, and where the schedule stands after it. */
export interface SlotReservation {
  waitMs: number;
  nextFreeAt: number;
}

/**
 * Reserves `count` sends on an evenly spaced schedule (a GCRA without burst): the first free slot
 * is never in the past, so an idle period earns no burst, and each send pushes the next slot one
 * interval further.
 */
export function reserveSlot(
  nextFreeAt: number,
  now: number,
  intervalMs: number,
  count: number,
): SlotReservation {
  const start = Math.max(nextFreeAt, now);
  return { waitMs: start - now, nextFreeAt: start + intervalMs * count };
}

/**
 * Spaces this process's sends to `sendRate` per second, counting recipients as SES does.
 * Per process only: several processes add up (a later issue moves the budget into Redis).
 */
@Injectable()
export class SendRateLimiter {
  private readonly intervalMs: number;
  private nextFreeAt = 0;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.intervalMs = 1000 / options.sendRate;
  }

  /** Resolves when `recipients` more sends fit under the rate. */
  async acquire(recipients = 1): Promise<void> {
    const slot = reserveSlot(this.nextFreeAt, performance.now(), this.intervalMs, recipients);
    this.nextFreeAt = slot.nextFreeAt;
    if (slot.waitMs > 0) {
      await sleep(slot.waitMs);
    }
  }
}
