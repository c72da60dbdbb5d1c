/** What the SES stub answered to one send. */
export type SendOutcome = 'ok' | 'throttled' | 'failed';

/** One send as the SES stub saw it. */
export interface SendRecord {
  /** Arrival time, absolute ms (see {@link clock}). */
  at: number;
  /** The message's Subject header, which the bench sets to the message id. */
  id: string;
  /** The `app/<x>` part of the caller's User-Agent (AWS_SDK_UA_APP_ID), `''` when absent. */
  agent: string;
  action: 'SendRawEmail' | 'SendEmail';
  outcome: SendOutcome;
  /** False when the caller's socket closed before the answer was written. */
  answered: boolean;
}

/**
 * Absolute time in ms with sub-ms resolution. Monotonic within one process, unlike Date.now(),
 * so NTP steps during a run cannot bend the rates.
 */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

/** The most timestamps that fall in any window [t, t + windowMs) starting at one of them. */
export function maxWindowCount(
  sortedTimes: readonly number[],
  windowMs = 1000,
): { count: number; startAt: number | null } {
  let best = 0;
  let startAt: number | null = null;
  let end = 0;
  for (let start = 0; start < sortedTimes.length; start += 1) {
    const limit = sortedTimes[start] + windowMs;
    while (end < sortedTimes.length && sortedTimes[end] < limit) {
      end += 1;
    }
    if (end - start > best) {
      best = end - start;
      startAt = sortedTimes[start];
    }
  }
  return { count: best, startAt };
}

/** Nearest-rank percentile (p in 0..100) of the values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** Events per second between the first and the last timestamp; null below two events. */
export function ratePerSecond(sortedTimes: readonly number[]): number | null {
  if (sortedTimes.length < 2) {
    return null;
  }
  const spanMs = sortedTimes[sortedTimes.length - 1] - sortedTimes[0];
  return spanMs > 0 ? sortedTimes.length / (spanMs / 1000) : null;
}

/** Events per second of the timestamps inside [from, to). */
export function rateBetween(
  sortedTimes: readonly number[],
  from: number,
  to: number,
): number | null {
  if (to <= from) {
    return null;
  }
  const count = sortedTimes.filter((time) => time >= from && time < to).length;
  return count / ((to - from) / 1000);
}

/** Sorted arrival times of the sends that match. */
export function arrivals(
  sends: readonly SendRecord[],
  match: (send: SendRecord) => boolean = () => true,
): number[] {
  return sends
    .filter(match)
    .map((send) => send.at)
    .sort((a, b) => a - b);
}

/** How many ids SES accepted more than once. */
export function duplicateIds(sends: readonly SendRecord[]): number {
  const okCount = new Map<string, number>();
  for (const send of sends) {
    if (send.outcome === 'ok') {
      okCount.set(send.id, (okCount.get(send.id) ?? 0) + 1);
    }
  }
  let duplicates = 0;
  for (const count of okCount.values()) {
    if (count > 1) {
      duplicates += 1;
    }
  }
  return duplicates;
}

/** Accepted sends per second of each agent, over that agent's own first-to-last span. */
export function okRateByAgent(sends: readonly SendRecord[]): Record<string, number | null> {
  const agents = [...new Set(sends.map((send) => send.agent))].sort();
  const rates: Record<string, number | null> = {};
  for (const agent of agents) {
    rates[agent || '(none)'] = ratePerSecond(
      arrivals(sends, (send) => send.agent === agent && send.outcome === 'ok'),
    );
  }
  return rates;
}

/** Where the throttling settled, as found by {@link settlePoint}. */
export interface SettlePoint {
  /** Start of the first calm span, absolute ms. */
  at: number;
  /** Seconds from the first send to that span. */
  afterSeconds: number;
}

/**
 * The first span of `spanMs` (tried every `stepMs` from the first send, ending by `until`) in
 * which throttled sends are fewer than `maxThrottledShare` of all sends in it. Null when no such
 * span exists: the limiter never settled.
 */
export function settlePoint(
  sends: readonly SendRecord[],
  until: number,
  spanMs = 5000,
  stepMs = 1000,
  maxThrottledShare = 0.01,
): SettlePoint | null {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  if (sorted.length === 0) {
    return null;
  }
  const first = sorted[0].at;
  for (let start = first; start + spanMs <= until; start += stepMs) {
    const inSpan = sorted.filter((send) => send.at >= start && send.at < start + spanMs);
    const throttled = inSpan.filter((send) => send.outcome === 'throttled').length;
    if (inSpan.length > 0 && throttled < maxThrottledShare * inSpan.length) {
      return { at: start, afterSeconds: (start - first) / 1000 };
    }
  }
  return null;
}
