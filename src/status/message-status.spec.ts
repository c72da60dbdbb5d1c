import { MessageStatus, canAdvance, statusesBefore, toMessageStatus } from './message-status';

const {
  QUEUED,
  CANCELED,
  PUSHED,
  DELAYED,
  FAILED,
  SUPPRESSED,
  DELIVERED,
  BOUNCED,
  COMPLAINED,
  UNKNOWN,
} = MessageStatus;

describe('message status ranking', () => {
  it.each([
    [QUEUED, PUSHED],
    [QUEUED, FAILED],
    [QUEUED, SUPPRESSED],
    [PUSHED, DELAYED],
    [DELAYED, DELIVERED],
    [DELAYED, BOUNCED],
    [PUSHED, FAILED],
    [PUSHED, DELIVERED],
    [PUSHED, BOUNCED],
    [DELIVERED, BOUNCED],
    [DELIVERED, COMPLAINED],
    [BOUNCED, COMPLAINED],
  ])('moves forward from %s to %s', (from, to) => {
    expect(canAdvance(from, to)).toBe(true);
  });

  it.each([
    [BOUNCED, DELIVERED],
    [COMPLAINED, BOUNCED],
    [COMPLAINED, DELIVERED],
    [DELIVERED, PUSHED],
    [PUSHED, QUEUED],
    [FAILED, PUSHED],
    [DELIVERED, DELAYED],
    [BOUNCED, DELAYED],
    [SUPPRESSED, PUSHED],
    [SUPPRESSED, FAILED],
    [DELAYED, PUSHED],
    [BOUNCED, BOUNCED],
    [DELIVERED, DELIVERED],
  ])('never moves back or repeats: %s to %s', (from, to) => {
    expect(canAdvance(from, to)).toBe(false);
  });

  it('cancels only a QUEUED message, and a CANCELED one moves no more', () => {
    expect(canAdvance(QUEUED, CANCELED)).toBe(true);
    expect(canAdvance(UNKNOWN, CANCELED)).toBe(true);
    for (const later of [PUSHED, DELAYED, FAILED, SUPPRESSED, DELIVERED, BOUNCED, COMPLAINED]) {
      expect(canAdvance(later, CANCELED)).toBe(false);
      expect(canAdvance(CANCELED, later)).toBe(false);
    }
    // It ranks between QUEUED and PUSHED: only QUEUED may become CANCELED, and nothing but
    // QUEUED may become PUSHED.
    expect(statusesBefore(CANCELED)).toEqual([QUEUED]);
    expect(statusesBefore(PUSHED)).toEqual([QUEUED]);
  });

  it('lists the stored statuses a transition may start from', () => {
    expect(statusesBefore(BOUNCED)).toEqual([
      QUEUED,
      PUSHED,
      DELAYED,
      FAILED,
      SUPPRESSED,
      DELIVERED,
    ]);
    expect(statusesBefore(DELIVERED)).toEqual([QUEUED, PUSHED, DELAYED, FAILED, SUPPRESSED]);
    expect(statusesBefore(PUSHED)).toEqual([QUEUED]);
    expect(statusesBefore(QUEUED)).toEqual([]);
  });

  it('reads unknown stored values as UNKNOWN', () => {
    expect(toMessageStatus('BOUNCED')).toBe(BOUNCED);
    expect(toMessageStatus('COMPLAINTED')).toBe(UNKNOWN);
    expect(toMessageStatus(undefined)).toBe(UNKNOWN);
    expect(toMessageStatus('toString')).toBe(UNKNOWN);
  });
});
