/** WEBHOOK_RETRY_SCHEDULE's default: seconds before each retry, the last repeated. */
export const DEFAULT_RETRY_SCHEDULE = [5, 30, 120, 600, 1800, 3600, 7200, 14400] as const;
/** How long a delivery is retried, and an endpoint may fail without a success before it is disabled. */
export const DEFAULT_RETRY_WINDOW_SECONDS = 24 * 60 * 60;
/** Each wait is this fraction longer or shorter at random, so that retries do not come in waves. */
const JITTER = 0.2;
const MAX_RETRY_SECONDS = 24 * 60 * 60;
const MAX_STEPS = 50;

/**
 * WEBHOOK_RETRY_SCHEDULE's value as seconds, or a problem: 1 to 50 whole numbers of seconds from 1
 * to 86400, comma-separated.
 */
export function parseRetrySchedule(text: string): number[] | string {
  const steps = text.split(',').map((step) => step.trim());
  if (steps.length > MAX_STEPS || steps.some((step) => !/^\d+$/.test(step))) {
    return `must be 1 to ${MAX_STEPS} whole numbers of seconds, comma-separated (e.g. 5,30,120)`;
  }
  const seconds = steps.map(Number);
  if (seconds.some((value) => value < 1 || value > MAX_RETRY_SECONDS)) {
    return `each wait must be 1 to ${MAX_RETRY_SECONDS} seconds`;
  }
  return seconds;
}

/**
 * Milliseconds to wait before retry number `retry` (1 for the first): that step of the schedule, or
 * its last step once past its end, made up to 20 % shorter or longer by `random` (0 to 1).
 */
export function retryDelayMs(schedule: readonly number[], retry: number, random: number): number {
  const seconds = schedule[Math.min(retry, schedule.length) - 1];
  return Math.round(seconds * 1000 * (1 - JITTER + 2 * JITTER * random));
}

/**
 * When a failed delivery is tried again, or null when it is not: a delivery first tried at
 * `firstAttemptAt` is retried until the retry window has passed.
 */
export function nextAttemptAt(
  schedule: readonly number[],
  windowMs: number,
  firstAttemptAt: number,
  retry: number,
  now: number,
  random: number,
): number | null {
  if (now - firstAttemptAt >= windowMs) {
    return null;
  }
  const at = now + retryDelayMs(schedule, retry, random);
  // The last retry falls at the window's end, not a whole step past it.
  return Math.min(at, firstAttemptAt + windowMs);
}
