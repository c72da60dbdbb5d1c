import type { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import {
  compareStaleEntries,
  decodeStaleCursor,
  encodeStaleCursor,
  lastDueMinute,
  minutesToSweep,
  PeekedRecord,
  pushedStaleness,
  queuedAllowanceMs,
  queuedStaleness,
  StaleEntry,
  staleInfoOf,
} from './stale-rules';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 30);

const peeked = (overrides: Partial<PeekedRecord> = {}): PeekedRecord => ({
  status: MessageStatus.QUEUED,
  queuedAt: NOW - 2 * HOUR,
  tags: {},
  ...overrides,
});

describe('queuedAllowanceMs', () => {
  it('is STALE_QUEUED_MINUTES while the backlog sends quickly', () => {
    // 6 000 messages at 100/s: a minute to send, three minutes allowed: under the floor.
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 6000, ratePerSecond: 100, pausedMs: 0 }),
    ).toBe(HOUR);
    expect(queuedAllowanceMs({ floorMs: HOUR, backlog: 0, ratePerSecond: 100, pausedMs: 0 })).toBe(
      HOUR,
    );
  });

  it('is three times the backlog at the rate in force when that is longer', () => {
    // 360 000 messages at 100/s: an hour to send, three hours allowed.
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 360_000, ratePerSecond: 100, pausedMs: 0 }),
    ).toBe(3 * HOUR);
    // The same backlog at a throttled 50/s takes twice as long.
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 360_000, ratePerSecond: 50, pausedMs: 0 }),
    ).toBe(6 * HOUR);
  });

  it('adds a pause of all sending (daily quota) to the backlog', () => {
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 360_000, ratePerSecond: 100, pausedMs: HOUR }),
    ).toBe(4 * HOUR);
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 0, ratePerSecond: 100, pausedMs: 2 * HOUR }),
    ).toBe(2 * HOUR);
  });

  it('keeps to the floor while the rate is unknown (SEND_RATE=auto before GetSendQuota)', () => {
    expect(
      queuedAllowanceMs({ floorMs: HOUR, backlog: 1e9, ratePerSecond: null, pausedMs: 0 }),
    ).toBe(HOUR);
    expect(queuedAllowanceMs({ floorMs: HOUR, backlog: 1e9, ratePerSecond: 0, pausedMs: 0 })).toBe(
      HOUR,
    );
  });
});

describe('minutesToSweep', () => {
  const minuteOf = (ms: number) => Math.floor(ms / MINUTE);

  it('takes on the minutes whose whole span passed the threshold, after the cursor', () => {
    // At 12:00:30 with a one-hour threshold, 10:59 is the newest minute wholly before 11:00:30.
    const due = minuteOf(Date.UTC(2026, 11, 1, 10, 59));
    expect(lastDueMinute(NOW, HOUR)).toBe(due);
    expect(minutesToSweep(due - 5, NOW, HOUR, 30)).toEqual({ from: due - 4, to: due });
  });

  it('bounds the catch-up of one sweep', () => {
    const due = lastDueMinute(NOW, HOUR);
    expect(minutesToSweep(due - 100, NOW, HOUR, 30)).toEqual({ from: due - 99, to: due - 70 });
  });

  it('has nothing to do when the cursor is at the newest due minute, or past it', () => {
    const due = lastDueMinute(NOW, HOUR);
    const none = minutesToSweep(due, NOW, HOUR, 30);
    expect(none.from).toBeGreaterThan(none.to);
    // The threshold grew (a backlog): the cursor waits for time to catch up with it.
    const waiting = minutesToSweep(due, NOW, 3 * HOUR, 30);
    expect(waiting.from).toBeGreaterThan(waiting.to);
  });

  it('starts at the newest due minute without a cursor (first start, flushed Redis)', () => {
    const due = lastDueMinute(NOW, 24 * HOUR);
    expect(minutesToSweep(undefined, NOW, 24 * HOUR, 30)).toEqual({ from: due, to: due });
  });
});

describe('queuedStaleness', () => {
  it('is stale the threshold after the queue time', () => {
    const record = peeked({ queuedAt: NOW - 2 * HOUR });
    expect(queuedStaleness(record, NOW - 2 * HOUR, HOUR, NOW)).toEqual({
      since: NOW - 2 * HOUR,
      staleAt: NOW - HOUR,
    });
    expect(queuedStaleness(record, NOW - 2 * HOUR, 3 * HOUR, NOW)).toBeNull();
  });

  it('counts from the latest retry, or from the minute a lean record was noted again', () => {
    const retried = peeked({ queuedAt: NOW - 5 * HOUR, retriedAt: NOW - 30 * MINUTE });
    expect(queuedStaleness(retried, NOW - 5 * HOUR, HOUR, NOW)).toBeNull();
    const lean = peeked({ queuedAt: NOW - 5 * HOUR });
    expect(queuedStaleness(lean, NOW - 90 * MINUTE, HOUR, NOW)).toEqual({
      since: NOW - 90 * MINUTE,
      staleAt: NOW - 30 * MINUTE,
    });
  });

  it('counts a scheduled message from the time it is scheduled for', () => {
    const later = peeked({ scheduledFor: NOW + HOUR });
    expect(queuedStaleness(later, NOW - 2 * HOUR, HOUR, NOW)).toBeNull();
    const due = peeked({ scheduledFor: NOW - 90 * MINUTE });
    expect(queuedStaleness(due, NOW - 2 * HOUR, HOUR, NOW)).toEqual({
      since: NOW - 90 * MINUTE,
      staleAt: NOW - 30 * MINUTE,
    });
  });

  it('is never stale once it left QUEUED', () => {
    for (const status of [
      MessageStatus.CANCELED,
      MessageStatus.PUSHED,
      MessageStatus.FAILED,
      MessageStatus.DELIVERED,
    ]) {
      expect(queuedStaleness(peeked({ status }), NOW - 2 * HOUR, HOUR, NOW)).toBeNull();
    }
  });
});

