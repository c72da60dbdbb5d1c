import type { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import { MINUTE_MS } from './record-location';

/**
 * The rules of stale messages, pure (docs/decisions.md, "Stale messages"): which messages are
 * stale, from when, which minutes a sweep takes on, and the order of the listing.
 */

/** Why a message is stale: still QUEUED far longer than the send rate allows, or still PUSHED. */
export type StaleReason = 'queued' | 'pushed';

/** Both reasons, in listing order for equal times. */
export const STALE_REASONS: readonly StaleReason[] = ['queued', 'pushed'];

/** The statuses a message of each reason is in while it is stale. */
export const STALE_STATUSES: Readonly<Record<StaleReason, readonly MessageStatus[]>> = {
  queued: [MessageStatus.QUEUED],
  // DELAYED: SES reported a delivery delay and is still trying; nothing final either.
  pushed: [MessageStatus.PUSHED, MessageStatus.DELAYED],
};

/** How many times the sendmail backlog's sending time a QUEUED message may wait. */
export const BACKLOG_FACTOR = 3;

/** Why a listed message is stale, and since when (ISO 8601). */
export interface StaleInfo {
  reason: StaleReason;
  /** When it was queued (or queued again by a retry), or pushed. */
  since: string;
  /** When it was found past its threshold: the listing's order, newest first. */
  staleAt: string;
}

/** A listed message as the listing orders it. */
export interface StaleEntry {
  reason: StaleReason;
  id: string;
  /** When it turned stale, ms. */
  staleAt: number;
}

/** What the sweep reads of a record (`lua/stale-peek-1.lua`), times in Unix ms. */
export interface PeekedRecord {
  status: MessageStatus;
  queuedAt: number;
  pushedAt?: number;
  /** The latest retry by request (full records only: lean ones keep no timeline). */
  retriedAt?: number;
  /** When it is to be sent (a message sent with `sendAt`). */
  scheduledFor?: number;
  tags: Record<string, string>;
}

/** What the QUEUED threshold is made of. */
export interface QueuedAllowanceInput {
  /** `staleQueuedMinutes` in ms. */
  floorMs: number;
  /** Messages in the sendmail queue (visible, in flight and delayed). */
  backlog: number;
  /** The fleet's send rate in force, mails per second; null while unknown. */
  ratePerSecond: number | null;
  /** How long sending stays paused (the daily quota), ms. */
  pausedMs: number;
}

/**
 * How long a message may stay QUEUED before it is stale: `staleQueuedMinutes`, or, when the
 * backlog takes longer to send at the rate in force, 3 times that (plus a pause), whichever is
 * longer. A message waiting its turn behind a big campaign is not stale.
 */
export function queuedAllowanceMs(input: QueuedAllowanceInput): number {
  const { floorMs, backlog, ratePerSecond, pausedMs } = input;
  const drainMs =
    ratePerSecond !== null && ratePerSecond > 0 ? (backlog / ratePerSecond) * 1000 : 0;
  return Math.round(Math.max(floorMs, BACKLOG_FACTOR * drainMs + Math.max(0, pausedMs)));
}

/** The minutes one sweep takes on: `from` to `to`, both included (none when `from > to`). */
export interface MinuteRange {
  from: number;
  to: number;
}

/**
 * The newest minute whose whole span is older than `thresholdMs` at `now` (minutes are counted
 * from the epoch, `floor(ms / 60 000)`).
 */
export function lastDueMinute(now: number, thresholdMs: number): number {
  return Math.floor((now - thresholdMs) / MINUTE_MS) - 1;
}

/**
 * The minutes a sweep takes on after `cursor` (the last minute swept): those that are due, at
 * most `max` of them (the catch-up of a tick is bounded). Without a cursor (first start, or a
 * flushed Redis) the sweep starts at the newest due minute: messages older than that are not
 * looked at.
 */
export function minutesToSweep(
  cursor: number | undefined,
  now: number,
  thresholdMs: number,
  max: number,
): MinuteRange {
  const due = lastDueMinute(now, thresholdMs);
  const from = cursor === undefined ? due : cursor + 1;
  return { from, to: Math.min(due, from + max - 1) };
}

/**
 * When a QUEUED message turned stale: `allowanceMs` after the latest of its queue time, the time
 * it is scheduled for, its latest retry and the minute it was noted in (`notedAtMs`, a retry of a
 * lean record). Null when that is still ahead of `now` (so a message scheduled for later is not
 * stale). CANCELED messages are never stale.
 */
export function queuedStaleness(
  record: PeekedRecord,
  notedAtMs: number,
  allowanceMs: number,
  now: number,
): { since: number; staleAt: number } | null {
  if (record.status !== MessageStatus.QUEUED) {
    return null;
  }
  const since = Math.max(
    record.queuedAt,
    record.scheduledFor ?? 0,
    record.retriedAt ?? 0,
    notedAtMs,
  );
  const staleAt = since + allowanceMs;
  return staleAt <= now ? { since, staleAt } : null;
}

/**
 * When a PUSHED or DELAYED message turned stale: `afterMs` after its push. Null when that is
 * still ahead of `now` (a message pushed again later turns stale from that push).
 */
export function pushedStaleness(
  record: PeekedRecord,
  afterMs: number,
  now: number,
): { since: number; staleAt: number } | null {
  if (!STALE_STATUSES.pushed.includes(record.status) || record.pushedAt === undefined) {
    return null;
  }
  const staleAt = record.pushedAt + afterMs;
  return staleAt <= now ? { since: record.pushedAt, staleAt } : null;
}

/**
 * Why a listed message is still stale, from its current record; null when it moved on (a
 * Delivery, Bounce, Reject, a send...) or its record is gone: the listing then drops it.
 */
export function staleInfoOf(record: MessageRecord | null, entry: StaleEntry): StaleInfo | null {
  if (record === null || !STALE_STATUSES[entry.reason].includes(record.status)) {
    return null;
  }
  let since: string | undefined;
  if (entry.reason === 'pushed') {
    since = record.pushedAt;
  } else {
    const retried = record.events?.filter((event) => event.type === 'retried').at(-1)?.at;
    // ISO 8601 times of one form compare as strings.
    since = [record.queuedAt, record.scheduledFor, retried].reduce<string>(
      (latest, time) => (time !== undefined && time > latest ? time : latest),
      record.queuedAt,
    );
  }
  return since === undefined
    ? null
    : { reason: entry.reason, since, staleAt: new Date(entry.staleAt).toISOString() };
}

const REASON_RANK: Readonly<Record<StaleReason, number>> = { queued: 1, pushed: 0 };

/**
 * The listing's order: newest stale first; at equal times queued before pushed, then by id
 * descending (Redis's own order of equal scores in a reversed range).
 */
export function compareStaleEntries(a: StaleEntry, b: StaleEntry): number {
  if (a.staleAt !== b.staleAt) {
    return b.staleAt - a.staleAt;
  }
  if (a.reason !== b.reason) {
    return REASON_RANK[b.reason] - REASON_RANK[a.reason];
  }
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

/** The opaque `nextCursor` of a listing page ending at `entry`. */
export function encodeStaleCursor(entry: StaleEntry): string {
  return Buffer.from(`${entry.staleAt}:${entry.reason}:${entry.id}`).toString('base64url');
}

/** The entry a `nextCursor` ends at; null when it is not one this listing gave. */
export function decodeStaleCursor(cursor: string): StaleEntry | null {
  const match = /^(\d{1,16}):(queued|pushed):(.+)$/.exec(
    Buffer.from(cursor, 'base64url').toString(),
  );
  if (match === null) {
    return null;
  }
  return { staleAt: Number(match[1]), reason: match[2] as StaleReason, id: match[3] };
}

/** A listed stale message: its record, and why it is stale. */
export type StaleMessage = MessageRecord & { stale: StaleInfo };

/** One page of stale messages, newest first. */
export interface StalePage {
  messages: StaleMessage[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** How many messages are listed as stale, by reason. */
export interface StaleCounts {
  queued: number;
  pushed: number;
}

/** The stale sweep's cursors: the last minute swept of each kind, and how far each listing was checked. */
export type SweepCursorName = 'queued' | 'pushed' | 'check:queued' | 'check:pushed';
