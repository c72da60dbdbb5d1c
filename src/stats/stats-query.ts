import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { onceParameter, quoted, timeParameter } from '../status/message-query';
import { HOUR_MS, HOUR_RETENTION_MS, MINUTE_RETENTION_MS, Resolution, STEP_MS } from './series';

/** What `GET /v1/stats` asks for, checked. */
export interface StatsQuery {
  resolution: Resolution;
  since: number;
  until: number;
  category?: string;
}

const PARAMETERS: readonly string[] = ['resolution', 'since', 'until', 'category'];
/** A category as the send API takes it. */
const CATEGORY = /^[a-z0-9_.-]{1,64}$/;
/** The default range of each resolution: the last hour per minute, the last 14 days per hour. */
export const DEFAULT_RANGE_MS: Record<Resolution, number> = {
  minute: HOUR_MS,
  hour: 14 * 24 * HOUR_MS,
};
/** The longest range of each resolution: what is kept. */
export const MAX_RANGE_MS: Record<Resolution, number> = {
  minute: MINUTE_RETENTION_MS,
  hour: HOUR_RETENTION_MS,
};

function invalid(message: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_REQUEST, message);
}

/**
 * A `GET /v1/stats` query: `resolution` (minute, the default, or hour), `since` and `until`
 * (RFC 3339; default: the last hour, or the last 14 days, up to now) and `category`. The range is
 * rounded out to whole buckets. A bad parameter is a 400 naming it.
 */
export function parseStatsQuery(query: Record<string, unknown>, now: number): StatsQuery {
  for (const name of Object.keys(query)) {
    if (!PARAMETERS.includes(name)) {
      throw invalid(
        `unknown parameter ${quoted(name)}: the parameters are resolution, since, until and category`,
      );
    }
  }
  const given = onceParameter(query, 'resolution') ?? 'minute';
  if (given !== 'minute' && given !== 'hour') {
    throw invalid(`resolution must be "minute" or "hour", not ${quoted(given)}`);
  }
  const resolution: Resolution = given;
  const step = STEP_MS[resolution];
  const untilGiven = timeParameter('until', onceParameter(query, 'until'));
  const sinceGiven = timeParameter('since', onceParameter(query, 'since'));
  // Up to now, the current bucket included.
  const until = untilGiven ?? now - (now % step) + step;
  const since = sinceGiven ?? until - DEFAULT_RANGE_MS[resolution];
  if (since >= until) {
    throw invalid('since must be before until');
  }
  const range = ceilTo(until, step) - floorTo(since, step);
  if (range > MAX_RANGE_MS[resolution]) {
    throw invalid(
      `since to until spans at most ${MAX_RANGE_MS[resolution] / HOUR_MS} hours at resolution ` +
        `${resolution} (what is kept${resolution === 'minute' ? '; use resolution=hour' : ''})`,
    );
  }
  const category = onceParameter(query, 'category');
  if (category !== undefined && !CATEGORY.test(category)) {
    throw invalid(
      `category must be 1-64 of a-z, 0-9, "_", "." and "-", as the send API takes it; not ${quoted(category)}`,
    );
  }
  return {
    resolution,
    since: floorTo(since, step),
    until: ceilTo(until, step),
    ...(category === undefined ? {} : { category }),
  };
}

function floorTo(value: number, step: number): number {
  return value - (((value % step) + step) % step);
}

function ceilTo(value: number, step: number): number {
  const floor = floorTo(value, step);
  return floor === value ? value : floor + step;
}
