import { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../../src/core/ases-options';
import { MessageRecord } from '../../src/status/message-record';
import { MessageStatus } from '../../src/status/message-status';
import { StatusRepository } from '../../src/status/status.repository';
import { API_KEY, TestApp, deleteKeys, sentMail, startTestApp, waitFor } from '../helpers/test-app';

describe('graceful shutdown', () => {
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  let reader: StatusRepository | undefined;

  afterAll(async () => {
    await second?.app.close();
    await reader?.onApplicationShutdown();
    if (first) {
      await deleteKeys(first.keyPrefix);
    }
  });

  it('stops polling, lets in-flight sends finish and record PUSHED, and loses nothing', async () => {
    // Two mails a second: shutdown catches sends in flight and leaves others queued.
    first = await startTestApp('shutdown', { sendRate: 2 });
    const subject = `shutdown ${Date.now()}`;
    const response = await first
      .http()
      .post('/v1/messages/batch')
      .auth(API_KEY, { type: 'bearer' })
      .send({
        messages: Array.from({ length: 6 }, (_, i) => ({
          from: first?.sender(),
          to: `reader-${i}@example.org`,
          subject,
          text: 'hello',
        })),
      });
    const ids: string[] = response.body.results.map((result: { id: string }) => result.id);
    expect(ids).toHaveLength(6);
    const statuses = async (): Promise<string[]> =>
      Promise.all(ids.map(async (id) => (await first!.status(id)).body.status as string));
    await waitFor(statuses, (all) => all.some((status) => status !== 'QUEUED'), {
      what: 'the first send',
    });

    await first.app.close();

    reader = new StatusRepository(new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), {
      redis: { url: '', keyPrefix: first.keyPrefix },
      statusTtlSeconds: 3600,
    } as ResolvedAsesOptions);
    const records = (await Promise.all(ids.map((id) => reader!.find(id)))) as MessageRecord[];
    const received = (await sentMail()).filter((mail) => mail.subject === subject);
    // Every mail SES took before the process stopped has its SES id recorded: no send in flight
    // was cut off between SES and Redis.
    expect(
      records
        .filter((record) => record.sesMessageId)
        .map((r) => r.sesMessageId)
        .sort(),
    ).toEqual(received.map((mail) => mail.messageId).sort());
    // At two a second, the second mail of the batch was waiting its turn when close() began.
    expect(received.length).toBeGreaterThanOrEqual(2);
    // Polling stopped: the rest wait in the queue.
    expect(
      records.filter((record) => record.status === MessageStatus.QUEUED).length,
    ).toBeGreaterThan(0);

    // Another process of the service picks up what was left: each mail goes out exactly once.
    second = await startTestApp('shutdown', { sendRate: 50 }, { shared: first });
    // Nothing is stranded in flight (a receive cut off at shutdown would hide its messages for
    // their visibility timeout, 30 s and more): every message, and every Delivery notification,
    // is handled well within the default wait.
    await waitFor(
      () => Promise.all(ids.map(async (id) => (await second!.status(id)).body.status as string)),
      (all) => all.every((status) => status === 'DELIVERED'),
      { what: 'every message delivered by the second process' },
    );
    const all = (await sentMail()).filter((mail) => mail.subject === subject);
    expect(all.map((mail) => mail.destination.to[0]).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `reader-${i}@example.org`).sort(),
    );
  });
});
