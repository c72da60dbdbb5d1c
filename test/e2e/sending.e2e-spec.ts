import type { ResolvedAsesOptions } from '../../src/core/ases-options';
import { SendBudgetRepository } from '../../src/mailer/send-budget.repository';
import { SesStub } from '../helpers/ses-stub';
import { createTestRedis, storedRecord } from '../helpers/test-redis';
import { API_KEY, deleteKeys, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

describe('the shared send budget (Redis)', () => {
  const prefix = `ases-test:budget-${Date.now()}:`;
  const options = { redis: { keyPrefix: prefix } } as ResolvedAsesOptions;
  // Two connections stand for two instances of the service.
  const connections = [createTestRedis(), createTestRedis()];
  const [one, two] = connections.map((redis) => new SendBudgetRepository(redis, options));
  const slot = async (): Promise<number> =>
    Number(await connections[0].get(`${prefix}rate:{budget}:slot`));

  // Connected first (a cluster client finds its slots), so that no step below waits on it.
  beforeAll(() => Promise.all(connections.map((redis) => redis.ping())));

  afterAll(async () => {
    await deleteKeys(prefix);
    connections.forEach((redis) => redis.disconnect());
  });

  beforeEach(() => deleteKeys(prefix));

  it('gives every instance its slots from one schedule, one interval per recipient', async () => {
    // 1 mail/s: 1 000 000 µs apart, on Redis's clock (wide enough that Redis's own clock never
    // overtakes the schedule while the test runs).
    expect(await one.reserve(1, 1, 20_000)).toEqual({ kind: 'go', waitMs: 0 });
    const start = await slot();
    for (let i = 0; i < 4; i += 1) {
      const reservation = await (i % 2 === 0 ? two : one).reserve(1, 1, 20_000);
      expect(reservation.kind).toBe('go');
    }
    expect((await slot()) - start).toBe(4 * 1_000_000);
    // A send to three recipients takes three slots.
    await one.reserve(1, 3, 20_000);
    expect((await slot()) - start).toBe(7 * 1_000_000);
  });

  it('refuses a slot beyond the horizon instead of queueing far ahead', async () => {
    await one.reserve(10, 1, 150);
    await two.reserve(10, 1, 150);
    const before = await slot();
    const refused = await one.reserve(10, 1, 150);
    expect(refused.kind).toBe('full');
    expect(await slot()).toBe(before);
  });

  it('earns no burst from an idle spell', async () => {
    await one.reserve(100, 1, 1000);
    const old = await slot();
    const redisNow = async (): Promise<number> => {
      const [seconds, micros] = await connections[0].time();
      return Number(seconds) * 1_000_000 + Number(micros);
    };
    await waitFor(redisNow, (now) => now > old + 20_000, { what: 'the schedule to lie past' });
    // The next send goes now, and the schedule restarts from now, not from the old slot.
    expect(await two.reserve(100, 1, 1000)).toEqual({ kind: 'go', waitMs: 0 });
    expect((await slot()) - old).toBeGreaterThan(20_000 + 10_000);
  });

  it('pauses every instance until the pause ends or is lifted by its reason', async () => {
    await one.pause(60_000, 'quota');
    expect(await two.reserve(10, 1, 1000)).toMatchObject({ kind: 'paused', reason: 'quota' });
    expect(await two.resume('another reason')).toBe(false);
    expect(await two.resume('quota')).toBe(true);
    expect((await two.reserve(10, 1, 1000)).kind).toBe('go');
  });

  it('keeps one decrease per cooldown, whichever instance asks', async () => {
    expect(await one.decrease({ floor: 75, decreasedAt: 10_000 }, 1000)).toBe(true);
    expect(await two.decrease({ floor: 56, decreasedAt: 10_500 }, 1000)).toBe(false);
    expect(await one.state()).toEqual({ floor: 75, decreasedAt: 10_000 });
    expect(await two.decrease({ floor: 56, decreasedAt: 11_000 }, 1000)).toBe(true);
  });
});

describe('SEND_RATE=auto', () => {
  it("sends at the account's MaxSendRate, read with GetSendQuota", async () => {
    const stub = new SesStub(() => 'ok', {
      quota: { max24HourSend: 50_000, maxSendRate: 7, sentLast24Hours: 0 },
    });
    const t = await startTestApp('auto-rate', {
      sendRate: 'auto',
      endpoints: { ses: await stub.start() },
    });
    try {
      const sending = await t.http().get('/v1/sending').auth(API_KEY, { type: 'bearer' });
      expect(sending.body).toEqual({
        ceiling: 7,
        rate: 7,
        paused: null,
        stale: { queued: 0, pushed: 0 },
      });
      expect(stub.quotaCalls).toBe(1);
      const response = await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .send({ from: t.sender(), to: 'auto@example.org', subject: 'auto', text: 'hi' });
      await waitForStatus(t, response.body.id, 'PUSHED');
    } finally {
      await t.close();
      await stub.stop();
    }
  });
});

describe('the send lease', () => {
  it('leaves a message alone while another receive holds its lease, then sends it once', async () => {
    const stub = new SesStub(() => 'ok');
    const ses = await stub.start();
    // An instance that accepts mail but does not send, so the lease can be set before any send.
    const api = await startTestApp('lease', { sendPollers: 0, endpoints: { ses } });
    let sender: Awaited<ReturnType<typeof startTestApp>> | undefined;
    const redis = createTestRedis();
    try {
      const id = `leased-${Date.now()}`;
      const response = await api
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .send({
          localMessageId: id,
          from: api.sender(),
          to: 'leased@example.org',
          subject: 'lease',
          text: 'hi',
        });
      expect(response.status).toBe(202);
      // As if another process were sending it right now: its lease (owner, until; in the record).
      const key = `${api.keyPrefix}u:{${id}}`;
      const [seconds] = await redis.time();
      const until = Number(seconds) * 1000 + 1500;
      const leased = `${(await redis.get(key)) ?? ''}\x1fLanother-process\x1d${until.toString(36)}`;
      await redis.set(key, leased, 'KEEPTTL');
      sender = await startTestApp('lease', { endpoints: { ses } }, { shared: api });
      // Received while the lease was live: not sent, not counted, put back for later.
      const record = await waitForStatus(sender, id, 'PUSHED', 30_000);
      expect(record.attempts).toBe(1);
      expect(stub.calls.get('leased@example.org')).toBe(1);
      // PUSHED ends the lease.
      expect(await storedRecord(api.keyPrefix, id)).not.toContain('another-process');
    } finally {
      redis.disconnect();
      await sender?.close();
      await api.close();
      await stub.stop();
    }
  });
});
