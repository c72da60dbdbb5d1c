import { describeSeconds, transientBounceReason } from './transient-bounce.rule';

describe('describeSeconds', () => {
  it.each([
    [7 * 86_400, '7 days'],
    [86_400, '1 day'],
    [36 * 3_600, '36 hours'],
    [3_600, '1 hour'],
    [90 * 60, '90 minutes'],
    [61, '61 seconds'],
    [1, '1 second'],
    [0, '0 seconds'],
  ])('describes %i seconds as %s', (seconds, words) => {
    expect(describeSeconds(seconds)).toBe(words);
  });
});

describe('transientBounceReason', () => {
  it('names the count and the window', () => {
    expect(transientBounceReason(3, 7 * 86_400)).toBe('3 transient bounces within 7 days');
    expect(transientBounceReason(1, 3_600)).toBe('1 transient bounce within 1 hour');
  });
});
