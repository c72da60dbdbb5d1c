import { randomUUID } from 'node:crypto';
import { REDIS_TARGETS, keysWithPrefix, slotOf, useSpecRedis } from '../../test/helpers/test-redis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { newMessageId } from './message-id';
import { fieldsOf } from './record-codec';
import { recordLocation } from './record-location';
import { MessageStatus, canAdvance } from './message-status';
import { NewMessage, StatusRepository, TIMELINE_LENGTH } from './status.repository';

// The repository against the real scripts, on one Redis server and on the 3-master test cluster
// (scripts/ensure-redis-cluster.sh): the stored layout, its size and every transition.

const HOUR = 3_600_000;
// Real SES ids: 0100, the send time (12 hex digits of ms), a UUID, -000000.
const SES_ID = (at = Date.now()) =>
  `0100${at.toString(16).padStart(12, '0')}-${randomUUID()}-000000`;

/** The raw value of a key (string) or of one field (hash), and its remaining TTL. */
async function stored(redis: AsesRedis, key: string, field?: string) {
  const value = field === undefined ? await redis.get(key) : await redis.hget(key, field);
  return { value, ttlMs: await redis.pttl(key), type: await redis.type(key) };
}

describe.each(REDIS_TARGETS)('StatusRepository on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  const options = (detail: 'full' | 'lean' = 'full') =>
    ({
      redis: { keyPrefix: prefix },
      statusTtlSeconds: 14 * 24 * 3600,
      statusDetail: detail,
    }) as ResolvedAsesOptions;
  let repository: StatusRepository;

  const message = (overrides: Partial<NewMessage> = {}): NewMessage => {
    const queuedAt = overrides.queuedAt ?? new Date().toISOString();
    return {
      id: newMessageId(Date.parse(queuedAt)),
      from: 'Shop News <news@shop.example.com>',
      to: 'jane.doe+orders@customer-mail.example',
      subject: 'Your order 1234 has shipped: track it here, and see what else is new',
      tags: { campaign: 'shipping', variant: 'b' },
      track: { opens: true, clicks: true },
      queuedAt,
      fingerprint: 'fp-1',
      ...overrides,
    };
  };

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    repository = new StatusRepository(redis, options());
  });

  it('keeps an id of its own in the time bucket of its queue minute, expiring after the retention', async () => {
    const queuedAt = new Date(Date.UTC(2026, 11, 1, 10, 30, 15, 250)).toISOString();
    const m = message({ queuedAt });
    expect(await repository.create(m)).toEqual({ created: true });

    // Beside the search index's keys (status.repository.search.spec.ts).
    const keys = await keysWithPrefix(redis, `${prefix}r:`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}r:\\{[0-9a-z]+\\.\\d+\\}$`));
    const { value, ttlMs, type } = await stored(redis, keys[0], m.id.slice(9));
    expect(type).toBe('hash');
    // Expires 14 days after the end of its minute.
    const minuteEnd = Date.UTC(2026, 11, 1, 10, 31);
    const expected = minuteEnd + 14 * 24 * HOUR - Date.now();
    expect(Math.abs(ttlMs - expected)).toBeLessThan(5_000);
    // No fingerprint for an id ases made: only a caller's own id can be replayed.
    expect(value).not.toContain('fp-1');

    const record = await repository.find(m.id);
    expect(record).toEqual({
      id: m.id,
      status: MessageStatus.QUEUED,
      from: m.from,
      to: m.to,
      subject: m.subject,
      tags: m.tags,
      track: m.track,
      queuedAt,
      recipients: [
        {
          address: 'jane.doe+orders@customer-mail.example',
          kind: 'to',
          status: MessageStatus.QUEUED,
          at: queuedAt,
        },
      ],
      events: [
        {
          type: 'queued',
          at: queuedAt,
          recipient: 'jane.doe+orders@customer-mail.example',
          source: 'ases',
        },
      ],
    });
  });

  it('keeps a caller-given id in a key of its own, with the fingerprint, and refuses it twice', async () => {
    const m = message({ id: `order-${randomUUID()}` });
    expect(await repository.create(m)).toEqual({ created: true });
    const again = await repository.create({ ...m, subject: 'other', fingerprint: 'fp-2' });
    expect(again).toMatchObject({
      created: false,
      fingerprint: 'fp-1',
      existing: { id: m.id, subject: m.subject, status: MessageStatus.QUEUED },
    });
    const key = `${prefix}u:{${m.id}}`;
    const { type, ttlMs } = await stored(redis, key);
    expect(type).toBe('string');
    expect(ttlMs).toBeGreaterThan(14 * 24 * HOUR - 60_000);
    expect(await repository.exists(m.id)).toBe(true);
    await repository.remove(m.id);
    expect(await repository.exists(m.id)).toBe(false);
  });

  it('goes QUEUED → PUSHED → DELIVERED → BOUNCED, never back, each event once', async () => {
    const m = message();
    await repository.create(m);
    const owner = 'owner-1';
    expect(await repository.claim(m.id, owner, 30_000)).toEqual({
      outcome: 'claimed',
      attempts: 1,
      tags: m.tags,
    });
    // A second receive of the same job finds the live lease.
    const busy = await repository.claim(m.id, 'owner-2', 30_000);
    expect(busy.outcome).toBe('busy');

    const sesId = SES_ID();
    const pushedAt = new Date(Date.parse(m.queuedAt) + 312).toISOString();
    expect(await repository.markPushed(m.id, sesId, pushedAt)).toEqual({
      outcome: 'applied',
      previous: MessageStatus.QUEUED,
    });
    expect(await repository.markPushed(m.id, SES_ID(), pushedAt)).toEqual({
      outcome: 'unchanged',
      current: MessageStatus.PUSHED,
    });
    expect(await repository.claim(m.id, owner, 30_000)).toEqual({
      outcome: 'done',
      status: MessageStatus.PUSHED,
    });

    const deliveredAt = new Date(Date.parse(pushedAt) + 2_450).toISOString();
    const delivery = {
      status: MessageStatus.DELIVERED,
      change: { deliveredAt },
      event: {
        type: 'delivery',
        at: deliveredAt,
        recipient: 'Jane.Doe+orders@customer-mail.example',
        detail: '250 ok:  Message 64111812 accepted',
        source: 'ses' as const,
      },
      dedupeKeys: ['ev:delivery-1'],
    };
    expect(await repository.apply(m.id, delivery)).toMatchObject({
      outcome: 'applied',
      previous: MessageStatus.PUSHED,
      status: MessageStatus.DELIVERED,
      tags: m.tags,
      // The events carry it (logs, webhooks) without reading the record again.
      sesMessageId: sesId,
    });
    expect(await repository.apply(m.id, delivery)).toMatchObject({ outcome: 'duplicate' });

    const bouncedAt = new Date(Date.parse(deliveredAt) + 1_000).toISOString();
    const bounce = {
      status: MessageStatus.BOUNCED,
      change: {
        bouncedAt,
        bounce: {
          type: 'Permanent',
          subType: 'General',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550',
        },
      },
      event: { type: 'bounce', at: bouncedAt, detail: 'Permanent/General', source: 'ses' as const },
      dedupeKeys: ['ev:bounce-1'],
    };
    expect(await repository.apply(m.id, bounce)).toMatchObject({
      outcome: 'applied',
      status: MessageStatus.BOUNCED,
    });
    // A late delivery is recorded in the timeline but moves nothing back.
    expect(
      await repository.apply(m.id, { ...delivery, dedupeKeys: ['ev:delivery-2'] }),
    ).toMatchObject({ outcome: 'unchanged', status: MessageStatus.BOUNCED, sesMessageId: sesId });

    // What a click's classification reads, without the rest of the record.
    expect(await repository.sendTimes(m.id)).toEqual({ pushedAt, deliveredAt });
    expect(await repository.sendTimes(newMessageId(Date.now()))).toEqual({});
    const record = await repository.find(m.id);
    expect(record).toMatchObject({
      status: MessageStatus.BOUNCED,
      sesMessageId: sesId,
      attempts: 1,
      pushedAt,
      deliveredAt,
      bouncedAt,
      bounce: bounce.change.bounce,
    });
    expect(record?.events?.map((event) => event.type)).toEqual([
      'queued',
      'pushed',
      'delivery',
      'bounce',
      'delivery',
    ]);
    // An entry naming the message's own address keeps a mark for it; another spelling is kept.
    expect(record?.events?.[1]).toEqual({
      type: 'pushed',
      at: pushedAt,
      detail: sesId,
      source: 'ases',
    });
    expect(record?.events?.[0].recipient).toBe('jane.doe+orders@customer-mail.example');
    expect(record?.events?.[2]).toEqual({
      type: 'delivery',
      at: deliveredAt,
      recipient: 'Jane.Doe+orders@customer-mail.example',
      detail: '250 ok:  Message 64111812 accepted',
      source: 'ses',
    });
  });

  it('finds a message by SES id through the mail header, the index around a time, or the id itself', async () => {
    const m = message();
    await repository.create(m);
    const sesId = SES_ID();
    const hints = { times: [Date.now()] };
    // QUEUED: not a match yet (PUSHED may still be on its way).
    expect(await repository.findBySesId(sesId, { candidateId: m.id, ...hints })).toEqual({
      outcome: 'unknown',
    });
    await repository.markPushed(m.id, sesId, new Date().toISOString());
    const to = m.to;
    expect(await repository.findBySesId(sesId, { candidateId: m.id })).toEqual({
      outcome: 'found',
      id: m.id,
      to,
    });
    expect(await repository.findBySesId(sesId, hints)).toEqual({ outcome: 'found', id: m.id, to });
    // The SES id carries its send time: enough for a lookup from the API.
    expect(await repository.findBySesId(sesId)).toEqual({ outcome: 'found', id: m.id, to });
    // A header naming another message does not take this SES id's events.
    const other = message();
    await repository.create(other);
    expect(await repository.findBySesId(sesId, { candidateId: other.id })).toEqual({
      outcome: 'found',
      id: m.id,
      to,
    });
    expect(await repository.findBySesId(SES_ID())).toEqual({ outcome: 'unknown' });
    expect(await repository.findBySesId('not-an-ses-id', hints)).toEqual({ outcome: 'unknown' });
    // The record is gone (expired, evicted) while the index still names it.
    await repository.remove(m.id);
    expect(await repository.findBySesId(sesId)).toEqual({ outcome: 'expired', id: m.id });
  });

  it('counts opens and clicks per source, class and link', async () => {
    const m = message();
    await repository.create(m);
    const base = Date.parse(m.queuedAt);
    const at = (ms: number) => new Date(base + ms).toISOString();
    const hit = (
      kind: 'open' | 'click',
      ms: number,
      cls: 'human' | 'proxy' | 'scanner',
      url?: string,
    ) =>
      repository.apply(m.id, {
        tracking: { kind, source: 'ases', at: at(ms), class: cls, url },
        event: {
          type: kind,
          at: at(ms),
          source: 'ases',
          detail: url,
          hit: {
            class: cls,
            rule: cls === 'human' ? 'browser' : 'apple-mpp',
            link: url ? 0 : undefined,
          },
        },
      });
    await hit('open', 5_000, 'proxy');
    await hit('open', 9_000, 'human');
    await hit('click', 10_000, 'scanner', 'https://shop.example.com/a');
    await hit('click', 20_000, 'human', 'https://shop.example.com/a');
    await hit('click', 30_000, 'human', 'https://shop.example.com/b?x=1,2');
    const record = await repository.find(m.id);
    expect(record?.opens).toEqual({
      count: 2,
      humanCount: 1,
      firstAt: at(5_000),
      lastAt: at(9_000),
      firstHumanAt: at(9_000),
      bySource: { ases: 2 },
      byClass: { human: 1, proxy: 1 },
    });
    expect(record?.clicks).toEqual({
      count: 3,
      humanCount: 2,
      firstAt: at(10_000),
      lastAt: at(30_000),
      firstHumanAt: at(20_000),
      bySource: { ases: 3 },
      byClass: { human: 2, scanner: 1 },
      uniqueLinks: 2,
      links: [
        {
          url: 'https://shop.example.com/a',
          count: 2,
          humanCount: 1,
          firstAt: at(10_000),
          lastAt: at(20_000),
        },
        {
          url: 'https://shop.example.com/b?x=1,2',
          count: 1,
          humanCount: 1,
          firstAt: at(30_000),
          lastAt: at(30_000),
        },
      ],
    });
    expect(record?.events?.[3]).toEqual({
      type: 'click',
      at: at(10_000),
      source: 'ases',
      detail: 'https://shop.example.com/a',
      hit: { class: 'scanner', rule: 'apple-mpp', link: 0 },
    });
  });

  it('in lean mode, dedupes what counts and lets the ranking absorb repeated status events', async () => {
    const lean = new StatusRepository(redis, options('lean'));
    const m = message();
    await lean.create(m);
    await lean.markPushed(m.id, SES_ID(), new Date().toISOString());
    const at = new Date().toISOString();
    const delivery = {
      status: MessageStatus.DELIVERED,
      change: { deliveredAt: at },
      event: { type: 'delivery', at, source: 'ses' as const },
      dedupeKeys: ['ev:d'],
    };
    expect(await lean.apply(m.id, delivery)).toMatchObject({ outcome: 'applied' });
    expect(await lean.apply(m.id, delivery)).toMatchObject({ outcome: 'unchanged' });
    const open = {
      tracking: { kind: 'open' as const, source: 'ses' as const, at, class: 'human' as const },
      event: { type: 'open', at, source: 'ses' as const },
      dedupeKeys: ['ev:o'],
    };
    expect(await lean.apply(m.id, open)).toMatchObject({ outcome: 'applied' });
    expect(await lean.apply(m.id, open)).toMatchObject({ outcome: 'duplicate' });
    const record = await lean.find(m.id);
    expect(record).toMatchObject({ status: MessageStatus.DELIVERED, opens: { count: 1 } });
    expect(record).not.toHaveProperty('events');
  });

  // Every status a message can be in, against every status an event can ask for: the script's
  // ranking is the one canAdvance describes.
  const STORED = Object.values(MessageStatus).filter((status) => status !== MessageStatus.UNKNOWN);
  it.each(STORED.flatMap((from) => STORED.map((to) => [from, to] as const)))(
    'moves %s to %s only up the ranking',
    async (from, to) => {
      const m = message();
      await repository.create(m);
      const at = new Date().toISOString();
      if (from !== MessageStatus.QUEUED) {
        await repository.apply(m.id, { status: from, event: { type: 'send', at } });
      }
      const result = await repository.apply(m.id, { status: to, event: { type: 'send', at } });
      expect(result).toMatchObject(
        canAdvance(from, to)
          ? { outcome: 'applied', previous: from, status: to }
          : { outcome: 'unchanged', previous: from, status: from },
      );
      expect((await repository.find(m.id))?.status).toBe(canAdvance(from, to) ? to : from);
    },
  );

  it('keeps the latest 64 dedupe marks', async () => {
    const m = message();
    await repository.create(m);
    const open = (n: number) =>
      repository.apply(m.id, {
        tracking: { kind: 'open', source: 'ses', at: new Date().toISOString(), class: 'proxy' },
        event: { type: 'open', at: new Date().toISOString(), source: 'ses' },
        dedupeKeys: [`ev:open-${n}`],
      });
    for (let n = 0; n < 70; n += 1) {
      expect(await open(n)).toMatchObject({ outcome: 'applied' });
    }
    // A repeat of a recent event is caught; the oldest marks made room for the newest.
    expect(await open(69)).toMatchObject({ outcome: 'duplicate' });
    expect(await open(6)).toMatchObject({ outcome: 'duplicate' });
    expect(await open(5)).toMatchObject({ outcome: 'applied' });
    expect((await repository.find(m.id))?.opens?.count).toBe(71);
  });

  it('keeps the latest timeline entries only', async () => {
    const m = message();
    await repository.create(m);
    for (let i = 0; i < TIMELINE_LENGTH + 5; i += 1) {
      await repository.apply(m.id, {
        event: {
          type: 'retry',
          at: new Date().toISOString(),
          detail: `attempt ${i}`,
          source: 'ases',
        },
      });
    }
    const events = (await repository.find(m.id))?.events ?? [];
    expect(events).toHaveLength(TIMELINE_LENGTH);
    expect(events.at(-1)?.detail).toBe(`attempt ${TIMELINE_LENGTH + 4}`);
    expect(events[0].detail).toBe('attempt 5');
  });

  it('writes nothing for an event of a missing (expired) record', async () => {
    const id = newMessageId(Date.now());
    expect(
      await repository.apply(id, {
        status: MessageStatus.DELIVERED,
        event: { type: 'delivery', at: new Date().toISOString() },
      }),
    ).toEqual({ outcome: 'missing' });
    expect(await repository.claim(id, 'o', 1000)).toEqual({ outcome: 'missing' });
    expect(await repository.markPushed(id, SES_ID(), new Date().toISOString())).toEqual({
      outcome: 'missing',
    });
    // Only the SES-id index entry (harmless: a lookup checks the record) was written.
    expect(
      (await keysWithPrefix(redis, prefix)).every((key) => key.startsWith(`${prefix}x:`)),
    ).toBe(true);
  });

  it('gives a lease back, refunding the attempt when nothing was sent', async () => {
    const m = message();
    await repository.create(m);
    await repository.claim(m.id, 'a', 30_000);
    await repository.release(m.id, 'someone-else', true);
    expect((await repository.claim(m.id, 'b', 30_000)).outcome).toBe('busy');
    await repository.release(m.id, 'a', true);
    expect(await repository.claim(m.id, 'b', 30_000)).toMatchObject({
      outcome: 'claimed',
      attempts: 1,
    });
    await repository.release(m.id, 'b', false);
    expect(await repository.claim(m.id, 'c', 30_000)).toMatchObject({
      outcome: 'claimed',
      attempts: 2,
    });
  });

  it('lists FAILED messages newest first and retries one with its kept job', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const m = message({ queuedAt: new Date(Date.now() - 10_000 + i).toISOString() });
      ids.push(m.id);
      await repository.create(m);
      await repository.keepJob(m.id, `job-${i}`);
      const failedAt = new Date(Date.now() - 5_000 + i * 10).toISOString();
      const failed = await repository.apply(m.id, {
        status: MessageStatus.FAILED,
        change: { failedAt, error: { code: 'MessageRejected', message: 'no' } },
        event: { type: 'failed', at: failedAt, source: 'ases' },
      });
      // Never pushed: no SES id to tell.
      expect(failed).toEqual({
        outcome: 'applied',
        previous: MessageStatus.QUEUED,
        status: MessageStatus.FAILED,
        tags: m.tags,
      });
    }
    const first = await repository.failedPage(undefined, 2);
    expect(first.messages.map((record) => record.id)).toEqual([ids[2], ids[1]]);
    expect(first.messages[0].error).toEqual({ code: 'MessageRejected', message: 'no' });
    const second = await repository.failedPage(first.nextCursor, 2);
    expect(second).toEqual({ messages: [expect.objectContaining({ id: ids[0] })] });

    const retry = await repository.retry(ids[2], {
      type: 'retried',
      at: new Date().toISOString(),
      source: 'ases',
    });
    expect(retry).toMatchObject({ outcome: 'queued', job: 'job-2' });
    const retried = await repository.find(ids[2]);
    expect(retried?.status).toBe(MessageStatus.QUEUED);
    expect(retried?.events?.at(-1)).toMatchObject({ type: 'retried', source: 'ases' });
    expect((await repository.failedPage(undefined, 10)).messages.map((r) => r.id)).toEqual([
      ids[1],
      ids[0],
    ]);
    // The queue refused it: FAILED again, listed and retryable.
    if (retry.outcome === 'queued') {
      await retry.undo();
    }
    expect((await repository.find(ids[2]))?.status).toBe(MessageStatus.FAILED);
    expect((await repository.failedPage(undefined, 10)).messages.map((r) => r.id)).toEqual([
      ids[2],
      ids[1],
      ids[0],
    ]);
    expect(
      await repository.retry(ids[0], { type: 'queued', at: new Date().toISOString() }),
    ).toMatchObject({
      outcome: 'queued',
    });
    expect(
      await repository.retry(ids[0], { type: 'queued', at: new Date().toISOString() }),
    ).toEqual({
      outcome: 'not-failed',
      status: MessageStatus.QUEUED,
    });
  });

  it('puts the keys of one message in one slot', async () => {
    const m = message({ id: `order-${randomUUID()}` });
    await repository.create(m);
    await repository.keepJob(m.id, 'job');
    const own = message();
    await repository.create(own);
    await repository.keepJob(own.id, 'job');
    const keys = await keysWithPrefix(redis, prefix);
    const slot = slotOf;
    const ofId = (id: string) => keys.filter((key) => key.includes(id) || key.includes(`{${id}}`));
    const userKeys = ofId(m.id);
    expect(userKeys).toHaveLength(2);
    expect(new Set(await Promise.all(userKeys.map(slot))).size).toBe(1);
    const bucket = keys.find((key) => key.startsWith(`${prefix}r:`)) ?? '';
    const job = keys.find((key) => key.endsWith(`:${own.id}`)) ?? '';
    expect(await slot(bucket)).toBe(await slot(job));
  });

  describe('several recipients', () => {
    const several = (overrides: Partial<NewMessage> = {}) =>
      message({
        to: ['Jane Doe <jane@customer.example>'],
        cc: ['bob@customer.example'],
        bcc: ['carol@other.example'],
        ...overrides,
      });
    const raw = async (id: string) => {
      const at = recordLocation(prefix, id);
      return (at.field === '' ? await redis.get(at.key) : await redis.hget(at.key, at.field)) ?? '';
    };
    const event = (type: string, at: string, recipient?: string) => ({
      type,
      at,
      source: 'ses' as const,
      ...(recipient === undefined ? {} : { recipient }),
    });
    const states = async (id: string) =>
      (await repository.find(id))?.recipients?.map((r) => [r.address, r.kind, r.status]);

    it("keeps each recipient's status: a Delivery for one, a Bounce for another", async () => {
      const m = several();
      await repository.create(m);
      const base = Date.parse(m.queuedAt);
      const at = (ms: number) => new Date(base + ms).toISOString();
      const sizes = [Buffer.byteLength(await raw(m.id))];
      await repository.claim(m.id, 'o', 30_000);
      const sesId = SES_ID(base + 300);
      await repository.markPushed(m.id, sesId, at(312));
      sizes.push(Buffer.byteLength(await raw(m.id)));
      expect(await states(m.id)).toEqual([
        ['jane@customer.example', 'to', MessageStatus.PUSHED],
        ['bob@customer.example', 'cc', MessageStatus.PUSHED],
        ['carol@other.example', 'bcc', MessageStatus.PUSHED],
      ]);
      // Feedback knows the recipients (bare addresses) of the SES id.
      expect(await repository.findBySesId(sesId, { candidateId: m.id })).toEqual({
        outcome: 'found',
        id: m.id,
        to: 'Jane Doe <jane@customer.example>',
        recipients: ['jane@customer.example', 'bob@customer.example', 'carol@other.example'],
      });

      const delivery = {
        status: MessageStatus.DELIVERED,
        change: { deliveredAt: at(2_000) },
        event: event('delivery', at(2_000), 'Jane@customer.example'),
        recipient: 'Jane@Customer.example',
        dedupeKeys: ['ev:d|jane'],
      };
      expect(await repository.apply(m.id, delivery)).toEqual({
        outcome: 'applied',
        previous: MessageStatus.PUSHED,
        status: MessageStatus.DELIVERED,
        tags: m.tags,
        recipientChanged: true,
        sesMessageId: sesId,
      });
      sizes.push(Buffer.byteLength(await raw(m.id)));
      const bounce = {
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: at(3_000),
          bounce: { type: 'Permanent', subType: 'General', status: '5.1.1', diagnosticCode: '550' },
        },
        event: event('bounce', at(3_000), 'bob@customer.example'),
        recipient: 'bob@customer.example',
        dedupeKeys: ['ev:b|bob'],
      };
      expect(await repository.apply(m.id, bounce)).toMatchObject({
        outcome: 'applied',
        previous: MessageStatus.DELIVERED,
        status: MessageStatus.BOUNCED,
        recipientChanged: true,
      });
      sizes.push(Buffer.byteLength(await raw(m.id)));
      // A late Delivery for the bounced one: recorded, nothing moves.
      expect(
        await repository.apply(m.id, {
          ...delivery,
          event: event('delivery', at(4_000), 'bob@customer.example'),
          recipient: 'bob@customer.example',
          dedupeKeys: ['ev:d|bob'],
        }),
      ).toMatchObject({
        outcome: 'unchanged',
        status: MessageStatus.BOUNCED,
        recipientChanged: false,
      });
      // The same Delivery again is a duplicate.
      expect(await repository.apply(m.id, delivery)).toMatchObject({ outcome: 'duplicate' });

      const record = await repository.find(m.id);
      expect(record).toMatchObject({
        status: MessageStatus.BOUNCED,
        to: 'Jane Doe <jane@customer.example>',
        cc: 'bob@customer.example',
        bcc: 'carol@other.example',
        bouncedAt: at(3_000),
        bounce: bounce.change.bounce,
        // The message took DELIVERED with its to, then BOUNCED with its cc.
        deliveredAt: at(2_000),
      });
      expect(record?.recipients).toEqual([
        {
          address: 'jane@customer.example',
          kind: 'to',
          status: MessageStatus.DELIVERED,
          at: at(2_000),
        },
        {
          address: 'bob@customer.example',
          kind: 'cc',
          status: MessageStatus.BOUNCED,
          at: at(3_000),
          bounce: bounce.change.bounce,
        },
        { address: 'carol@other.example', kind: 'bcc', status: MessageStatus.PUSHED, at: at(312) },
      ]);
      expect(record?.events?.map((e) => [e.type, e.recipient])).toEqual([
        ['queued', 'jane@customer.example'],
        ['pushed', undefined],
        ['delivery', 'Jane@customer.example'],
        ['bounce', 'bob@customer.example'],
        ['delivery', 'bob@customer.example'],
      ]);

      // A recipient the message does not have: nothing written.
      const before = await raw(m.id);
      expect(
        await repository.apply(m.id, {
          status: MessageStatus.COMPLAINED,
          event: event('complaint', at(5_000), 'mallory@example.com'),
          recipient: 'mallory@example.com',
          dedupeKeys: ['ev:c|mallory'],
        }),
      ).toEqual({ outcome: 'other-recipient', status: MessageStatus.BOUNCED });
      expect(await raw(m.id)).toBe(before);

      // The to bounces too, later: the message was BOUNCED already, and keeps the cc's details;
      // the to keeps its own.
      const second = { type: 'Transient', subType: 'MailboxFull', status: '4.2.2' };
      expect(
        await repository.apply(m.id, {
          status: MessageStatus.BOUNCED,
          change: { bouncedAt: at(6_000), bounce: second },
          event: event('bounce', at(6_000), 'jane@customer.example'),
          recipient: 'jane@customer.example',
          dedupeKeys: ['ev:b|jane'],
        }),
      ).toMatchObject({
        outcome: 'applied',
        status: MessageStatus.BOUNCED,
        recipientChanged: true,
      });
      const twice = await repository.find(m.id);
      expect(twice?.bounce).toEqual(bounce.change.bounce);
      expect(twice?.bouncedAt).toBe(at(3_000));
      expect(twice?.recipients?.slice(0, 2)).toEqual([
        {
          address: 'jane@customer.example',
          kind: 'to',
          status: MessageStatus.BOUNCED,
          at: at(6_000),
          bounce: second,
        },
        expect.objectContaining({ address: 'bob@customer.example', bounce: bounce.change.bounce }),
      ]);

      // The measure: the record of a 3-recipient message, queued (222 bytes), pushed
      // (272), delivered to one (316), bounced by another (388). A recipient's state costs 2 bytes
      // while QUEUED, about 5 once it moved, plus 2 ('=') when the message has its details.
      expect(sizes[0]).toBeLessThanOrEqual(230);
      expect(sizes[1] - sizes[0]).toBeLessThanOrEqual(45 + 3 * 5);
      expect(sizes[3]).toBeLessThanOrEqual(400);
    });

    it('a message-wide PUSHED does not lower a recipient suppressed before the send', async () => {
      const m = several();
      await repository.create(m);
      const at = new Date().toISOString();
      const suppressed = await repository.apply(m.id, {
        status: MessageStatus.SUPPRESSED,
        change: {
          suppressedAt: at,
          error: { code: 'RECIPIENT_SUPPRESSED', message: 'bounced before' },
        },
        event: { type: 'suppressed', at, recipient: 'bob@customer.example', source: 'ases' },
        recipient: 'bob@customer.example',
      });
      // The others are still to be sent: the message stays QUEUED.
      expect(suppressed).toMatchObject({
        outcome: 'applied',
        previous: MessageStatus.QUEUED,
        status: MessageStatus.QUEUED,
        recipientChanged: true,
      });
      expect((await repository.claim(m.id, 'o', 30_000)).outcome).toBe('claimed');
      expect(await repository.markPushed(m.id, SES_ID(), at)).toMatchObject({
        outcome: 'applied',
      });
      const record = await repository.find(m.id);
      expect(record?.status).toBe(MessageStatus.PUSHED);
      expect(record?.recipients?.map((r) => r.status)).toEqual([
        MessageStatus.PUSHED,
        MessageStatus.SUPPRESSED,
        MessageStatus.PUSHED,
      ]);
      expect(record?.recipients?.[1].error).toEqual({
        code: 'RECIPIENT_SUPPRESSED',
        message: 'bounced before',
      });
      // A delay of the to: the message is DELAYED, not SUPPRESSED (the cc was never sent).
      expect(
        await repository.apply(m.id, {
          status: MessageStatus.DELAYED,
          change: { delayedAt: at, delay: { type: 'MailboxFull' } },
          event: event('delivery-delay', at, 'jane@customer.example'),
          recipient: 'jane@customer.example',
        }),
      ).toMatchObject({ outcome: 'applied', status: MessageStatus.DELAYED });
      // A message-wide event (a Reject) moves every recipient that ranks lower.
      expect(
        await repository.apply(m.id, {
          status: MessageStatus.FAILED,
          change: { failedAt: at, error: { code: 'REJECTED', message: 'rejected by SES' } },
          event: event('reject', at),
        }),
      ).toMatchObject({ outcome: 'applied', status: MessageStatus.FAILED });
      expect(await states(m.id)).toEqual([
        ['jane@customer.example', 'to', MessageStatus.FAILED],
        ['bob@customer.example', 'cc', MessageStatus.SUPPRESSED],
        ['carol@other.example', 'bcc', MessageStatus.FAILED],
      ]);
    });

    it('suppresses the message when every recipient is suppressed', async () => {
      const m = several({ bcc: [] });
      await repository.create(m);
      const at = new Date().toISOString();
      const suppress = (recipient: string) =>
        repository.apply(m.id, {
          status: MessageStatus.SUPPRESSED,
          change: { suppressedAt: at },
          event: { type: 'suppressed', at, recipient, source: 'ases' },
          recipient,
        });
      expect(await suppress('jane@customer.example')).toMatchObject({
        status: MessageStatus.QUEUED,
      });
      expect(await suppress('bob@customer.example')).toMatchObject({
        outcome: 'applied',
        previous: MessageStatus.QUEUED,
        status: MessageStatus.SUPPRESSED,
      });
      expect(await repository.claim(m.id, 'o', 30_000)).toEqual({
        outcome: 'done',
        status: MessageStatus.SUPPRESSED,
      });
    });

    it('retries a FAILED message with its recipients, and undoes it', async () => {
      const m = several();
      await repository.create(m);
      await repository.keepJob(m.id, 'job');
      const at = new Date().toISOString();
      await repository.apply(m.id, {
        status: MessageStatus.SUPPRESSED,
        event: { type: 'suppressed', at, source: 'ases' },
        recipient: 'carol@other.example',
      });
      await repository.apply(m.id, {
        status: MessageStatus.FAILED,
        change: { failedAt: at, error: { code: 'Throttling', message: 'slow down' } },
        event: { type: 'failed', at, source: 'ases' },
      });
      const statuses = async () => (await states(m.id))?.map(([, , status]) => status);
      expect(await statuses()).toEqual([
        MessageStatus.FAILED,
        MessageStatus.FAILED,
        MessageStatus.SUPPRESSED,
      ]);
      const retry = await repository.retry(m.id, { type: 'retried', at, source: 'ases' });
      expect(retry.outcome).toBe('queued');
      expect(await statuses()).toEqual([
        MessageStatus.QUEUED,
        MessageStatus.QUEUED,
        MessageStatus.SUPPRESSED,
      ]);
      if (retry.outcome === 'queued') {
        await retry.undo();
      }
      expect(await statuses()).toEqual([
        MessageStatus.FAILED,
        MessageStatus.FAILED,
        MessageStatus.SUPPRESSED,
      ]);
    });

    it('keeps no recipient list in a lean record: an update about one is about the message', async () => {
      const lean = new StatusRepository(redis, options('lean'));
      const m = several();
      await lean.create(m);
      await lean.markPushed(m.id, SES_ID(), new Date().toISOString());
      const at = new Date().toISOString();
      expect(
        await lean.apply(m.id, {
          status: MessageStatus.BOUNCED,
          change: { bouncedAt: at },
          event: event('bounce', at, 'bob@customer.example'),
          recipient: 'bob@customer.example',
        }),
      ).toMatchObject({
        outcome: 'applied',
        status: MessageStatus.BOUNCED,
        recipientChanged: true,
      });
      expect(await lean.find(m.id)).toMatchObject({ status: MessageStatus.BOUNCED, to: '' });
      expect((await lean.find(m.id))?.recipients).toBeUndefined();
    });
  });

  describe('cancel', () => {
    const canceled = (at: string) => ({ type: 'canceled', at, source: 'ases' as const });

    it('cancels a QUEUED message for good: never claimed, pushed, failed or suppressed', async () => {
      const m = message({ to: ['a@customer.example', 'b@customer.example'] });
      await repository.create(m);
      const at = new Date(Date.parse(m.queuedAt) + 1_000).toISOString();
      expect(await repository.cancel(m.id, canceled(at))).toEqual({
        outcome: 'canceled',
        previous: MessageStatus.QUEUED,
        tags: m.tags,
      });
      const record = await repository.find(m.id);
      expect(record).toMatchObject({ status: MessageStatus.CANCELED, canceledAt: at });
      expect(record?.recipients?.map((r) => [r.status, r.at])).toEqual([
        [MessageStatus.CANCELED, at],
        [MessageStatus.CANCELED, at],
      ]);
      expect(record?.events?.at(-1)).toEqual({ type: 'canceled', at, source: 'ases' });

      expect(await repository.cancel(m.id, canceled(at))).toEqual({
        outcome: 'not-cancelable',
        status: MessageStatus.CANCELED,
      });
      expect(await repository.claim(m.id, 'o', 30_000)).toEqual({
        outcome: 'done',
        status: MessageStatus.CANCELED,
      });
      expect(await repository.markPushed(m.id, SES_ID(), at)).toEqual({
        outcome: 'unchanged',
        current: MessageStatus.CANCELED,
      });
      for (const status of [MessageStatus.FAILED, MessageStatus.SUPPRESSED, MessageStatus.PUSHED]) {
        expect(
          await repository.apply(m.id, { status, event: { type: 'failed', at, source: 'ases' } }),
        ).toMatchObject({ outcome: 'unchanged', status: MessageStatus.CANCELED });
      }
      expect((await repository.find(m.id))?.status).toBe(MessageStatus.CANCELED);
      expect((await repository.failedPage(undefined, 10)).messages).toEqual([]);
    });

    it('refuses a message being sent (its lease is held), one already sent, and a missing one', async () => {
      const m = message();
      await repository.create(m);
      await repository.claim(m.id, 'sender', 30_000);
      const at = new Date().toISOString();
      expect(await repository.cancel(m.id, canceled(at))).toEqual({ outcome: 'busy' });
      // Given back unsent (sending paused): cancellable again.
      await repository.release(m.id, 'sender', true);
      const other = message();
      await repository.create(other);
      await repository.claim(other.id, 'sender', 30_000);
      await repository.markPushed(other.id, SES_ID(), at);
      expect(await repository.cancel(other.id, canceled(at))).toEqual({
        outcome: 'not-cancelable',
        status: MessageStatus.PUSHED,
      });
      expect(await repository.cancel(newMessageId(Date.now()), canceled(at))).toEqual({
        outcome: 'missing',
      });
      expect(await repository.cancel(m.id, canceled(at))).toMatchObject({ outcome: 'canceled' });
      // Single-recipient record: packed as ever, plus status and time.
      const location = recordLocation(prefix, m.id);
      const fields = fieldsOf((await redis.hget(location.key, location.field)) ?? '');
      expect(fields.get('s')).toBe('1.5');
      expect(fields.get('n')).toMatch(/^[0-9a-z]+$/);
      expect(fields.get('t')).toBe(m.to);
    });
  });

  it('keeps the time a message is scheduled for, and the stale sweep reads it', async () => {
    const queuedAt = new Date().toISOString();
    const scheduledFor = new Date(Date.parse(queuedAt) + 3_600_000).toISOString();
    const m = message({ queuedAt, scheduledFor, category: 'newsletter' });
    await repository.create(m);
    expect(await repository.find(m.id)).toMatchObject({ scheduledFor, category: 'newsletter' });
    const peeked = await repository.peek([m.id], [MessageStatus.QUEUED]);
    expect(peeked.get(m.id)).toMatchObject({
      status: MessageStatus.QUEUED,
      scheduledFor: Date.parse(scheduledFor),
    });
    // A cancelled message is in no stale status.
    await repository.cancel(m.id, { type: 'canceled', at: queuedAt, source: 'ases' });
    expect((await repository.peek([m.id], [MessageStatus.QUEUED, MessageStatus.PUSHED])).size).toBe(
      0,
    );
  });

  describe('size', () => {
    // The realistic mail: from 25 characters, to 36, a 70-character subject, two tags,
    // a real 60-character SES id, tracked HTML; delivered, then opened once.
    async function deliveredAndOpened(
      repo: StatusRepository,
    ): Promise<{ id: string; value: string; stages: number[] }> {
      const stages: number[] = [];
      const measure = async (): Promise<void> => {
        const location = recordLocation(prefix, m.id);
        stages.push(Buffer.byteLength((await redis.hget(location.key, location.field)) ?? ''));
      };
      const m = message({
        from: 'Shop <newsletter@shop.io>',
        to: 'firstname.lastname@customer-mail.com',
        subject: 'Your weekly digest: 12 new arrivals picked for you, and a 20 % voucher',
        tags: { campaign: 'weekly', variant: 'b' },
      });
      expect(m.from).toHaveLength(25);
      expect(m.to).toHaveLength(36);
      expect(m.subject).toHaveLength(70);
      await repo.create(m);
      await measure();
      const base = Date.parse(m.queuedAt);
      await repo.claim(m.id, 'o', 30_000);
      await repo.markPushed(m.id, SES_ID(base + 300), new Date(base + 312).toISOString());
      await measure();
      const deliveredAt = new Date(base + 2_450).toISOString();
      await repo.apply(m.id, {
        status: MessageStatus.DELIVERED,
        change: { deliveredAt },
        event: {
          type: 'delivery',
          at: deliveredAt,
          recipient: 'firstname.lastname@customer-mail.com',
          detail: '250 ok:  Message 64111812 accepted',
          source: 'ses',
        },
        dedupeKeys: [`ev:${randomUUID()}`],
      });
      await measure();
      const openedAt = new Date(base + 3_600_000).toISOString();
      await repo.apply(m.id, {
        tracking: { kind: 'open', source: 'ases', at: openedAt, class: 'human' },
        event: {
          type: 'open',
          at: openedAt,
          source: 'ases',
          hit: { class: 'human', rule: 'browser' },
        },
      });
      await measure();
      const location = recordLocation(prefix, m.id);
      return { id: m.id, value: (await redis.hget(location.key, location.field)) ?? '', stages };
    }

    // Up to 314 bytes and the string's header fit the allocator's 320-byte class.
    it('packs the full record of a delivered and opened mail into at most 300 bytes', async () => {
      const { value, stages } = await deliveredAndOpened(repository);
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(300);
      // QUEUED, PUSHED, DELIVERED, + 1 open: the addresses, subject and tags are most of it.
      expect(stages[0]).toBeLessThanOrEqual(180);
      expect(stages[1] - stages[0]).toBeLessThanOrEqual(45);
      expect(stages[2] - stages[1]).toBeLessThanOrEqual(60);
      expect(stages[3] - stages[2]).toBeLessThanOrEqual(35);
    });

    // Up to 60 bytes and the string's header fit the allocator's 64-byte class.
    it('packs a lean record (status, SES id, times, counters) into at most 60 bytes', async () => {
      const lean = new StatusRepository(redis, options('lean'));
      const { id, value } = await deliveredAndOpened(lean);
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(60);
      const record = await lean.find(id);
      expect(record).toMatchObject({
        status: MessageStatus.DELIVERED,
        sesMessageId: expect.stringMatching(/^[0-9a-f]{16}-/),
        attempts: 1,
        deliveredAt: expect.any(String),
        opens: { count: 1, humanCount: 1 },
        subject: '',
      });
      expect(record?.events).toBeUndefined();
    });
  });
});
