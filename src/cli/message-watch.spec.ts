import type { MessageRecord } from './api-types';
import { ExitCode } from './cli-errors';
import { isSettled, watchExitCode, watchMessage, WatchUpdate } from './message-watch';

const queued = { type: 'queued', at: '2026-12-01T12:00:00.000Z', source: 'ases' };
const pushed = { type: 'pushed', at: '2026-12-01T12:00:01.000Z', detail: 'ses-1', source: 'ases' };
const delivery = {
  type: 'delivery',
  at: '2026-12-01T12:00:02.000Z',
  recipient: 'a@example.org',
  source: 'ses',
};

/** A fake clock that `sleep` moves on, and the sleeps asked for. */
function clock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** Answers the records in turn, then the last one for ever. */
function reads(records: MessageRecord[]) {
  let index = 0;
  return () => Promise.resolve(records[Math.min(index++, records.length - 1)]);
}

describe('isSettled', () => {
  it.each([
    ['QUEUED', false],
    ['PUSHED', false],
    ['DELAYED', false],
    ['DELIVERED', true],
    ['BOUNCED', true],
    ['COMPLAINED', true],
    ['FAILED', true],
    ['SUPPRESSED', true],
    ['CANCELED', true],
  ])('%s: %p', (status, settled) => {
    expect(isSettled({ id: 'm', status })).toBe(settled);
  });

  it('waits for every recipient once SES has answered for one', () => {
    const recipients = [
      { address: 'a@example.org', kind: 'to', status: 'DELIVERED' },
      { address: 'b@example.org', kind: 'cc', status: 'PUSHED' },
    ];
    expect(isSettled({ id: 'm', status: 'DELIVERED', recipients })).toBe(false);
    recipients[1].status = 'BOUNCED';
    expect(isSettled({ id: 'm', status: 'BOUNCED', recipients })).toBe(true);
    // Held back by the suppression list: nothing more will come for it.
    recipients[1].status = 'SUPPRESSED';
    expect(isSettled({ id: 'm', status: 'DELIVERED', recipients })).toBe(true);
  });
});

describe('watchMessage', () => {
  it('reports each timeline entry once and each status change, until delivered', async () => {
    const updates: WatchUpdate[] = [];
    const time = clock();
    const outcome = await watchMessage(
      reads([
        { id: 'm', status: 'QUEUED', events: [queued] },
        { id: 'm', status: 'QUEUED', events: [queued] },
        { id: 'm', status: 'PUSHED', events: [queued, pushed] },
        { id: 'm', status: 'DELIVERED', events: [queued, pushed, delivery] },
      ]),
      { intervalMs: 1000, onUpdate: (update) => updates.push(update), ...time },
    );
    expect(updates).toEqual([
      { kind: 'event', event: queued },
      { kind: 'status', status: 'QUEUED', previous: undefined },
      { kind: 'event', event: pushed },
      { kind: 'status', status: 'PUSHED', previous: 'QUEUED' },
      { kind: 'event', event: delivery },
      { kind: 'status', status: 'DELIVERED', previous: 'PUSHED' },
    ]);
    expect(time.sleeps).toEqual([1000, 1000, 1000]);
    expect(watchExitCode(outcome)).toBe(ExitCode.OK);
  });

  it('knows entries by content once the 50-entry timeline slides, counting repeats', async () => {
    const open = { type: 'open', at: '2026-12-01T12:00:05.000Z', source: 'ases' };
    const updates: WatchUpdate[] = [];
    await watchMessage(
      reads([
        { id: 'm', status: 'PUSHED', events: [queued, pushed, open] },
        // The oldest entry fell off; a second identical open came.
        { id: 'm', status: 'BOUNCED', events: [pushed, open, open] },
      ]),
      { intervalMs: 10, onUpdate: (update) => updates.push(update), ...clock() },
    );
    const events = updates.filter((update) => update.kind === 'event');
    expect(events).toEqual([
      { kind: 'event', event: queued },
      { kind: 'event', event: pushed },
      { kind: 'event', event: open },
      { kind: 'event', event: open },
    ]);
  });

  it.each(['BOUNCED', 'COMPLAINED', 'FAILED', 'SUPPRESSED', 'CANCELED'])(
    'ends %s with the not-delivered code',
    async (status) => {
      const outcome = await watchMessage(reads([{ id: 'm', status }]), {
        intervalMs: 10,
        onUpdate: () => undefined,
        ...clock(),
      });
      expect(outcome).toMatchObject({ settled: true, record: { status } });
      expect(watchExitCode(outcome)).toBe(ExitCode.NOT_DELIVERED);
    },
  );

  it('gives up at the timeout, with a last read at the deadline', async () => {
    const time = clock();
    let count = 0;
    const outcome = await watchMessage(
      () => {
        count += 1;
        return Promise.resolve({ id: 'm', status: 'PUSHED' });
      },
      { intervalMs: 1000, timeoutMs: 2500, onUpdate: () => undefined, ...time },
    );
    expect(time.sleeps).toEqual([1000, 1000, 500]);
    expect(count).toBe(4);
    expect(outcome.settled).toBe(false);
    expect(watchExitCode(outcome)).toBe(ExitCode.TIMEOUT);
  });
});
