import { CachedReading, ReadingTimeout, within } from './cached-reading';

/** A read whose calls the test settles by hand. */
function controlledRead(): {
  read: () => Promise<number>;
  calls: number;
  resolve(value: number): void;
  reject(error: Error): void;
} {
  const pending: Array<{ resolve(value: number): void; reject(error: Error): void }> = [];
  const control = {
    calls: 0,
    read: () =>
      new Promise<number>((resolve, reject) => {
        control.calls += 1;
        pending.push({ resolve, reject });
      }),
    resolve: (value: number) => pending.shift()?.resolve(value),
    reject: (error: Error) => pending.shift()?.reject(error),
  };
  return control;
}

describe('within', () => {
  it("gives the work's value when it settles in time", async () => {
    await expect(within(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(within(Promise.reject(new Error('no')), 1_000)).rejects.toThrow('no');
  });

  it('gives up after the time given', async () => {
    await expect(within(new Promise(() => undefined), 5)).rejects.toBeInstanceOf(ReadingTimeout);
  });
});

describe('CachedReading', () => {
  let clock: number;
  const now = (): number => clock;

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('reads once, then serves the reading while it is young', async () => {
    const source = controlledRead();
    const reading = new CachedReading({ read: source.read, maxAgeMs: 15_000, waitMs: 1_000, now });
    const first = reading.get();
    source.resolve(3);
    await expect(first).resolves.toBe(3);
    clock += 14_999;
    await expect(reading.get()).resolves.toBe(3);
    expect(source.calls).toBe(1);
  });

  it('reads again once the reading is old, one read for callers at the same time', async () => {
    const source = controlledRead();
    const reading = new CachedReading({ read: source.read, maxAgeMs: 15_000, waitMs: 1_000, now });
    const first = reading.get();
    source.resolve(3);
    await first;
    clock += 15_000;
    const [a, b] = [reading.get(), reading.get()];
    source.resolve(4);
    await expect(Promise.all([a, b])).resolves.toEqual([4, 4]);
    expect(source.calls).toBe(2);
  });

  it('serves the previous reading when a new one takes longer than the wait', async () => {
    const source = controlledRead();
    const reading = new CachedReading({ read: source.read, maxAgeMs: 15_000, waitMs: 5, now });
    const first = reading.get();
    source.resolve(3);
    await first;
    clock += 20_000;
    await expect(reading.get()).resolves.toBe(3);
    // The slow read goes on, and a later caller gets its value without another read.
    source.resolve(9);
    await expect(reading.get()).resolves.toBe(9);
    expect(source.calls).toBe(2);
  });

  it('gives nothing while the first read is slower than the wait', async () => {
    const source = controlledRead();
    const reading = new CachedReading({ read: source.read, maxAgeMs: 15_000, waitMs: 5, now });
    await expect(reading.get()).resolves.toBeUndefined();
  });

  it('drops the reading when a read fails, and reads again next time', async () => {
    const source = controlledRead();
    const reading = new CachedReading({ read: source.read, maxAgeMs: 15_000, waitMs: 1_000, now });
    const first = reading.get();
    source.resolve(3);
    await first;
    clock += 15_000;
    const failed = reading.get();
    source.reject(new Error('SQS did not answer'));
    await expect(failed).resolves.toBeUndefined();
    const again = reading.get();
    source.resolve(5);
    await expect(again).resolves.toBe(5);
    expect(source.calls).toBe(3);
  });
});
