import {
  addTotals,
  CategoryTotals,
  CounterTotals,
  Resolution,
  SERIES_COUNTERS,
  SeriesBucket,
  SeriesCounter,
  STEP_MS,
  zeroTotals,
} from './series';

/** The counts of a point or of a range, as the API names them. */
export interface StatsCounts {
  sent: number;
  delivered: number;
  /** Every bounce: permanent, transient and undetermined. */
  bounced: number;
  bouncedPermanent: number;
  bouncedTransient: number;
  bouncedUndetermined: number;
  complained: number;
  opened: number;
  openedHuman: number;
  clicked: number;
  clickedHuman: number;
  failed: number;
  suppressed: number;
}

/** One bucket of `GET /v1/stats`. */
export interface StatsPoint extends StatsCounts {
  /** The bucket's start, ISO 8601. */
  at: string;
  /** The sendmail queue's depth: the highest sample in the bucket; null when none was taken. */
  queueDepth: number | null;
  /** The send rate in force, per second (the last sample); null when none was taken. */
  sendRateLimit: number | null;
  /** Mean seconds from an SES event to its status change; null when there was none. */
  feedbackLagSeconds: number | null;
}

/** The answer of `GET /v1/stats`. */
export interface StatsResponse {
  resolution: Resolution;
  stepSeconds: number;
  since: string;
  until: string;
  /** The category asked for, or null: all. */
  category: string | null;
  /** The categories with any count in the range. */
  categories: string[];
  points: StatsPoint[];
  /** Sums over the points. */
  totals: StatsCounts;
}

const API_NAMES: Record<SeriesCounter, keyof StatsCounts> = {
  sent: 'sent',
  delivered: 'delivered',
  bounced_permanent: 'bouncedPermanent',
  bounced_transient: 'bouncedTransient',
  bounced_undetermined: 'bouncedUndetermined',
  complained: 'complained',
  opened: 'opened',
  opened_human: 'openedHuman',
  clicked: 'clicked',
  clicked_human: 'clickedHuman',
  failed: 'failed',
  suppressed: 'suppressed',
};

/** The counts of one category, or of all added up (`category` undefined). */
export function countsOf(categories: CategoryTotals, category?: string): StatsCounts {
  const sum = zeroTotals();
  for (const [name, totals] of Object.entries(categories)) {
    if (category === undefined || name === category) {
      for (const counter of SERIES_COUNTERS) {
        sum[counter] += totals[counter];
      }
    }
  }
  return apiCounts(sum);
}

/** Counter totals under their API names, with `bounced` the sum of the three types. */
export function apiCounts(totals: CounterTotals): StatsCounts {
  const counts = {} as StatsCounts;
  for (const counter of SERIES_COUNTERS) {
    counts[API_NAMES[counter]] = totals[counter];
  }
  counts.bounced = counts.bouncedPermanent + counts.bouncedTransient + counts.bouncedUndetermined;
  return counts;
}

/** The answer for `buckets` (oldest first) of a range, for one category or all. */
export function statsResponse(
  resolution: Resolution,
  since: number,
  until: number,
  buckets: SeriesBucket[],
  category?: string,
): StatsResponse {
  const all: CategoryTotals = {};
  const points = buckets.map((bucket): StatsPoint => {
    addTotals(all, bucket.categories);
    return {
      at: new Date(bucket.at).toISOString(),
      ...countsOf(bucket.categories, category),
      ...bucket.gauges,
    };
  });
  return {
    resolution,
    stepSeconds: STEP_MS[resolution] / 1000,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    category: category ?? null,
    categories: Object.keys(all).sort(),
    points,
    totals: countsOf(all, category),
  };
}
