import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { REDIS_TARGETS, useSpecRedis } from '../../test/helpers/test-redis';
import { suppressionKeyOf } from './suppressed-address';
import type { SuppressionEntry } from './suppression-entry';
import { SuppressionRepository } from './suppression.repository';
import { SuppressionService } from './suppression.service';

// The service over the real repository and scripts, on the Redis on 6379 (the cluster layout is
// covered by the repository spec).
describe('SuppressionService: unsubscribes by category', () => {
  let service: SuppressionService;
  let events: Array<[string, SuppressionEntry]>;

  useSpecRedis(REDIS_TARGETS[0][1], (redis: AsesRedis, prefix: string) => {
    const options = { redis: { keyPrefix: prefix } } as unknown as ResolvedAsesOptions;
    const emitter = new EventEmitter2();
    events = [];
    for (const name of [ASES_EVENTS.suppressionAdded, ASES_EVENTS.suppressionRemoved]) {
      emitter.on(name, (event: SuppressionEntry) => events.push([name, event]));
    }
    service = new SuppressionService(new SuppressionRepository(redis, options), options, emitter);
  });

  const unsubscribe = (email: string, category: string, messageId = 'm-1') =>
    service.suppress({
      email,
      reason: `one-click unsubscribe from ${category} mail`,
      source: 'unsubscribe',
      category,
      messageId,
      at: '2025-03-04T05:06:07.000Z',
    });

  async function refusal(work: Promise<unknown>): Promise<AsesException> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AsesException);
    return error as AsesException;
  }

  it('blocks marketing mail to an address unsubscribed from marketing, not transactional mail', async () => {
    const result = await unsubscribe('Jane <Jane@Example.com>', 'marketing');

    expect(result).toEqual({
      created: true,
      entry: {
        email: 'Jane@example.com',
        reason: 'one-click unsubscribe from marketing mail',
        since: '2025-03-04T05:06:07.000Z',
        messageId: 'm-1',
        source: 'unsubscribe',
        category: 'marketing',
      },
    });
    expect(await service.findBlocking(['jane@example.com'], 'marketing')).toEqual([]);
    expect(await service.findBlocking(['Jane@EXAMPLE.com'], 'marketing')).toEqual([result.entry]);
    expect(await service.findBlocking(['Jane@example.com'], 'transactional')).toEqual([]);
    // assertSendable and find look at entries for all mail only.
    await expect(service.assertSendable('Jane@example.com')).resolves.toBeUndefined();
    expect(await service.find('Jane@example.com')).toBeNull();
  });

  it('blocks every category for a bounce, a complaint or a manual entry', async () => {
    await service.suppress({ email: 'b@example.com', reason: 'gone', source: 'bounce' });
    await service.suppress({ email: 'c@example.com', reason: 'abuse', source: 'complaint' });
    await service.suppress({ email: 'm@example.com', reason: 'asked', source: 'manual' });

    for (const category of ['transactional', 'marketing', 'x.y_z-1']) {
      const blocking = await service.findBlocking(
        ['b@example.com', 'c@example.com', 'm@example.com', 'free@example.com'],
        category,
      );
      expect(blocking.map((e) => [e.email, e.source])).toEqual([
        ['b@example.com', 'bounce'],
        ['c@example.com', 'complaint'],
        ['m@example.com', 'manual'],
      ]);
    }
  });

  it('looks each address up once, and maps back with suppressionKeyOf', async () => {
    await unsubscribe('u@example.com', 'news');
    const to = ['U <u@EXAMPLE.com>', 'u@example.com', 'other@example.com'];

    const blocking = await service.findBlocking(to, 'news');

    expect(blocking).toHaveLength(1);
    const blocked = new Set(blocking.map((e) => e.email));
    expect(to.filter((address) => blocked.has(suppressionKeyOf(address) as string))).toEqual([
      'U <u@EXAMPLE.com>',
      'u@example.com',
    ]);
    expect(await service.findBlocking([], 'news')).toEqual([]);
  });

  it('names the blocked recipients of a message by the mailbox given, a global entry first', async () => {
    await unsubscribe('u@example.com', 'news');
    await service.suppress({ email: 'b@example.com', reason: 'gone', source: 'bounce' });
    await unsubscribe('b@example.com', 'news');
    const to = ['U <u@EXAMPLE.com>', 'b@example.com', 'other@example.com'];

    const blocked = await service.blockedAmong(to, 'news');

    expect([...blocked].map(([mailbox, entry]) => [mailbox, entry.source])).toEqual([
      ['U <u@EXAMPLE.com>', 'unsubscribe'],
      ['b@example.com', 'bounce'],
    ]);
    expect((await service.blockedAmong(to, 'transactional')).size).toBe(1);
  });

  it('keeps the first unsubscribe of a category (idempotent) and emits added once, with the category', async () => {
    const first = await unsubscribe('u@example.com', 'marketing', 'm-1');
    const again = await unsubscribe('u@example.com', 'marketing', 'm-2');

    expect(again).toEqual({ created: false, entry: first.entry });
    expect(events).toEqual([[ASES_EVENTS.suppressionAdded, first.entry]]);
    expect(events[0][1]).toMatchObject({ source: 'unsubscribe', category: 'marketing' });
  });

  it('replaces an unsubscribe when asked (a PUT with a category)', async () => {
    await unsubscribe('u@example.com', 'marketing');
    const replaced = await service.suppress({
      email: 'u@example.com',
      reason: 'imported from the old ESP',
      source: 'unsubscribe',
      category: 'marketing',
      replace: true,
    });

    expect(replaced.created).toBe(false);
    expect(replaced.entry).toMatchObject({ reason: 'imported from the old ESP' });
    expect(replaced.entry.messageId).toBeUndefined();
  });

  it('findAll shows the entry and the unsubscribes; null for an address with neither', async () => {
    await unsubscribe('u@example.com', 'news');
    await unsubscribe('u@example.com', 'marketing');

    expect(await service.findAll('u@example.com')).toEqual({
      email: 'u@example.com',
      entry: null,
      unsubscribes: [
        expect.objectContaining({ category: 'marketing' }),
        expect.objectContaining({ category: 'news' }),
      ],
    });
    await service.suppress({ email: 'u@example.com', reason: 'gone', source: 'bounce' });
    expect((await service.findAll('u@example.com'))?.entry).toMatchObject({ source: 'bounce' });
    expect(await service.findAll('nobody@example.com')).toBeNull();
  });

  it('removes one category, or everything, emitting removed once per entry', async () => {
    await service.suppress({ email: 'u@example.com', reason: 'gone', source: 'bounce' });
    const marketing = await unsubscribe('u@example.com', 'marketing');
    const news = await unsubscribe('u@example.com', 'news');
    events.length = 0;

    expect(await service.remove('u@example.com', 'marketing')).toBe(true);
    expect(await service.remove('u@example.com', 'marketing')).toBe(false);
    expect(await service.findBlocking(['u@example.com'], 'marketing')).toEqual([
      expect.objectContaining({ source: 'bounce' }),
    ]);
    expect(events).toEqual([[ASES_EVENTS.suppressionRemoved, marketing.entry]]);

    expect(await service.remove('u@example.com')).toBe(true);
    expect(await service.findAll('u@example.com')).toBeNull();
    expect(events.slice(1)).toEqual([
      [ASES_EVENTS.suppressionRemoved, expect.objectContaining({ source: 'bounce' })],
      [ASES_EVENTS.suppressionRemoved, news.entry],
    ]);
    expect(await service.remove('u@example.com')).toBe(false);
  });

  it('lists entries and unsubscribes together, paging across them', async () => {
    await service.suppress({ email: 'a@example.com', reason: 'gone', source: 'bounce' });
    await unsubscribe('a@example.com', 'marketing');
    await unsubscribe('b@example.com', 'news');

    const first = await service.list(undefined, 2);
    const second = await service.list(first.nextCursor as string, 2);

    expect(first.items.map((e) => [e.email, e.source, e.category])).toEqual([
      ['a@example.com', 'bounce', undefined],
      ['a@example.com', 'unsubscribe', 'marketing'],
    ]);
    expect(second).toEqual({
      items: [expect.objectContaining({ email: 'b@example.com', category: 'news' })],
      nextCursor: null,
    });
  });

  it.each([
    ['an unsubscribe without a category', { source: 'unsubscribe' as const }, 'category'],
    ['a bad category', { source: 'unsubscribe' as const, category: 'Marketing!' }, 'category'],
    ['a category on a bounce', { source: 'bounce' as const, category: 'marketing' }, 'category'],
  ])('refuses %s, naming the field', async (_name, fields, field) => {
    const error = await refusal(
      service.suppress({ email: 'u@example.com', reason: 'r', ...fields }),
    );
    expect(error.code).toBe(AsesErrorCode.INVALID_REQUEST);
    expect(error.details.errors).toEqual([{ field, problems: [expect.any(String)] }]);
  });

  it.each([
    ['a bad category', () => service.findBlocking(['u@example.com'], ''), 'category'],
    ['a bad address', () => service.findBlocking(['not an address'], 'news'), 'email'],
    ['a bad category to remove', () => service.remove('u@example.com', 'A'), 'category'],
  ])('findBlocking and remove refuse %s, naming the field', async (_name, call, field) => {
    const error = await refusal(call());
    expect(error.code).toBe(AsesErrorCode.INVALID_REQUEST);
    expect(error.details.errors).toEqual([{ field, problems: [expect.any(String)] }]);
  });
});
