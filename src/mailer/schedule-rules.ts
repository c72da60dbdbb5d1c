import { kindOf } from './rule-text';

/** How far ahead `sendAt` may be, in days. */
export const MAX_SCHEDULE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

// RFC 3339 date-time (ISO 8601 with seconds and an explicit offset): the zone is required, as a
// time without one would be read in the server's own zone.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant a `sendAt` value names, in Unix milliseconds; null when it is not an RFC 3339
 * date-time with a time zone (`2026-12-24T08:00:00Z`, `2026-12-24T09:00:00.5+01:00`) naming a
 * real date and time (no 31 April, no leap second).
 */
export function sendAtTime(value: string): number | null {
  const match = DATE_TIME.exec(value);
  if (!match) {
    return null;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [sign, offsetHours, offsetMinutes] = [match[7], Number(match[8]), Number(match[9])];
  if (hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  if (sign !== undefined && (offsetHours > 23 || offsetMinutes > 59)) {
    return null;
  }
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // 31 April rolls over to 1 May: a date that does not come back as given is not real.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return null;
  }
  const wall = date.getTime();
  const fraction = /\.(\d{1,3})/.exec(value);
  const millis = fraction ? Number(fraction[1].padEnd(3, '0')) : 0;
  const offset =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return wall + millis - offset * 60_000;
}

/**
 * What is wrong with a `sendAt` value at time `now` (Unix ms), naming the field; null when it is
 * fine. At most {@link MAX_SCHEDULE_DAYS} days ahead; a time already past means "now".
 */
export function sendAtProblem(value: unknown, now: number, field = 'sendAt'): string | null {
  if (typeof value !== 'string') {
    return `${field} must be a string, not ${kindOf(value)}`;
  }
  const at = sendAtTime(value);
  if (at === null) {
    return (
      `${field} must be a date and time with its time zone, such as 2026-12-24T08:00:00Z or ` +
      '2026-12-24T09:00:00+01:00 (RFC 3339)'
    );
  }
  if (at - now > MAX_SCHEDULE_DAYS * DAY_MS) {
    return (
      `${field} must be at most ${MAX_SCHEDULE_DAYS} days ahead, not ` +
      `${new Date(at).toISOString()} (now is ${new Date(now).toISOString()})`
    );
  }
  return null;
}