describe('pushedStaleness', () => {
  it('is stale STALE_AFTER_HOURS after the push, PUSHED or DELAYED', () => {
    for (const status of [MessageStatus.PUSHED, MessageStatus.DELAYED]) {
      const record = peeked({ status, pushedAt: NOW - 25 * HOUR });
      expect(pushedStaleness(record, 24 * HOUR, NOW)).toEqual({
        since: NOW - 25 * HOUR,
        staleAt: NOW - HOUR,
      });
    }
  });

  it('is not stale before, nor with a final status, nor without a push time', () => {
    expect(
      pushedStaleness(
        peeked({ status: MessageStatus.PUSHED, pushedAt: NOW - 23 * HOUR }),
        24 * HOUR,
        NOW,
      ),
    ).toBeNull();
    for (const status of [
      MessageStatus.QUEUED,
      MessageStatus.FAILED,
      MessageStatus.DELIVERED,
      MessageStatus.BOUNCED,
      MessageStatus.COMPLAINED,
    ]) {
      expect(pushedStaleness(peeked({ status, pushedAt: NOW - 48 * HOUR }), HOUR, NOW)).toBeNull();
    }
    expect(pushedStaleness(peeked({ status: MessageStatus.PUSHED }), HOUR, NOW)).toBeNull();
  });
});

describe('staleInfoOf', () => {
  const record = (overrides: Partial<MessageRecord>): MessageRecord => ({
    id: 'm1',
    status: MessageStatus.QUEUED,
    from: 'a@example.com',
    to: 'b@example.com',
    subject: 's',
    queuedAt: '2026-12-01T08:00:00.000Z',
    ...overrides,
  });
  const entry = (reason: 'queued' | 'pushed'): StaleEntry => ({
    reason,
    id: 'm1',
    staleAt: Date.UTC(2026, 11, 1, 9),
  });

  it('says why and since when a message is still stale', () => {
    expect(staleInfoOf(record({}), entry('queued'))).toEqual({
      reason: 'queued',
      since: '2026-12-01T08:00:00.000Z',
      staleAt: '2026-12-01T09:00:00.000Z',
    });
    const pushed = record({ status: MessageStatus.DELAYED, pushedAt: '2026-11-30T08:00:00.000Z' });
    expect(staleInfoOf(pushed, entry('pushed'))).toEqual({
      reason: 'pushed',
      since: '2026-11-30T08:00:00.000Z',
      staleAt: '2026-12-01T09:00:00.000Z',
    });
  });

  it('counts a queued message from its latest retry', () => {
    const retried = record({
      events: [
        { type: 'queued', at: '2026-12-01T08:00:00.000Z' },
        { type: 'failed', at: '2026-12-01T08:05:00.000Z' },
        { type: 'retried', at: '2026-12-01T08:10:00.000Z' },
      ],
    });
    expect(staleInfoOf(retried, entry('queued'))?.since).toBe('2026-12-01T08:10:00.000Z');
  });

  it('counts a scheduled message from the time it is scheduled for', () => {
    const scheduled = record({ scheduledFor: '2026-12-01T08:20:00.000Z' });
    expect(staleInfoOf(scheduled, entry('queued'))?.since).toBe('2026-12-01T08:20:00.000Z');
  });

  it('is null once the message moved on, or when its record is gone', () => {
    expect(staleInfoOf(null, entry('queued'))).toBeNull();
    expect(staleInfoOf(record({ status: MessageStatus.CANCELED }), entry('queued'))).toBeNull();
    expect(staleInfoOf(record({ status: MessageStatus.PUSHED }), entry('queued'))).toBeNull();
    expect(
      staleInfoOf(
        record({ status: MessageStatus.DELIVERED, pushedAt: '2026-11-30T08:00:00.000Z' }),
        entry('pushed'),
      ),
    ).toBeNull();
  });
});

describe('the listing order and its cursor', () => {
  const e = (staleAt: number, reason: 'queued' | 'pushed', id: string): StaleEntry => ({
    staleAt,
    reason,
    id,
  });

  it('puts the newest first, then queued before pushed, then ids descending', () => {
    const entries = [
      e(1, 'queued', 'a'),
      e(2, 'pushed', 'a'),
      e(2, 'queued', 'a'),
      e(2, 'queued', 'b'),
      e(3, 'pushed', 'z'),
    ];
    expect([...entries].sort(compareStaleEntries)).toEqual([
      e(3, 'pushed', 'z'),
      e(2, 'queued', 'b'),
      e(2, 'queued', 'a'),
      e(2, 'pushed', 'a'),
      e(1, 'queued', 'a'),
    ]);
  });

  it('hands the last entry of a page back through an opaque cursor', () => {
    const last = e(Date.UTC(2026, 11, 1), 'pushed', 'order-1234:x@y');
    const cursor = encodeStaleCursor(last);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeStaleCursor(cursor)).toEqual(last);
  });

  it('refuses a cursor it did not give', () => {
    expect(decodeStaleCursor('bm90LWEtY3Vyc29y')).toBeNull();
    expect(decodeStaleCursor(Buffer.from('12:failed:m1').toString('base64url'))).toBeNull();
  });
});
