import { reserveSlot } from './send-rate.limiter';

describe('reserveSlot', () => {
  it('spaces consecutive sends one interval apart', () => {
    let next = 0;
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const slot = reserveSlot(next, 1000, 10, 1);
      waits.push(slot.waitMs);
      next = slot.nextFreeAt;
    }
    expect(waits).toEqual([0, 10, 20, 30]);
    expect(next).toBe(1040);
  });

  it('earns no burst from an idle period', () => {
    const slot = reserveSlot(1000, 5000, 10, 1);
    expect(slot).toEqual({ waitMs: 0, nextFreeAt: 5010 });
    expect(reserveSlot(slot.nextFreeAt, 5000, 10, 1).waitMs).toBe(10);
  });

  it('counts every recipient of a send', () => {
    expect(reserveSlot(0, 0, 10, 3)).toEqual({ waitMs: 0, nextFreeAt: 30 });
  });
});
