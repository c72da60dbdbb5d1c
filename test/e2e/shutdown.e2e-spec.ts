import type { ResolvedAsesOptions } from '../../src/core/ases-options';
import { MessageRecord } from '../../src/status/message-record';
import { MessageStatus } from '../../src/status/message-status';
import { StatusRepository } from '../../src/status/status.repository';
import { SesStub } from '../helpers/ses-stub';
import { createTestRedis } from '../helpers/test-redis';
import type { AsesRedis } from '../../src/core/ases-redis';
import { API_KEY, TestApp, deleteKeys, startTestApp, waitFor } from '../helpers/test-app';

describe('graceful shutdown', () => {
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  let reader: StatusRepository | undefined;
  let readerRedis: AsesRedis | undefined;
  // SES takes a second per send: close() surely finds sends in flight.
  const stub = new SesStub(() => 'ok', { latencyMs: 1000 });

  afterAll(async () => {
    await second?.app.close();
    readerRedis?.disconnect();
    await stub.stop();
    if (first) {
      await deleteKeys(first.keyPrefix);
    }
  });

  it('stops polling, lets in-flight sends finish and record PUSHED, and loses nothing', async () => {
    const ses = await stub.start();
    // Four mails a second: at close, some sends are in flight and others wait for their slot.
    first = await startTestApp('shutdown', { sendRate: 4, endpoints: { ses } });
    const response = await first
      .http()
      .post('/v1/messages/batch')
      .auth(API_KEY, { type: 'bearer' })
      .send({
        messages: Array.from({ length: 8 }, (_, i) => ({
          from: first?.sender(),
          to: `reader-${i}@example.org`,
          subject: 'shutdown',
          text: 'hello',
        })),
      });
    const ids: string[] = response.body.results.map((result: { id: string }) => result.id);
    expect(ids).toHaveLength(8);
    await waitFor(
      () => stub.inFlight,
      (sends) => sends >= 2,
      { what: 'two sends in flight' },
    );

    await first.app.close();

    // Nothing was cut off: every send SES received was answered and its SES id recorded.
    expect(stub.inFlight).toBe(0);
    readerRedis = createTestRedis();
    reader = new StatusRepository(readerRedis, {
      redis: { keyPrefix: first.keyPrefix },
      statusTtlSeconds: 3600,
      statusDetail: 'full',
    } as ResolvedAsesOptions);
    const records = (await Promise.all(ids.map((id) => reader!.find(id)))) as MessageRecord[];
    const sesIds = [...stub.accepted.values()].flat().sort();
    expect(sesIds.length).toBeGreaterThanOrEqual(2);
    expect(
      records
        .filter((record) => record.status === MessageStatus.PUSHED)
        .map((record) => record.sesMessageId)
        .sort(),
    ).toEqual(sesIds);
    // The messages still waiting for their slot went back to the queue, not sent, not counted.
    const waiting = records.filter((record) => record.status === MessageStatus.QUEUED);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.length + sesIds.length).toBe(8);
    expect(waiting.every((record) => record.attempts === 0)).toBe(true);

    // Another process picks up what was left at once (it was put back visible, not stranded
    // for the visibility timeout): each mail reaches SES exactly once.
    second = await startTestApp(
      'shutdown',
      { sendRate: 50, endpoints: { ses } },
      { shared: first },
    );
    await waitFor(
      () => Promise.all(ids.map(async (id) => (await second!.status(id)).body.status as string)),
      (all) => all.every((status) => status === 'PUSHED'),
      { what: 'every message pushed by the second process' },
    );
    expect([...stub.calls.keys()].sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `reader-${i}@example.org`).sort(),
    );
    expect([...stub.calls.values()].every((calls) => calls === 1)).toBe(true);
  });
});
