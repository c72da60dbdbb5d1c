import { AsesException } from '../core/ases.exception';
import { HOUR_MS, MINUTE_MS } from './series';
import { parseStatsQuery } from './stats-query';

const NOW = Date.parse('2026-12-01T10:17:30.000Z');

function refusal(query: Record<string, unknown>): string {
  try {
    parseStatsQuery(query, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(AsesException);
    return (error as AsesException).message;
  }
  throw new Error('accepted');
}

describe('parseStatsQuery', () => {
  it('defaults to the last hour per minute, the current minute included', () => {
    const until = Date.parse('2026-12-01T10:18:00.000Z');
    expect(parseStatsQuery({}, NOW)).toEqual({
      resolution: 'minute',
      since: until - HOUR_MS,
      until,
    });
  });

  it('defaults to the last 14 days per hour', () => {
    const until = Date.parse('2026-12-01T11:00:00.000Z');
    expect(parseStatsQuery({ resolution: 'hour', category: 'news' }, NOW)).toEqual({
      resolution: 'hour',
      since: until - 14 * 24 * HOUR_MS,
      until,
      category: 'news',
    });
  });

  it('rounds a range out to whole buckets', () => {
    expect(
      parseStatsQuery({ since: '2026-12-01T09:00:10Z', until: '2026-12-01T10:00:30+01:00' }, NOW),
    ).toEqual({
      resolution: 'minute',
      since: Date.parse('2026-12-01T09:00:00Z'),
      until: Date.parse('2026-12-01T09:00:00Z') + MINUTE_MS,
    });
  });

  it('names what is wrong', () => {
    expect(refusal({ resolution: 'day' })).toContain('resolution must be "minute" or "hour"');
    expect(refusal({ since: 'yesterday' })).toContain('since must be an RFC 3339 time');
    expect(refusal({ since: '2026-12-01T10:00:00Z', until: '2026-12-01T09:00:00Z' })).toContain(
      'since must be before until',
    );
    expect(refusal({ since: '2026-11-28T00:00:00Z' })).toContain(
      'spans at most 48 hours at resolution minute',
    );
    expect(refusal({ resolution: 'hour', since: '2026-11-01T00:00:00Z' })).toContain(
      'spans at most 360 hours',
    );
    expect(refusal({ category: 'News!' })).toContain('category must be 1-64');
    expect(refusal({ categroy: 'news' })).toContain('unknown parameter "categroy"');
    expect(refusal({ resolution: ['minute', 'hour'] })).toContain('resolution must be given once');
  });
});
