import { AsesException } from '../core/ases.exception';
import { minuteOf } from './message-index';
import { CLOCK_SKEW_MS, firstPosition, MessageListing, parseMessageListing } from './message-query';
import { MessageStatus } from './message-status';

const parse = (query: Record<string, unknown>, detail: 'full' | 'lean' = 'full'): MessageListing =>
  parseMessageListing(query, detail);

/** The message of the 400 a query gets. */
function refusal(query: Record<string, unknown>, detail: 'full' | 'lean' = 'full'): string {
  try {
    parse(query, detail);
  } catch (error) {
    expect(error).toBeInstanceOf(AsesException);
    expect((error as AsesException).code).toBe('INVALID_REQUEST');
    return (error as AsesException).message;
  }
  throw new Error(`no refusal for ${JSON.stringify(query)}`);
}

describe('GET /v1/messages query', () => {
  it('keeps the FAILED and STALE listings as they were', () => {
    expect(parse({ status: 'FAILED' })).toEqual({ kind: 'failed', limit: 100 });
    expect(parse({ status: 'FAILED', limit: '5', cursor: 'abc' })).toEqual({
      kind: 'failed',
      limit: 5,
      cursor: 'abc',
    });
    expect(parse({ status: 'STALE', reason: 'pushed' })).toEqual({
      kind: 'stale',
      limit: 100,
      reason: 'pushed',
    });
    expect(refusal({ status: 'FAILED', reason: 'queued' })).toContain('reason goes with');
    expect(refusal({ status: 'STALE', reason: 'late' })).toContain('reason must be one of');
    expect(refusal({ status: 'FAILED', limit: '0' })).toContain('limit must be');
    expect(refusal({ status: 'FAILED', cursor: '$$' })).toContain('cursor must be');
  });

  it('searches with any other combination, none at all included', () => {
    expect(parse({})).toEqual({ kind: 'search', limit: 100, search: { to: [], tags: [] } });
    expect(
      parse({
        status: 'FAILED',
        to: ['Jane <Jane@Example.org>', 'bob@example.org'],
        tag: 'campaign:welcome:spring',
        since: '2026-12-01T09:00:00+01:00',
        until: '2026-12-01T08:30:00.5Z',
        limit: '500',
      }),
    ).toEqual({
      kind: 'search',
      limit: 500,
      search: {
        status: MessageStatus.FAILED,
        to: ['jane@example.org', 'bob@example.org'],
        tags: [['campaign', 'welcome:spring']],
        since: Date.UTC(2026, 11, 1, 8),
        until: Date.UTC(2026, 11, 1, 8, 30, 0, 500),
      },
    });
    expect(parse({ tag: ['a:1', 'b:'] })).toMatchObject({
      search: {
        tags: [
          ['a', '1'],
          ['b', ''],
        ],
      },
    });
    for (const status of ['QUEUED', 'CANCELED', 'DELIVERED', 'BOUNCED', 'COMPLAINED']) {
      expect(parse({ status })).toMatchObject({ kind: 'search', search: { status } });
    }
  });

  it.each([
    ['an unknown parameter', { tags: 'a:b' }, 'unknown parameter "tags"'],
    ['an unknown status', { status: 'SENT' }, 'status must be one of QUEUED'],
    ['UNKNOWN', { status: 'UNKNOWN' }, 'status must be one of'],
    ['two statuses', { status: ['FAILED', 'BOUNCED'] }, 'status must be given once'],
    [
      'a filter with STALE',
      { status: 'STALE', to: 'a@example.org' },
      'to does not go with status=STALE',
    ],
    ['reason in a search', { to: 'a@example.org', reason: 'queued' }, 'reason goes with'],
    ['a limit too large', { limit: '501' }, 'limit must be an integer from 1 to 500'],
    ['a cursor of another shape', { cursor: 'a b' }, 'cursor must be'],
    ['not an address', { to: 'jane' }, 'to must be an email address'],
    ['a list in one to', { to: 'a@example.org, b@example.org' }, 'to must be one email address'],
    [
      'eleven addresses',
      { to: Array.from({ length: 11 }, (_, i) => `u${i}@example.org`) },
      'to may be given at most 10 times',
    ],
    ['a tag without a value', { tag: 'campaign' }, 'tag must be name:value'],
    ['a tag with a bad name', { tag: 'camp aign:x' }, 'tag must be name:value'],
    ['a tag value too long', { tag: `a:${'x'.repeat(257)}` }, 'at most 256 characters'],
    ['a tag value with a newline', { tag: 'a:x\ny' }, 'without control characters'],
    ['a time without a zone', { since: '2026-12-01T08:00:00' }, 'since must be an RFC 3339 time'],
    ['a date alone', { until: '2026-12-01' }, 'until must be an RFC 3339 time'],
    ['Unix ms', { since: '1795000000000' }, 'since must be an RFC 3339 time'],
    ['February 30th', { since: '2026-02-30T00:00:00Z' }, 'since must be an RFC 3339 time'],
    ['a + sent as a space', { since: '2026-12-01T09:00:00 01:00' }, 'send a + in the zone as %2B'],
    [
      'two sinces',
      { since: ['2026-12-01T08:00:00Z', '2026-12-01T09:00:00Z'] },
      'since must be given once',
    ],
    [
      'since after until',
      { since: '2026-12-01T09:00:00Z', until: '2026-12-01T08:00:00Z' },
      'since must be before until',
    ],
    [
      'since equal to until',
      { since: '2026-12-01T09:00:00Z', until: '2026-12-01T10:00:00+01:00' },
      'since must be before until',
    ],
    ['an object', { to: { a: 'b' } }, 'to must be a plain query parameter'],
  ])('refuses %s, naming the parameter', (_name, query, message) => {
    expect(refusal(query)).toContain(message);
  });

  it('refuses to search lean records by address or tag, which they do not keep', () => {
    expect(refusal({ to: 'a@example.org' }, 'lean')).toContain(
      'to cannot be searched with statusDetail "lean"',
    );
    expect(refusal({ tag: 'a:b' }, 'lean')).toContain('tag cannot be searched');
    expect(parse({ status: 'DELIVERED', since: '2026-12-01T08:00:00Z' }, 'lean')).toMatchObject({
      kind: 'search',
      search: { status: 'DELIVERED' },
    });
  });

  it('starts the first page at until, or just after now (clocks of other instances may run ahead)', () => {
    const now = Date.UTC(2026, 11, 1, 10, 0, 30);
    const none = { to: [], tags: [] };
    expect(firstPosition(none, now)).toEqual({ minute: minuteOf(now + CLOCK_SKEW_MS) });
    expect(firstPosition({ ...none, until: Date.UTC(2026, 11, 1, 9) }, now)).toEqual({
      minute: minuteOf(Date.UTC(2026, 11, 1, 9)) - 1,
    });
    expect(firstPosition({ ...none, until: now + 86_400_000 }, now)).toEqual({
      minute: minuteOf(now + CLOCK_SKEW_MS),
    });
  });
});
