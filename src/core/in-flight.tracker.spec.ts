import { InFlightTracker } from './in-flight.tracker';

describe('InFlightTracker', () => {
  it('drains at once when idle', async () => {
    await expect(new InFlightTracker({ shutdownTimeoutMs: 0 }).drain(0)).resolves.toBe(true);
  });

  it('waits for work in flight to settle, failed or not', async () => {
    const tracker = new InFlightTracker({ shutdownTimeoutMs: 0 });
    let finish!: () => void;
    const work = tracker.track(() => new Promise<void>((resolve) => (finish = resolve)));
    const failing = tracker.track(() => Promise.reject(new Error('boom')));
    await expect(failing).rejects.toThrow('boom');
    expect(tracker.size).toBe(1);
    const drained = tracker.drain(10_000);
    finish();
    await work;
    await expect(drained).resolves.toBe(true);
    expect(tracker.size).toBe(0);
  });

  it('gives up after the timeout', async () => {
    const tracker = new InFlightTracker({ shutdownTimeoutMs: 0 });
    void tracker.track(() => new Promise<void>(() => undefined));
    await expect(tracker.drain(5)).resolves.toBe(false);
  });
});
