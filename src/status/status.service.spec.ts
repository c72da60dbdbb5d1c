import { EventEmitter2 } from '@nestjs/event-emitter';
import { Redis } from 'ioredis';
import { useSpecRedis } from '../../test/helpers/test-redis';
import { ASES_EVENTS } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { newMessageId } from './message-id';
import { MessageStatus } from './message-status';
import { StatusRepository } from './status.repository';
import { StatusService } from './status.service';

// StatusService over the real repository (one Redis server): cancelling, and the events it
// emits for the statuses and timeline types this issue added.

describe('StatusService', () => {
  let service: StatusService;
  let emitted: string[];

  useSpecRedis(
    () => new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    (redis, prefix) => {
      const options = {
        redis: { keyPrefix: prefix },
        statusTtlSeconds: 3600,
        statusDetail: 'full',
      } as ResolvedAsesOptions;
      const events = new EventEmitter2({ wildcard: true });
      emitted = [];
      events.onAny((name) => {
        emitted.push(String(name));
      });
      service = new StatusService(new StatusRepository(redis, options), events);
    },
  );

  async function queued(): Promise<string> {
    const queuedAt = Date.now();
    const id = newMessageId(queuedAt);
    await service.create({
      id,
      from: 'a@shop.example.com',
      to: 'b@customer.example',
      subject: 's',
      tags: { campaign: 'c' },
      queuedAt: new Date(queuedAt).toISOString(),
      fingerprint: 'fp',
    });
    return id;
  }

  it('cancels a QUEUED message, which the caller announces as ases.message.canceled', async () => {
    const id = await queued();
    const at = new Date().toISOString();
    const result = await service.cancel(id, at);
    expect(result).toEqual({
      outcome: 'canceled',
      previous: MessageStatus.QUEUED,
      tags: { campaign: 'c' },
    });
    expect(emitted).toEqual([]);
    expect(await service.getStatus(id)).toMatchObject({
      status: MessageStatus.CANCELED,
      canceledAt: at,
      events: [
        { type: 'queued' },
        { type: 'canceled', at, detail: 'cancelled by request', source: 'ases' },
      ],
    });
    service.announceStatus(
      id,
      MessageStatus.QUEUED,
      MessageStatus.CANCELED,
      { type: 'canceled', at, source: 'ases' },
      { campaign: 'c' },
    );
    expect(emitted).toEqual([ASES_EVENTS.statusChanged, ASES_EVENTS.canceled]);
    expect(await service.cancel(id, at)).toEqual({
      outcome: 'not-cancelable',
      status: MessageStatus.CANCELED,
    });
    expect(await service.cancel(newMessageId(Date.now()), at)).toEqual({ outcome: 'missing' });
  });

  it('emits ases.message.unsubscribed for an unsubscribed timeline entry', async () => {
    const id = await queued();
    await service.update(id, {
      event: { type: 'unsubscribed', at: new Date().toISOString(), source: 'ases' },
    });
    expect(emitted).toEqual([ASES_EVENTS.unsubscribed]);
  });
});
