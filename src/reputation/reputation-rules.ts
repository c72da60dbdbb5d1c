/** The guard's states: sending as usual, warned, or non-transactional categories held back. */
export type ReputationState = 'healthy' | 'warning' | 'paused';

/** How the last pause ended: `POST /v1/reputation/resume`, or the rate fell under the warning level. */
export type ResumedBy = 'hand' | 'rate';

/** The category that is never paused (mail that names none is transactional). */
export const TRANSACTIONAL_CATEGORY = 'transactional';

/** The windows the rates are computed over. */
export const REPUTATION_WINDOWS = { '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 } as const;
/** A window's name. */
export type ReputationWindow = keyof typeof REPUTATION_WINDOWS;

/**
 * The per-recipient counters the guard reads (a subset of the time series' `CounterTotals`, so
 * those fit here as they are).
 */
export interface ReputationCounters {
  sent: number;
  delivered: number;
  bounced_permanent: number;
  bounced_transient: number;
  bounced_undetermined: number;
  complained: number;
}

/** Counters per category, as the time series' `totals(since, until)` gives them. */
export type ReputationCategoryTotals = Record<string, ReputationCounters>;

/** One window's numbers, as `GET /v1/reputation` shows them; rates are fractions (0.025 = 2.5 %). */
export interface Figures {
  sent: number;
  delivered: number;
  /** Every bounce, whatever its type. */
  bounced: number;
  /** The hard (Permanent) bounces, which the bounce rate counts, as SES's does. */
  bouncedPermanent: number;
  complained: number;
  /** delivered + bounced: the sends SES had a final word on. */
  volume: number;
  /** bouncedPermanent ÷ volume; null when volume is 0. */
  bounceRate: number | null;
  /** complained ÷ volume; null when volume is 0. */
  complaintRate: number | null;
}

/** A pair of rate limits, fractions. */
export interface RateLimits {
  bounceRate: number;
  complaintRate: number;
}

/** The guard's thresholds, as `GET /v1/reputation` shows them. */
export interface GuardThresholds {
  /** Least volume a window needs before it can warn or pause. */
  minVolume: number;
  warning: RateLimits;
  guard: RateLimits;
}

/** SES's own lines: an account is reviewed at `review`, and may be paused at `pause`. */
export const SES_THRESHOLDS = {
  review: { bounceRate: 0.05, complaintRate: 0.001 },
  pause: { bounceRate: 0.1, complaintRate: 0.005 },
} as const;

/** The guard's state as it is kept (in Redis, shared by the fleet). */
export interface GuardStatus {
  state: ReputationState;
  /** When this state began, Unix ms. */
  sinceMs: number;
  reason: string | null;
  /** How the last pause ended, once one did. */
  resumedBy?: ResumedBy;
  /** When it was last resumed by hand, Unix ms: the pause rule counts only sends after it. */
  handResumedAtMs?: number;
  /**
   * The counts from the start of the time series' bucket of `handResumedAtMs` up to the resume:
   * the series counts its first bucket whole, so these are taken off to leave the sends since.
   */
  handResumeBaseline?: ReputationCounters;
}

/** The state before anything was ever recorded. */
export const INITIAL_STATUS: GuardStatus = { state: 'healthy', sinceMs: 0, reason: null };

/** The figures of some counters: all categories added up, or one. */
export function figuresOf(counters: readonly ReputationCounters[]): Figures {
  const sum = (pick: (c: ReputationCounters) => number): number =>
    counters.reduce((total, c) => total + (pick(c) || 0), 0);
  const sent = sum((c) => c.sent);
  const delivered = sum((c) => c.delivered);
  const bouncedPermanent = sum((c) => c.bounced_permanent);
  const bounced =
    bouncedPermanent + sum((c) => c.bounced_transient) + sum((c) => c.bounced_undetermined);
  const complained = sum((c) => c.complained);
  const volume = delivered + bounced;
  return {
    sent,
    delivered,
    bounced,
    bouncedPermanent,
    complained,
    volume,
    bounceRate: volume === 0 ? null : bouncedPermanent / volume,
    complaintRate: volume === 0 ? null : complained / volume,
  };
}

const COUNTER_NAMES: readonly (keyof ReputationCounters)[] = [
  'sent',
  'delivered',
  'bounced_permanent',
  'bounced_transient',
  'bounced_undetermined',
  'complained',
];

/** Every category's counters added up. */
export function sumCounters(totals: ReputationCategoryTotals): ReputationCounters {
  const sum = Object.fromEntries(
    COUNTER_NAMES.map((name) => [name, 0]),
  ) as unknown as ReputationCounters;
  for (const counters of Object.values(totals)) {
    for (const name of COUNTER_NAMES) {
      sum[name] += counters[name] || 0;
    }
  }
  return sum;
}

/** `counters` less `baseline`, each at least 0 (what was counted after the baseline was taken). */
export function countersAfter(
  counters: ReputationCounters,
  baseline: ReputationCounters | undefined,
): ReputationCounters {
  const after = { ...counters };
  for (const name of COUNTER_NAMES) {
    after[name] = Math.max(0, counters[name] - (baseline?.[name] ?? 0));
  }
  return after;
}

/** Counters as stored (JSON), or undefined when malformed. */
export function parseCounters(text: string | undefined): ReputationCounters | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    return COUNTER_NAMES.every((name) => typeof value[name] === 'number')
      ? (Object.fromEntries(
          COUNTER_NAMES.map((name) => [name, value[name]]),
        ) as unknown as ReputationCounters)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The figures of every category together. */
export function totalFigures(totals: ReputationCategoryTotals): Figures {
  return figuresOf(Object.values(totals));
}

/** Which limit a window's figures reach, if any (only with at least `minVolume` behind them). */
export function crossing(
  figures: Figures,
  limits: RateLimits,
  minVolume: number,
): { kind: 'bounce' | 'complaint'; rate: number; limit: number } | null {
  if (figures.volume < minVolume) {
    return null;
  }
  if (figures.bounceRate !== null && figures.bounceRate >= limits.bounceRate) {
    return { kind: 'bounce', rate: figures.bounceRate, limit: limits.bounceRate };
  }
  if (figures.complaintRate !== null && figures.complaintRate >= limits.complaintRate) {
    return { kind: 'complaint', rate: figures.complaintRate, limit: limits.complaintRate };
  }
  return null;
}

/** A rate as a person reads it: `6.2 %`, `0.08 %`. */
export function percent(rate: number): string {
  const value = rate * 100;
  const digits = value >= 1 ? 1 : value >= 0.1 ? 2 : 3;
  return `${Number(value.toFixed(digits))} %`;
}

function describe(
  found: NonNullable<ReturnType<typeof crossing>>,
  window: string,
  level: string,
): string {
  return `${found.kind} rate ${percent(found.rate)} over ${window} ≥ ${level} ${percent(found.limit)}`;
}

/** What the guard reads at each evaluation. */
export interface Observed {
  '24h': Figures;
  '7d': Figures;
  /**
   * The sends since the last resume by hand, when that was less than 24 h ago: the pause rule
   * reads them instead of the 24 h window, so a resume is not undone at once by the same numbers.
   */
  sinceHandResume?: Figures;
}

/** The state the figures call for, from `current`, and why; `resumedBy` when a pause ends. */
export interface Decision {
  state: ReputationState;
  reason: string | null;
  resumedBy?: ResumedBy;
}

/**
 * The state the figures call for:
 * - **paused** when the 24 h window (or, within 24 h of a resume by hand, the sends since it)
 *   reaches a guard rate with at least `minVolume` behind it. Only the 24 h window pauses, so
 *   that a pause can end by itself within a day once the bad sends age out.
 * - a pause ends (`resumedBy: 'rate'`) once that window is under both warning rates (or under
 *   `minVolume`, when it can no longer tell); it stays paused while it is between the warning and
 *   the guard rates.
 * - **warning** when either window (24 h or 7 d) reaches a warning rate with `minVolume` behind it.
 * - **healthy** otherwise.
 */
export function decide(
  current: ReputationState,
  observed: Observed,
  thresholds: GuardThresholds,
): Decision {
  const { minVolume } = thresholds;
  const pauseWindow = observed.sinceHandResume ?? observed['24h'];
  const pauseWindowName = observed.sinceHandResume === undefined ? '24h' : 'the sends since resume';
  const guardCrossed = crossing(pauseWindow, thresholds.guard, minVolume);
  if (guardCrossed !== null) {
    return { state: 'paused', reason: describe(guardCrossed, pauseWindowName, 'guard') };
  }
  if (current === 'paused') {
    const stillHigh = crossing(pauseWindow, thresholds.warning, minVolume);
    if (stillHigh !== null) {
      return {
        state: 'paused',
        reason: `${describe(stillHigh, pauseWindowName, 'warning')}: paused until under the warning level`,
      };
    }
  }
  const resumedBy: ResumedBy | undefined = current === 'paused' ? 'rate' : undefined;
  for (const window of ['24h', '7d'] as const) {
    const warned = crossing(observed[window], thresholds.warning, minVolume);
    if (warned !== null) {
      return { state: 'warning', reason: describe(warned, window, 'warning'), resumedBy };
    }
  }
  return { state: 'healthy', reason: null, resumedBy };
}

/** The state a resume by hand leads to: warning while a window is still over a warning rate. */
export function afterHandResume(observed: Observed, thresholds: GuardThresholds): Decision {
  for (const window of ['24h', '7d'] as const) {
    const warned = crossing(observed[window], thresholds.warning, thresholds.minVolume);
    if (warned !== null) {
      return {
        state: 'warning',
        reason: `resumed by hand; ${describe(warned, window, 'warning')}`,
        resumedBy: 'hand',
      };
    }
  }
  return { state: 'healthy', reason: null, resumedBy: 'hand' };
}

/** The event a change of state is announced as (none when the state stays). */
export type ReputationTransition = 'warning' | 'paused' | 'resumed';

/**
 * The event of going from `from` to `to`: `paused` on entering a pause, `warning` on entering a
 * warning from healthy, `resumed` on leaving a pause (whatever the new state) or going back to
 * healthy from a warning; null when the state stays.
 */
export function transitionOf(
  from: ReputationState,
  to: ReputationState,
): ReputationTransition | null {
  if (from === to) {
    return null;
  }
  if (to === 'paused') {
    return 'paused';
  }
  if (from === 'paused' || to === 'healthy') {
    return 'resumed';
  }
  return 'warning';
}

/** Whether mail of `category` (undefined: transactional) is held back in `state`. */
export function holdsBack(state: ReputationState, category: string | undefined): boolean {
  return state === 'paused' && (category ?? TRANSACTIONAL_CATEGORY) !== TRANSACTIONAL_CATEGORY;
}

/** The number of a state in the `ases_reputation_state` gauge. */
export const STATE_GAUGE: Readonly<Record<ReputationState, number>> = {
  healthy: 0,
  warning: 1,
  paused: 2,
};
