import { Redis } from 'ioredis';
import { OwnRedis } from '../../test/helpers/own-redis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode } from '../core/ases.exception';
import { digest8 } from './record-codec';
import { newMessageId } from './message-id';
import { MessageStatus } from './message-status';
import { sesIndexKey } from './record-location';
import { NewMessage, StatusRepository } from './status.repository';

// The status store against a Redis of the test's own, which it stops, flushes and starts again.

describe('StatusRepository when Redis stops, empties and comes back', () => {
  let server: OwnRedis;
  let redis: Redis;
  let repository: StatusRepository;
  const prefix = 'ases-faults:';

  const message = (): NewMessage => {
    const queuedAt = new Date().toISOString();
    return {
      id: newMessageId(Date.parse(queuedAt)),
      from: 'news@example.com',
      to: 'jane@example.org',
      subject: 'faults',
      queuedAt,
      fingerprint: 'fp',
    };
  };

  beforeAll(async () => {
    server = await OwnRedis.start();
    // As ases's own connection: a command fails after a few reconnect attempts.
    redis = new Redis({
      port: server.port,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 50, 200),
    });
    redis.on('error', () => undefined);
    repository = new StatusRepository(redis, {
      redis: { keyPrefix: prefix },
      statusTtlSeconds: 3600,
      statusDetail: 'full',
    } as ResolvedAsesOptions);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('answers STORE_UNAVAILABLE while Redis is down, and works again once it is back (empty)', async () => {
    const m = message();
    await repository.create(m);
    expect((await repository.find(m.id))?.status).toBe(MessageStatus.QUEUED);

    await server.stop();
    const calls: Array<() => Promise<unknown>> = [
      () => repository.create(message()),
      () => repository.find(m.id),
      () => repository.claim(m.id, 'o', 1000),
      () => repository.markPushed(m.id, '0100-x-000000', new Date().toISOString()),
      () => repository.apply(m.id, { event: { type: 'retry', at: new Date().toISOString() } }),
      () => repository.findBySesId('0100019ad0000000-3c1f2b7e-9a4d-4e2f-8b1c-0d9e8f7a6b5c-000000'),
      () => repository.failedPage(undefined, 10),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        code: AsesErrorCode.STORE_UNAVAILABLE,
        message: expect.stringContaining('the status store (Redis) did not answer'),
      });
    }

    // Back without its data (no persistence): the record is gone, and nothing recreates half of it.
    await server.restart();
    await expect(repository.find(m.id)).resolves.toBeNull();
    await expect(
      repository.apply(m.id, {
        status: MessageStatus.DELIVERED,
        event: { type: 'delivery', at: new Date().toISOString() },
      }),
    ).resolves.toEqual({ outcome: 'missing' });
    await expect(repository.claim(m.id, 'o', 1000)).resolves.toEqual({ outcome: 'missing' });
    const again = message();
    await expect(repository.create(again)).resolves.toEqual({ created: true });
    expect((await repository.find(again.id))?.status).toBe(MessageStatus.QUEUED);
  });

  it('is left consistent by a crash between the SES-id index entry and the PUSHED write', async () => {
    const m = message();
    await repository.create(m);
    const sesId = `0100${Date.now().toString(16).padStart(12, '0')}-3c1f2b7e-9a4d-4e2f-8b1c-0d9e8f7a6b5c-000000`;
    // The first of markPushed's two steps, as a process killed before the second leaves it.
    const digest = digest8(sesId);
    await redis.hset(sesIndexKey(prefix, Date.now(), digest), digest, m.id);
    await expect(repository.findBySesId(sesId)).resolves.toEqual({ outcome: 'unknown' });
    // The job comes back (SQS), the message is sent again and recorded as it should be.
    expect(await repository.claim(m.id, 'o', 1000)).toMatchObject({ outcome: 'claimed' });
    await repository.markPushed(m.id, sesId, new Date().toISOString());
    await expect(repository.findBySesId(sesId)).resolves.toMatchObject({
      outcome: 'found',
      id: m.id,
    });
  });

  it('answers as for an expired record once Redis was flushed', async () => {
    const m = message();
    await repository.create(m);
    await repository.markPushed(
      m.id,
      `0100${Date.now().toString(16).padStart(12, '0')}-3c1f2b7e-9a4d-4e2f-8b1c-0d9e8f7a6b5d-000000`,
      new Date().toISOString(),
    );
    await redis.flushall();
    await expect(repository.find(m.id)).resolves.toBeNull();
    await expect(repository.claim(m.id, 'o', 1000)).resolves.toEqual({ outcome: 'missing' });
    await expect(
      repository.retry(m.id, { type: 'queued', at: new Date().toISOString() }),
    ).resolves.toEqual({
      outcome: 'missing',
    });
  });
});
