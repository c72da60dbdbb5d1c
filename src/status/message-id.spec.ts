import { isGeneratedId, MESSAGE_ID_LENGTH, newMessageId, queuedAtOfId } from './message-id';

describe('message ids', () => {
  it('carry their queue time and 11 random base-36 digits', () => {
    const at = Date.UTC(2026, 11, 1, 10, 30, 15, 250);
    const id = newMessageId(at);
    expect(id).toHaveLength(MESSAGE_ID_LENGTH);
    expect(id).toMatch(/^0[0-9a-z]{19}$/);
    expect(queuedAtOfId(id)).toBe(at);
    expect(isGeneratedId(id)).toBe(true);
  });

  it('are unique among many made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newMessageId(1_764_585_600_000)));
    expect(ids.size).toBe(20_000);
  });

  it.each(['order-1234', '3f1c2b7e-0000-4000-8000-000000000000', '0abc', '0ABCDEFGHIJKLMNOPQRS'])(
    'tell a caller-given id (%s) from their own',
    (id) => {
      expect(isGeneratedId(id)).toBe(false);
    },
  );
});
