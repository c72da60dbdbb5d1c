import { MAX_SCHEDULE_DAYS, sendAtProblem, sendAtTime } from './schedule-rules';

const now = Date.parse('2026-12-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

describe('sendAtTime', () => {
  it.each([
    ['2026-12-24T08:00:00Z', '2026-12-24T08:00:00.000Z'],
    ['2026-12-24T09:00:00+01:00', '2026-12-24T08:00:00.000Z'],
    ['2026-12-24T02:30:00-05:30', '2026-12-24T08:00:00.000Z'],
    ['2026-12-24T08:00:00.5Z', '2026-12-24T08:00:00.500Z'],
    ['2026-12-24T08:00:00.123456789Z', '2026-12-24T08:00:00.123Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59-23:59', '2027-01-01T23:58:59.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ])('reads %s', (value, instant) => {
    expect(new Date(sendAtTime(value) ?? NaN).toISOString()).toBe(instant);
  });

  it.each([
    '2026-12-24T08:00:00', // no zone: whose 08:00?
    '2026-12-24 08:00:00Z',
    '2026-12-24T08:00Z', // seconds are required (RFC 3339)
    '2026-12-24',
    '2026-12-24T08:00:00+0100',
    '2026-12-24T08:00:00+01',
    '2026-12-24T08:00:00z',
    '2026-12-24T24:00:00Z',
    '2026-12-24T08:60:00Z',
    '2026-12-24T08:00:60Z', // a leap second: no Date can hold it
    '2026-12-24T08:00:00+24:00',
    '2026-12-24T08:00:00+01:60',
    '2026-02-29T08:00:00Z',
    '2026-04-31T08:00:00Z',
    '2026-13-01T08:00:00Z',
    '2026-00-10T08:00:00Z',
    '2026-12-00T08:00:00Z',
    '+02026-12-24T08:00:00Z',
    '1766563200000',
    ' 2026-12-24T08:00:00Z',
    '2026-12-24T08:00:00Z\n',
    '２026-12-24T08:00:00Z',
  ])('refuses %j', (value) => {
    expect(sendAtTime(value)).toBeNull();
  });
});

describe('sendAtProblem', () => {
  it('accepts a time within 30 days, and a time past (meaning now)', () => {
    expect(sendAtProblem('2026-12-24T08:00:00Z', now)).toBeNull();
    expect(sendAtProblem(new Date(now + MAX_SCHEDULE_DAYS * DAY).toISOString(), now)).toBeNull();
    expect(sendAtProblem('2020-01-01T00:00:00Z', now)).toBeNull();
    expect(sendAtProblem('2026-12-01T11:59:59Z', now)).toBeNull();
  });

  it('refuses a time more than 30 days ahead, naming sendAt and saying 30 days', () => {
    expect(sendAtProblem(new Date(now + MAX_SCHEDULE_DAYS * DAY + 1).toISOString(), now)).toBe(
      'sendAt must be at most 30 days ahead, not 2026-12-31T12:00:00.001Z ' +
        '(now is 2026-12-01T12:00:00.000Z)',
    );
    // The zone counts: 13:00 at +01:00 is 12:00Z, but 13:00 at -01:00 is 14:00Z.
    expect(sendAtProblem('2026-12-31T13:00:00+01:00', now)).toBeNull();
    expect(sendAtProblem('2026-12-31T13:00:00-01:00', now)).toMatch(/^sendAt must be at most 30/);
    expect(sendAtProblem('9999-12-31T23:59:59Z', now)).toMatch(/^sendAt must be at most 30 days/);
  });

  it.each([
    [1767000000000, 'sendAt must be a string, not a number'],
    [null, 'sendAt must be a string, not null'],
    [{}, 'sendAt must be a string, not an object'],
    ['tomorrow', 'sendAt must be a date and time with its time zone, such as 2026-12-24T08:00:00Z'],
    ['2026-12-24T08:00:00', 'sendAt must be a date and time with its time zone'],
  ])('refuses %p, naming sendAt', (value, message) => {
    expect(sendAtProblem(value, now)).toContain(message);
  });
});
