import type { ResolvedAsesOptions } from '../core/ases-options';
import type { RateState } from './rate-control';
import { Reservation, SendBudgetRepository } from './send-budget.repository';
import { MAX_LATE_RETRIES, SendPaused, SendRateLimiter } from './send-rate.limiter';

/** The budget port, answering from a script; `delayMs` holds an answer back (a slow event loop). */
class ScriptedBudget {
  readonly reserved: number[] = [];
  state: RateState | null = null;

  constructor(private readonly answers: Array<Reservation & { delayMs?: number }>) {}

  async reserve(rate: number): Promise<Reservation> {
    this.reserved.push(rate);
    const answer = this.answers.shift() ?? { kind: 'go', waitMs: 0 };
    if (answer.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    }
    return answer;
  }

  stateOf(): Promise<RateState | null> {
    return Promise.resolve(this.state);
  }
}

function limiter(budget: ScriptedBudget, sendRate: number | 'auto' = 100): SendRateLimiter {
  const port = {
    reserve: (rate: number) => budget.reserve(rate),
    state: () => budget.stateOf(),
    decrease: () => Promise.resolve(true),
  } as unknown as SendBudgetRepository;
  return new SendRateLimiter(port, { sendRate } as ResolvedAsesOptions);
}

describe('SendRateLimiter.acquire', () => {
  it('goes when its slot comes', async () => {
    const budget = new ScriptedBudget([{ kind: 'go', waitMs: 5 }]);
    await limiter(budget).acquire(1);
    // A loaded machine may wake it more than the tolerance late: it then takes another slot
    // (tested below), so only the first reservation is certain.
    expect(budget.reserved[0]).toBe(100);
  });

  it('asks again when the schedule is full', async () => {
    const budget = new ScriptedBudget([
      { kind: 'full', retryInMs: 1 },
      { kind: 'go', waitMs: 0 },
    ]);
    await limiter(budget).acquire(1);
    expect(budget.reserved).toHaveLength(2);
  });

  it('gives up a slot it reached too late, and takes a new one', async () => {
    const budget = new ScriptedBudget([{ kind: 'go', waitMs: 0, delayMs: 30 }]);
    await limiter(budget).acquire(1);
    expect(budget.reserved).toHaveLength(2);
  });

  it('goes anyway after a few late slots, so a starved process still sends', async () => {
    const late = { kind: 'go' as const, waitMs: 0, delayMs: 30 };
    const budget = new ScriptedBudget(Array.from({ length: 10 }, () => ({ ...late })));
    await limiter(budget).acquire(1);
    expect(budget.reserved).toHaveLength(MAX_LATE_RETRIES + 1);
  });

  it('throws SendPaused while sending is paused, and remembers for how long', async () => {
    const budget = new ScriptedBudget([{ kind: 'paused', leftMs: 60_000, reason: 'quota' }]);
    const subject = limiter(budget);
    await expect(subject.acquire(1)).rejects.toBeInstanceOf(SendPaused);
    expect(subject.pausedForMs()).toBeGreaterThan(59_000);
  });

  it('draws at the lowered rate after SES throttled', async () => {
    const budget = new ScriptedBudget([]);
    budget.state = { floor: 40, decreasedAt: Date.now() };
    await limiter(budget).acquire(1);
    expect(budget.reserved[0]).toBeGreaterThanOrEqual(40);
    expect(budget.reserved[0]).toBeLessThan(50);
  });

  it('does not send before SEND_RATE=auto knows the rate', async () => {
    const budget = new ScriptedBudget([]);
    await expect(limiter(budget, 'auto').acquire(1)).rejects.toThrow('not known yet');
    expect(budget.reserved).toEqual([]);
  });

  it('stops waiting when aborted', async () => {
    const budget = new ScriptedBudget([{ kind: 'go', waitMs: 60_000 }]);
    const stop = new AbortController();
    const waiting = limiter(budget).acquire(1, stop.signal);
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
