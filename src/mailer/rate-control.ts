/**
 * How the shared send rate reacts to SES: a throttling answer lowers it at once by a factor, and
 * it climbs back linearly towards the ceiling (AIMD, as TCP does). Pure, so the rules are tested
 * apart from Redis; the state itself lives in Redis, shared by every instance.
 */

/** A throttled send multiplies the current rate by this. */
export const RATE_DECREASE_FACTOR = 0.75;
/** Share of the ceiling the rate regains per second after a decrease. */
export const RATE_CLIMB_PER_SECOND = 0.02;
/** Throttling answers within this long of a decrease are the same overload: one decrease only. */
export const DECREASE_COOLDOWN_MS = 1000;
/** The rate never goes below this share of the ceiling (nor below 1 mail/s). */
export const MIN_RATE_SHARE = 0.05;

/** The rate set by the last decrease, and when (ms since the epoch). */
export interface RateState {
  floor: number;
  decreasedAt: number;
}

/** The lowest rate a decrease can reach under `ceiling`. */
export function minimumRate(ceiling: number): number {
  return Math.min(ceiling, Math.max(1, ceiling * MIN_RATE_SHARE));
}

/** The rate to send at now: the ceiling, or the last decrease plus what it has regained since. */
export function effectiveRate(ceiling: number, state: RateState | null, now: number): number {
  if (state === null) {
    return ceiling;
  }
  const climbed =
    state.floor + ceiling * RATE_CLIMB_PER_SECOND * ((now - state.decreasedAt) / 1000);
  return Math.max(minimumRate(ceiling), Math.min(ceiling, climbed));
}

/**
 * The state after SES said "Maximum sending rate exceeded" at `now`, or null when a decrease
 * happened within the cooldown (the answers of sends made before it are not news).
 */
export function decreasedState(
  ceiling: number,
  state: RateState | null,
  now: number,
): RateState | null {
  if (state !== null && now - state.decreasedAt < DECREASE_COOLDOWN_MS) {
    return null;
  }
  const floor = Math.max(
    minimumRate(ceiling),
    effectiveRate(ceiling, state, now) * RATE_DECREASE_FACTOR,
  );
  return { floor, decreasedAt: now };
}
