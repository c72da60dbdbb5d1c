import { waitUntilIdle } from './consumer-drain';

describe('waitUntilIdle', () => {
  it('resolves at once when nothing polls', async () => {
    const consumers = new Map([['a', { status: { isPolling: false } }]]);
    await expect(waitUntilIdle(consumers, 0)).resolves.toEqual([]);
  });

  it('waits for a consumer to finish its poll', async () => {
    const busy = { status: { isPolling: true } };
    setTimeout(() => (busy.status.isPolling = false), 30);
    await expect(waitUntilIdle(new Map([['a', busy]]), 5_000, 5)).resolves.toEqual([]);
    expect(busy.status.isPolling).toBe(false);
  });

  it('names the consumers still busy at the deadline', async () => {
    const consumers = new Map([
      ['idle', { status: { isPolling: false } }],
      ['stuck', { status: { isPolling: true } }],
    ]);
    await expect(waitUntilIdle(consumers, 20, 5)).resolves.toEqual(['stuck']);
  });
});
