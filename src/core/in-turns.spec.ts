import { TurnLimiter, mapInTurns, yieldToEventLoop } from './in-turns';

describe('mapInTurns', () => {
  it('keeps the order of the items', async () => {
    const delays = [30, 1, 20, 5, 0, 10];
    const results = await mapInTurns(delays, async (ms, index) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `${index}:${ms}`;
    });
    expect(results).toEqual(delays.map((ms, index) => `${index}:${ms}`));
  });

  it('works on no more than the slots of its limiter at once', async () => {
    let running = 0;
    let most = 0;
    await mapInTurns(
      Array.from({ length: 20 }, (_, i) => i),
      async () => {
        running += 1;
        most = Math.max(most, running);
        await yieldToEventLoop();
        running -= 1;
      },
      new TurnLimiter(3),
    );
    expect(most).toBe(3);
  });

  it('shares one limiter between concurrent calls', async () => {
    const limiter = new TurnLimiter(2);
    let running = 0;
    let most = 0;
    const work = async (): Promise<void> => {
      running += 1;
      most = Math.max(most, running);
      await yieldToEventLoop();
      running -= 1;
    };
    const items = Array.from({ length: 10 }, (_, i) => i);
    await Promise.all([1, 2, 3, 4].map(() => mapInTurns(items, work, limiter)));
    expect(most).toBe(2);
  });

  it('lets timers run between synchronous items', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    try {
      await mapInTurns(
        Array.from({ length: 30 }, (_, i) => i),
        (item) => {
          const until = Date.now() + 2;
          while (Date.now() < until) {
            // Busy, as HTML parsing is.
          }
          return Promise.resolve(item);
        },
        new TurnLimiter(1),
      );
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it('answers an empty list', async () => {
    await expect(mapInTurns([], () => Promise.resolve(1))).resolves.toEqual([]);
  });

  it('rejects when an item does', async () => {
    await expect(
      mapInTurns([1, 2, 3], (item) =>
        item === 2 ? Promise.reject(new Error('two')) : Promise.resolve(item),
      ),
    ).rejects.toThrow('two');
  });
});
