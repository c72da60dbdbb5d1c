import { ASES_EVENTS, type AsesMessageEvent } from '../core/ases-events';

/**
 * What the time series count, per category and per minute (then per hour). Status counters
 * count the announced changes (one per recipient a notification names, one per message for a
 * whole-message change such as FAILED); `sent` counts the recipients SES took; opens and clicks
 * count hits, `*_human` those classed human.
 */
export const SERIES_COUNTERS = [
  'sent',
  'delivered',
  'bounced_permanent',
  'bounced_transient',
  'bounced_undetermined',
  'complained',
  'opened',
  'opened_human',
  'clicked',
  'clicked_human',
  'failed',
  'suppressed',
] as const;

export type SeriesCounter = (typeof SERIES_COUNTERS)[number];

/** A count of every counter (0 where nothing happened). */
export type CounterTotals = Record<SeriesCounter, number>;

/** Counts by category: only categories with a count. */
export type CategoryTotals = Record<string, CounterTotals>;

/** The sampled gauges of a bucket, null where nothing was sampled. */
export interface SeriesGauges {
  /** The sendmail queue's depth (waiting, in flight, delayed): the highest sample. */
  queueDepth: number | null;
  /** The send rate in force, per second: the last sample. */
  sendRateLimit: number | null;
  /** Mean seconds from SES's event to its status change, over the bucket's SES events. */
  feedbackLagSeconds: number | null;
}

/** One bucket of the series: its start and what it holds. */
export interface SeriesBucket {
  at: number;
  categories: CategoryTotals;
  gauges: SeriesGauges;
}

/** The category of a message that names none (not written in the field names). */
export const TRANSACTIONAL = 'transactional';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Per-minute buckets are kept this long, per-hour ones {@link HOUR_RETENTION_MS}. */
export const MINUTE_RETENTION_MS = 48 * HOUR_MS;
export const HOUR_RETENTION_MS = 15 * 24 * HOUR_MS;

// Short field codes keep each bucket's hash small (a listpack of short strings).
const CODES: Record<SeriesCounter, string> = {
  sent: 's',
  delivered: 'd',
  bounced_permanent: 'bp',
  bounced_transient: 'bt',
  bounced_undetermined: 'bu',
  complained: 'c',
  opened: 'o',
  opened_human: 'oh',
  clicked: 'k',
  clicked_human: 'kh',
  failed: 'f',
  suppressed: 'x',
};
const COUNTER_OF_CODE = new Map(
  Object.entries(CODES).map(([counter, code]) => [code, counter as SeriesCounter]),
);

/** Gauge fields: `~` cannot start a category name. */
export const GAUGE_FIELDS = {
  queueDepth: '~q',
  sendRateLimit: '~l',
  lagMs: '~lag',
  lagCount: '~n',
} as const;

/** The hash field of a counter of a category (`:d` for transactional, `news:d`). */
export function counterField(category: string | undefined, counter: SeriesCounter): string {
  const name = category === undefined || category === TRANSACTIONAL ? '' : category;
  return `${name}:${CODES[counter]}`;
}

/** A bucket's keys: the hour's hash and its minute's, under one hash tag (one cluster slot). */
export function bucketKeys(prefix: string, atMs: number): { hour: string; minute: string } {
  const hour = Math.floor(atMs / HOUR_MS);
  const minute = Math.floor((atMs % HOUR_MS) / MINUTE_MS);
  const hourKey = `${prefix}ts:{${hour}}`;
  return { hour: hourKey, minute: `${hourKey}:${minute}` };
}

/** The key of the bucket that starts at `atMs`, at a resolution. */
export function bucketKey(prefix: string, resolution: Resolution, atMs: number): string {
  const keys = bucketKeys(prefix, atMs);
  return resolution === 'minute' ? keys.minute : keys.hour;
}

/** When each key of a bucket expires, Unix seconds: its retention after the bucket ends. */
export function bucketExpiry(atMs: number): { hour: number; minute: number } {
  const minuteStart = atMs - (atMs % MINUTE_MS);
  const hourStart = atMs - (atMs % HOUR_MS);
  return {
    minute: Math.ceil((minuteStart + MINUTE_MS + MINUTE_RETENTION_MS) / 1000),
    hour: Math.ceil((hourStart + HOUR_MS + HOUR_RETENTION_MS) / 1000),
  };
}

/** What one announced event adds to the series (nothing for most). */
export interface SeriesIncrement {
  category: string | undefined;
  counters: SeriesCounter[];
  /** Milliseconds from SES's event to now, for an SES event that changed a status. */
  lagMs?: number;
}

const COUNTER_BY_EVENT: Partial<Record<string, SeriesCounter>> = {
  [ASES_EVENTS.delivered]: 'delivered',
  [ASES_EVENTS.complained]: 'complained',
  [ASES_EVENTS.failed]: 'failed',
  [ASES_EVENTS.suppressed]: 'suppressed',
};

/**
 * The counters an in-process event adds to. Each announced change emits each event name at most
 * once (the message's status event, or its recipient's), so counting per name counts each change
 * once. The bounce type is the start of the bounce entry's detail (`Permanent/General: …`).
 */
