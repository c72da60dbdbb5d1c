import { MessageStatus, canAdvance, statusesBefore, toMessageStatus } from './message-status';

const { QUEUED, PUSHED, FAILED, DELIVERED, BOUNCED, COMPLAINED, UNKNOWN } = MessageStatus;

describe('message status ranking', () => {
  it.each([
    [QUEUED, PUSHED],
    [QUEUED, FAILED],
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
    [BOUNCED, BOUNCED],
    [DELIVERED, DELIVERED],
  ])('never moves back or repeats: %s to %s', (from, to) => {
    expect(canAdvance(from, to)).toBe(false);
  });

  it('lists the stored statuses a transition may start from', () => {
    expect(statusesBefore(BOUNCED)).toEqual([QUEUED, PUSHED, FAILED, DELIVERED]);
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
