import {
  DECREASE_COOLDOWN_MS,
  RATE_CLIMB_PER_SECOND,
  RATE_DECREASE_FACTOR,
  decreasedState,
  effectiveRate,
  minimumRate,
} from './rate-control';

describe('effectiveRate', () => {
  it('is the ceiling until SES first throttles', () => {
    expect(effectiveRate(200, null, 1_000)).toBe(200);
  });

  it('climbs back linearly from the last decrease, up to the ceiling', () => {
    const state = { floor: 100, decreasedAt: 10_000 };
    expect(effectiveRate(200, state, 10_000)).toBe(100);
    expect(effectiveRate(200, state, 15_000)).toBeCloseTo(100 + 200 * RATE_CLIMB_PER_SECOND * 5);
    expect(effectiveRate(200, state, 10_000 + 3_600_000)).toBe(200);
  });

  it('follows a lowered ceiling at once', () => {
    expect(effectiveRate(50, { floor: 100, decreasedAt: 0 }, 0)).toBe(50);
  });
});

describe('decreasedState', () => {
  it('multiplies the current rate by the decrease factor', () => {
    expect(decreasedState(200, null, 5_000)).toEqual({
      floor: 200 * RATE_DECREASE_FACTOR,
      decreasedAt: 5_000,
    });
  });

  it('decreases once per overload: not again within the cooldown', () => {
    const first = decreasedState(200, null, 5_000);
    expect(decreasedState(200, first, 5_000 + DECREASE_COOLDOWN_MS - 1)).toBeNull();
    const second = decreasedState(200, first, 5_000 + DECREASE_COOLDOWN_MS);
    expect(second?.floor).toBeLessThan(first?.floor ?? 0);
  });

  it('never goes below the minimum rate', () => {
    const low = { floor: 1, decreasedAt: 0 };
    expect(decreasedState(200, low, DECREASE_COOLDOWN_MS)?.floor).toBe(minimumRate(200));
    expect(minimumRate(200)).toBe(10);
    expect(minimumRate(10)).toBe(1);
    expect(minimumRate(0.5)).toBe(0.5);
  });
});