export function incrementOf(
  name: string,
  payload: AsesMessageEvent,
  now: number,
): SeriesIncrement | null {
  const counters: SeriesCounter[] = [];
  const human = payload.event.hit?.class === 'human';
  if (name === ASES_EVENTS.bounced) {
    counters.push(bounceCounter(payload.event.detail));
  } else if (name === ASES_EVENTS.opened) {
    counters.push('opened', ...(human ? (['opened_human'] as const) : []));
  } else if (name === ASES_EVENTS.clicked) {
    counters.push('clicked', ...(human ? (['clicked_human'] as const) : []));
  } else {
    const counter = COUNTER_BY_EVENT[name];
    if (counter === undefined) {
      return null;
    }
    counters.push(counter);
  }
  const increment: SeriesIncrement = { category: payload.category, counters };
  const feedback =
    name === ASES_EVENTS.delivered ||
    name === ASES_EVENTS.bounced ||
    name === ASES_EVENTS.complained;
  const at = Date.parse(payload.event.at);
  if (feedback && payload.event.source === 'ses' && !Number.isNaN(at)) {
    increment.lagMs = Math.max(0, now - at);
  }
  return increment;
}

function bounceCounter(detail: string | undefined): SeriesCounter {
  const type = (detail ?? '').split('/', 1)[0].toLowerCase();
  return type === 'permanent'
    ? 'bounced_permanent'
    : type === 'transient'
      ? 'bounced_transient'
      : 'bounced_undetermined';
}

/** Zero of every counter. */
export function zeroTotals(): CounterTotals {
  return Object.fromEntries(SERIES_COUNTERS.map((counter) => [counter, 0])) as CounterTotals;
}

/** Reads one bucket's hash (HGETALL) into counts by category and its gauges. */
export function readBucket(at: number, hash: Record<string, string>): SeriesBucket {
  const categories: CategoryTotals = {};
  const number = (field: string): number | null => {
    const value = hash[field];
    return value === undefined || Number.isNaN(Number(value)) ? null : Number(value);
  };
  for (const [field, value] of Object.entries(hash)) {
    const colon = field.lastIndexOf(':');
    const counter = colon < 0 ? undefined : COUNTER_OF_CODE.get(field.slice(colon + 1));
    const count = Number(value);
    if (counter === undefined || field.startsWith('~') || !Number.isFinite(count)) {
      continue;
    }
    const category = field.slice(0, colon) || TRANSACTIONAL;
    (categories[category] ??= zeroTotals())[counter] += count;
  }
  const lagMs = number(GAUGE_FIELDS.lagMs);
  const lagCount = number(GAUGE_FIELDS.lagCount);
  return {
    at,
    categories,
    gauges: {
      queueDepth: number(GAUGE_FIELDS.queueDepth),
      sendRateLimit: number(GAUGE_FIELDS.sendRateLimit),
      feedbackLagSeconds:
        lagMs !== null && lagCount !== null && lagCount > 0 ? lagMs / lagCount / 1000 : null,
    },
  };
}

/** Adds `from`'s counts into `into`. */
export function addTotals(into: CategoryTotals, from: CategoryTotals): CategoryTotals {
  for (const [category, totals] of Object.entries(from)) {
    const sum = (into[category] ??= zeroTotals());
    for (const counter of SERIES_COUNTERS) {
      sum[counter] += totals[counter];
    }
  }
  return into;
}

export type Resolution = 'minute' | 'hour';

export const STEP_MS: Record<Resolution, number> = { minute: MINUTE_MS, hour: HOUR_MS };

/** The starts of the buckets of `[since, until)` at a resolution: each bucket that overlaps. */
export function bucketStarts(resolution: Resolution, since: number, until: number): number[] {
  const step = STEP_MS[resolution];
  const starts: number[] = [];
  for (let at = since - (since % step); at < until; at += step) {
    starts.push(at);
  }
  return starts;
}

/**
 * The buckets to add up for the window `[since, until)`: minute buckets at its ragged ends where
 * they are still kept (48 h), whole hours in between. Where minutes are gone, the window's first
 * hour counts whole: a 7-day window starts at the hour.
 */
export function windowPlan(
  since: number,
  until: number,
  now: number,
): { resolution: Resolution; at: number }[] {
  const plan: { resolution: Resolution; at: number }[] = [];
  const minutesKeptFrom = now - MINUTE_RETENTION_MS;
  const start = since - (since % MINUTE_MS);
  let at = start;
  while (at < until) {
    const hourStart = at - (at % HOUR_MS);
    const hourEnd = hourStart + HOUR_MS;
    if (at === hourStart && hourEnd <= until) {
      plan.push({ resolution: 'hour', at: hourStart });
      at = hourEnd;
    } else if (at < minutesKeptFrom) {
      plan.push({ resolution: 'hour', at: hourStart });
      at = hourEnd;
    } else {
      plan.push({ resolution: 'minute', at });
      at += MINUTE_MS;
    }
  }
  return plan;
}
