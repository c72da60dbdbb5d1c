import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['2', 2000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 3s ', 3000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '-1s', '1d', '1 s', 'abc', '1e3'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats for messages', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(600_000)).toBe('10 min');
  });
});
