import { newSesMessageId, SES_MESSAGE_ID_PATTERN } from './ses-message-id';

describe('newSesMessageId', () => {
  it('is shaped like a real SES id: 0100, the time in hex, a UUID, -000000', () => {
    const id = newSesMessageId(0x18c5b1b6a5e);
    expect(id).toMatch(/^0100018c5b1b6a5e-/);
    expect(id).toMatch(SES_MESSAGE_ID_PATTERN);
    expect(id).toHaveLength(60);
    expect('0100018c5b1b6a5e-7f0c3c5a-1b2c-4d5e-8f90-123456789abc-000000').toMatch(
      SES_MESSAGE_ID_PATTERN,
    );
  });

  it('gives 20 000 ids made in the same millisecond 20 000 different values', () => {
    const now = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newSesMessageId(now));
    expect(new Set(ids).size).toBe(20_000);
    expect(ids.filter((id) => !SES_MESSAGE_ID_PATTERN.test(id))).toEqual([]);
  });
});
