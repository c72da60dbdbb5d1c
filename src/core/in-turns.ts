import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets the event loop run what is waiting (other requests, timers, I/O) before going on. A
 * long run of synchronous work (parsing HTML, encoding MIME) that calls this between its steps
 * holds the loop one step at a time, not for the whole run.
 */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}

/**
 * A first-come, first-served limit on how many items are in work at once, shared by whoever
 * holds it: every immediate queued when the loop reaches its check phase runs in that one phase,
 * so it is the number of items in work across all requests, not per request, that bounds how long
 * the loop is held (and how many intermediate results are alive).
 */
export class TurnLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /** `slots`: how many items may be in work at once. */
  constructor(readonly slots: number) {}

  /** Runs `work` once a slot is free, and frees the slot when it settles. */
  async run<R>(work: () => Promise<R>): Promise<R> {
    if (this.running >= this.slots) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      await nextTurn();
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next();
      } else {
        this.running -= 1;
      }
    }
  }
}

/**
 * The process's limiter for CPU-heavy request work (building messages): two items at a time, so
 * that four 500-message batches at once hold the event loop for two items' steps at most.
 */
export const REQUEST_WORK = new TurnLimiter(2);

/**
 * `Promise.all(items.map(work))`, but with the items taking turns under `limiter`: a 500-item
 * request neither holds the event loop for all 500 nor has all 500 intermediate results (parsed
 * HTML, MIME buffers) alive together. Results keep the items' order; a rejection rejects the
 * whole, as with Promise.all.
 */
export async function mapInTurns<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  limiter: TurnLimiter = REQUEST_WORK,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await limiter.run(() => work(items[index], index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limiter.slots, items.length) }, worker));
  return results;
}
