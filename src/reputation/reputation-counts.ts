import type { ReputationCategoryTotals } from './reputation-rules';

/**
 * Where the guard reads its counts: the fleet's time series (`SeriesRepository`, whose
 * `CategoryTotals` fit `ReputationCategoryTotals`). A port of the guard's own, so that its tests
 * can give it fixed numbers.
 */
export interface ReputationCounts {
  /** Counters per category of the recipient events from `sinceMs` to `untilMs`. */
  totals(sinceMs: number, untilMs: number): Promise<ReputationCategoryTotals>;
}

/** The token of the guard's {@link ReputationCounts}. */
export const REPUTATION_COUNTS = Symbol('ases:reputation-counts');
