import { MessageStatus } from '../status/message-status';
import type { MessageRecord, TimelineEntry } from './api-types';
import { ExitCode } from './cli-errors';

/** One line of `ases watch`: a new timeline entry, or the message's status changing. */
export type WatchUpdate =
  { kind: 'event'; event: TimelineEntry } | { kind: 'status'; status: string; previous?: string };

/** How a watch ended: the message settled, or the timeout came first. */
export interface WatchOutcome {
  settled: boolean;
  /** The last record read. */
  record: MessageRecord;
}

/** What `watchMessage` needs besides the read: the poll interval, the timeout, and a clock. */
export interface WatchOptions {
  intervalMs: number;
  /** Give up after this long; absent: watch until the message settles. */
  timeoutMs?: number;
  onUpdate: (update: WatchUpdate) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

// Nothing more happens to such a message: it was never sent, or SES refused it for good.
const ENDED: ReadonlySet<string> = new Set([
  MessageStatus.CANCELED,
  MessageStatus.FAILED,
  MessageStatus.SUPPRESSED,
]);
// SES has given its answer; a later complaint (or a bounce after a delivery) is possible but
// not waited for, as it may come days later or never.
const ANSWERED: ReadonlySet<string> = new Set([
  MessageStatus.DELIVERED,
  MessageStatus.BOUNCED,
  MessageStatus.COMPLAINED,
]);
const IN_FLIGHT: ReadonlySet<string> = new Set([
  MessageStatus.UNKNOWN,
  MessageStatus.QUEUED,
  MessageStatus.PUSHED,
  MessageStatus.DELAYED,
]);

/**
 * Whether `watch` stops at this record: the message is CANCELED, FAILED or SUPPRESSED, or it is
 * DELIVERED, BOUNCED or COMPLAINED and none of its recipients is still waiting for SES's answer
 * (the message's status is the highest any recipient reached, so one delivered cc would
 * otherwise end the watch while the `to` is still in flight).
 */
export function isSettled(record: MessageRecord): boolean {
  if (ENDED.has(record.status)) {
    return true;
  }
  return (
    ANSWERED.has(record.status) &&
    (record.recipients ?? []).every((recipient) => !IN_FLIGHT.has(recipient.status))
  );
}

/** `watch`'s exit code: 0 for DELIVERED, NOT_DELIVERED for any other end, TIMEOUT otherwise. */
export function watchExitCode(outcome: WatchOutcome): ExitCode {
  if (!outcome.settled) {
    return ExitCode.TIMEOUT;
  }
  return outcome.record.status === String(MessageStatus.DELIVERED)
    ? ExitCode.OK
    : ExitCode.NOT_DELIVERED;
}

/**
 * Reads the message every `intervalMs` and reports each timeline entry not reported yet and each
 * status change, until it settles (see `isSettled`) or `timeoutMs` passes. The first read reports
 * the timeline so far. Errors of `read` end the watch (the caller maps them to exit codes).
 */
export async function watchMessage(
  read: () => Promise<MessageRecord>,
  options: WatchOptions,
): Promise<WatchOutcome> {
  const deadline = options.timeoutMs === undefined ? undefined : options.now() + options.timeoutMs;
  const seen = new Map<string, number>();
  let status: string | undefined;
  for (;;) {
    const record = await read();
    for (const event of unseen(record.events ?? [], seen)) {
      options.onUpdate({ kind: 'event', event });
    }
    if (record.status !== status) {
      options.onUpdate({ kind: 'status', status: record.status, previous: status });
      status = record.status;
    }
    if (isSettled(record)) {
      return { settled: true, record };
    }
    const left = deadline === undefined ? options.intervalMs : deadline - options.now();
    if (left <= 0) {
      return { settled: false, record };
    }
    await options.sleep(Math.min(options.intervalMs, left));
  }
}

// The timeline keeps the latest 50 entries, so positions shift once it is full: entries are
// known by their content, counting repeats (two identical opens in the same millisecond).
function unseen(events: TimelineEntry[], seen: Map<string, number>): TimelineEntry[] {
  const counts = new Map<string, number>();
  const fresh: TimelineEntry[] = [];
  for (const event of events) {
    const key = JSON.stringify([event.type, event.at, event.recipient, event.detail]);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > (seen.get(key) ?? 0)) {
      seen.set(key, count);
      fresh.push(event);
    }
  }
  return fresh;
}
