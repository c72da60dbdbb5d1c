import { receiveCount, retryDelaySeconds } from './redelivery';

describe('receiveCount', () => {
  it('reads ApproximateReceiveCount', () => {
    expect(receiveCount({ Attributes: { ApproximateReceiveCount: '3' } })).toBe(3);
  });

  it('counts a message without the attribute as a first receive', () => {
    expect(receiveCount({})).toBe(1);
    expect(receiveCount({ Attributes: { ApproximateReceiveCount: 'x' } })).toBe(1);
  });
});

describe('retryDelaySeconds', () => {
  const noJitter = (): number => 0;
  const fullJitter = (): number => 1;

  it('doubles with each receive up to the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelaySeconds(n, 60, noJitter))).toEqual([
      1, 2, 4, 8, 16, 60,
    ]);
  });

  it('jitters down by at most a quarter, never below one second', () => {
    expect(retryDelaySeconds(5, 60, fullJitter)).toBe(12);
    expect(retryDelaySeconds(1, 60, fullJitter)).toBe(1);
  });
});
