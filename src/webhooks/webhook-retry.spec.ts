import { nextAttemptAt, parseRetrySchedule, retryDelayMs } from './webhook-retry';

describe('parseRetrySchedule', () => {
  it('reads comma-separated whole seconds', () => {
    expect(parseRetrySchedule('5,30,120')).toEqual([5, 30, 120]);
    expect(parseRetrySchedule(' 1 , 2,4 ')).toEqual([1, 2, 4]);
  });

  it.each(['', '1,,2', '1.5', '-1', '0', '86401', 'a', Array(51).fill('1').join(',')])(
    'refuses %j',
    (text) => {
      expect(typeof parseRetrySchedule(text)).toBe('string');
    },
  );
});

describe('retryDelayMs', () => {
  const schedule = [5, 30, 120];

  it('takes each step in turn, then repeats the last', () => {
    expect([1, 2, 3, 4, 10].map((retry) => retryDelayMs(schedule, retry, 0.5))).toEqual([
      5000, 30_000, 120_000, 120_000, 120_000,
    ]);
  });

  it('moves each wait by up to 20 % either way', () => {
    expect(retryDelayMs(schedule, 1, 0)).toBe(4000);
    expect(retryDelayMs(schedule, 1, 1)).toBe(6000);
  });
});

describe('nextAttemptAt', () => {
  const day = 86_400_000;

  it('retries until the window has passed since the first attempt', () => {
    expect(nextAttemptAt([5], day, 0, 1, 1000, 0.5)).toBe(6000);
    expect(nextAttemptAt([5], day, 0, 40, day - 1, 0.5)).toBe(day);
    expect(nextAttemptAt([5], day, 0, 41, day, 0.5)).toBeNull();
  });

  it('makes a last attempt at the window’s end rather than a whole step past it', () => {
    expect(nextAttemptAt([14_400], day, 0, 9, day - 60_000, 0.5)).toBe(day);
  });
});
