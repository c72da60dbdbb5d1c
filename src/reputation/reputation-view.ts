import {
  Figures,
  figuresOf,
  GuardStatus,
  GuardThresholds,
  ReputationCategoryTotals,
  ReputationState,
  ResumedBy,
  SES_THRESHOLDS,
  totalFigures,
} from './reputation-rules';

/** `GET /v1/reputation`'s body, and the `data` of the `reputation.*` webhooks. */
export interface ReputationView {
  state: ReputationState;
  /** When this state began, ISO 8601; null while the guard never changed state. */
  since: string | null;
  /** Why the state is what it is, e.g. `bounce rate 6.2 % over 24h ≥ guard 4 %`; null when healthy. */
  reason: string | null;
  /** How the last pause ended, once one did. */
  resumedBy?: ResumedBy;
  /** While paused: which mail is held back. */
  pausedCategories?: 'non-transactional';
  thresholds: GuardThresholds & { ses: typeof SES_THRESHOLDS };
  /** Every category together. */
  windows: { '24h': Figures; '7d': Figures };
  /** Each category seen in the last 7 days. */
  categories: Record<string, { '24h': Figures; '7d': Figures }>;
}

/** The view of a state and the counts of the two windows. */
export function reputationView(
  status: GuardStatus,
  day: ReputationCategoryTotals,
  week: ReputationCategoryTotals,
  thresholds: GuardThresholds,
): ReputationView {
  const categories: ReputationView['categories'] = {};
  for (const name of [...new Set([...Object.keys(week), ...Object.keys(day)])].sort()) {
    categories[name] = {
      '24h': figuresOf(day[name] ? [day[name]] : []),
      '7d': figuresOf(week[name] ? [week[name]] : []),
    };
  }
  return {
    state: status.state,
    since: status.sinceMs > 0 ? new Date(status.sinceMs).toISOString() : null,
    reason: status.reason,
    ...(status.resumedBy === undefined ? {} : { resumedBy: status.resumedBy }),
    ...(status.state === 'paused' ? { pausedCategories: 'non-transactional' as const } : {}),
    thresholds: {
      minVolume: thresholds.minVolume,
      warning: { ...thresholds.warning },
      guard: { ...thresholds.guard },
      ses: SES_THRESHOLDS,
    },
    windows: { '24h': totalFigures(day), '7d': totalFigures(week) },
    categories,
  };
}
