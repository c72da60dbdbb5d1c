import { MAX_BODY_BYTES } from './request-body';
import { sizeOf } from './api-errors.decorator';

describe('sizeOf', () => {
  it('writes whole MiB and KiB as such, anything else in bytes', () => {
    expect(sizeOf(MAX_BODY_BYTES)).toBe('14 MiB');
    expect(sizeOf(300 * 1024)).toBe('300 KiB');
    expect(sizeOf(1000)).toBe('1000 bytes');
  });
});
