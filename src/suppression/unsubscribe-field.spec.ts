import { decodeUnsubscribe, encodeUnsubscribe } from './unsubscribe-field';

describe('unsubscribe field values', () => {
  const full = {
    category: 'marketing',
    reason: 'unsubscribed from marketing mail',
    since: '2025-01-02T03:04:05.000Z',
    messageId: 'm-1',
  };

  it('stores since, reason and messageId, not the category (the field name)', () => {
    expect(JSON.parse(encodeUnsubscribe(full))).toEqual({
      since: full.since,
      reason: full.reason,
      messageId: 'm-1',
    });
  });

  it('round-trips with and without a messageId', () => {
    expect(decodeUnsubscribe('marketing', encodeUnsubscribe(full))).toEqual(full);
    const { messageId: _, ...bare } = full;
    expect(encodeUnsubscribe(bare)).not.toContain('messageId');
    expect(decodeUnsubscribe('marketing', encodeUnsubscribe(bare))).toEqual(bare);
  });

  it('reads a value without a reason as an empty reason', () => {
    expect(decodeUnsubscribe('news', '{"since":"2025-01-01T00:00:00.000Z"}')).toEqual({
      category: 'news',
      reason: '',
      since: '2025-01-01T00:00:00.000Z',
    });
  });

  it.each([
    ['not JSON', 'x'],
    ['a JSON string', '"2025"'],
    ['null', 'null'],
    ['no since', '{"reason":"r"}'],
    ['a number since', '{"since":1}'],
  ])('refuses %s', (_name, value) => {
    expect(decodeUnsubscribe('marketing', value)).toBeNull();
  });
});
