import { SesStub } from '../helpers/ses-stub';
import { createTestRedis } from '../helpers/test-redis';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

async function send(t: TestApp, to: string): Promise<string> {
  const response = await t
    .http()
    .post('/v1/messages')
    .auth(API_KEY, { type: 'bearer' })
    .send({ from: t.sender(), to, subject: 'failures', text: 'hello' });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

describe('when SES refuses or fails', () => {
  let stub: SesStub;
  let t: TestApp;
  // `flaky@` fails until the test mends it.
  let mended = false;
  const get = (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' });
  const retry = (id: string) =>
    t
      .http()
      .post(`/v1/messages/${encodeURIComponent(id)}/retry`)
      .auth(API_KEY, { type: 'bearer' });

  beforeAll(async () => {
    stub = new SesStub((recipient, call) => {
      if (recipient.startsWith('rejected')) {
        return { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' };
      }
      if (recipient.startsWith('throttled') && call <= 2) {
        return { status: 400, code: 'Throttling', message: 'Maximum sending rate exceeded.' };
      }
      if (recipient.startsWith('broken') || (recipient.startsWith('flaky') && !mended)) {
        return { status: 500, code: 'InternalFailure', message: 'try again' };
      }
      return 'ok';
    });
    t = await startTestApp('failures', {
      endpoints: { ses: await stub.start() },
      maxSendAttempts: 3,
    });
  });

  afterAll(async () => {
    await t.close();
    await stub.stop();
  });

  it('records FAILED with SES reason at once on a permanent refusal', async () => {
    const id = await send(t, 'rejected@example.org');
    const record = await waitForStatus(t, id, 'FAILED');
    expect(record.error).toEqual({
      code: 'MessageRejected',
      message: 'Email address is not verified.',
    });
    expect(Date.parse(record.failedAt)).toBeGreaterThanOrEqual(Date.parse(record.queuedAt));
    expect(record.sesMessageId).toBeUndefined();
    expect(stub.calls.get('rejected@example.org')).toBe(1);
  });

  it('retries throttling with backoff and then sends', async () => {
    const id = await send(t, 'throttled@example.org');
    const record = await waitForStatus(t, id, 'PUSHED', 30_000);
    expect(record.sesMessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
    expect(record.error).toBeUndefined();
    expect(stub.calls.get('throttled@example.org')).toBe(3);
    expect(record.attempts).toBe(3);
    // The throttling lowered the fleet's shared rate below the ceiling (100/s by default).
    const sending = await get('/v1/sending');
    expect(sending.status).toBe(200);
    expect(sending.body.ceiling).toBe(100);
    expect(sending.body.rate).toBeLessThan(100);
    expect(sending.body.paused).toBeNull();
  });

  it('gives up after maxSendAttempts and says why', async () => {
    const id = await send(t, 'broken@example.org');
    const record = await waitForStatus(t, id, 'FAILED', 30_000);
    expect(record.error).toEqual({
      code: 'InternalFailure',
      message: 'try again (gave up after 3 attempts)',
    });
    expect(stub.calls.get('broken@example.org')).toBe(3);
    expect(record.attempts).toBe(3);
    expect(
      record.events
        .filter((event: { type: string }) => event.type === 'retry')
        .map((event: { detail: string }) => event.detail),
    ).toEqual([
      expect.stringMatching(/^attempt 1 failed: InternalFailure: try again; next in \d+ s$/),
      expect.stringMatching(/^attempt 2 failed: InternalFailure: try again; next in \d+ s$/),
    ]);
  });

  describe('failed messages', () => {
    let rejected: string;
    let flaky: string;

    beforeAll(async () => {
      rejected = await send(t, 'rejected+list@example.org');
      flaky = await send(t, 'flaky@example.org');
      await waitForStatus(t, rejected, 'FAILED');
      await waitForStatus(t, flaky, 'FAILED', 30_000);
    });

    it('lists FAILED messages, newest first, a page at a time', async () => {
      const all = await get('/v1/messages?status=FAILED&limit=500');
      expect(all.status).toBe(200);
      const ids: string[] = all.body.messages.map((m: { id: string }) => m.id);
      expect(ids).toEqual(expect.arrayContaining([rejected, flaky]));
      expect(all.body.messages.every((m: { status: string }) => m.status === 'FAILED')).toBe(true);
      const failedAt = all.body.messages.map((m: { failedAt: string }) => m.failedAt);
      expect(failedAt).toEqual([...failedAt].sort().reverse());
      expect(all.body.nextCursor).toBeUndefined();

      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await get(
          `/v1/messages?status=FAILED&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.messages.length).toBeLessThanOrEqual(1);
        paged.push(...page.body.messages.map((m: { id: string }) => m.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(ids);
    });

    it.each([
      ['an unknown status', '/v1/messages?status=SENT', 'status must be one of'],
      ['a bad limit', '/v1/messages?status=FAILED&limit=0', 'limit must be'],
      ['a bad cursor', '/v1/messages?status=FAILED&cursor=%24%24', 'cursor must be'],
    ])('answers 400 to %s', async (_name, path, problem) => {
      const response = await get(path);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expect(response.body.message).toContain(problem);
    });

    it('queues a FAILED message again on request, and it goes out', async () => {
      mended = true;
      const response = await retry(flaky);
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ id: flaky, status: 'QUEUED' });
      const record = await waitForStatus(t, flaky, 'PUSHED', 30_000);
      expect(record.attempts).toBe(1);
      expect(record.error).toBeUndefined();
      expect(record.events.map((event: { type: string }) => event.type)).toEqual(
        expect.arrayContaining(['failed', 'retried', 'pushed']),
      );
      const listed = await get('/v1/messages?status=FAILED&limit=500');
      expect(listed.body.messages.map((m: { id: string }) => m.id)).not.toContain(flaky);
      expect(stub.calls.get('flaky@example.org')).toBe(4);
    });

    it('refuses to retry what is not FAILED, or unknown', async () => {
      const pushed = await retry(flaky);
      expect(pushed.status).toBe(409);
      expect(pushed.body).toMatchObject({ code: 'NOT_RETRYABLE', id: flaky, status: 'PUSHED' });
      const unknown = await retry('never-sent-anything');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('MESSAGE_NOT_FOUND');
    });
  });
});

describe('when the daily sending quota is used up', () => {
  it('pauses all sending, keeps the messages queued, and resumes when the quota frees up', async () => {
    let exhausted = true;
    const quota = { max24HourSend: 10, maxSendRate: 50, sentLast24Hours: 10 };
    const stub = new SesStub(
      () =>
        exhausted
          ? { status: 400, code: 'Throttling', message: 'Daily message quota exceeded.' }
          : 'ok',
      { quota },
    );
    const t = await startTestApp('daily-quota', {
      endpoints: { ses: await stub.start() },
      quotaRefreshSeconds: 2,
    });
    const redis = createTestRedis();
    try {
      const first = await send(t, 'one@example.org');
      const sending = await waitFor(
        async () =>
          (await t.http().get('/v1/sending').auth(API_KEY, { type: 'bearer' })).body as {
            paused: { reason: string } | null;
          },
        (body) => body.paused !== null,
        { what: 'sending to pause' },
      );
      expect(sending.paused?.reason).toContain('Daily message quota exceeded');
      // Paused for the whole fleet: the state is in Redis.
      expect(await redis.pttl(`${t.keyPrefix}rate:{budget}:pause`)).toBeGreaterThan(0);
      const second = await send(t, 'two@example.org');
      const waiting = await t.status(first);
      expect(waiting.body).toMatchObject({ status: 'QUEUED', attempts: 0 });
      expect(stub.calls.get('two@example.org')).toBeUndefined();

      // The quota frees up: the next GetSendQuota read ends the pause, and both go out.
      quota.sentLast24Hours = 3;
      exhausted = false;
      await waitForStatus(t, first, 'PUSHED', 30_000);
      await waitForStatus(t, second, 'PUSHED', 30_000);
      expect(stub.quotaCalls).toBeGreaterThan(0);
      expect(stub.calls.get('one@example.org')).toBe(2);
      expect(stub.calls.get('two@example.org')).toBe(1);
    } finally {
      redis.disconnect();
      await t.close();
      await stub.stop();
    }
  });
});

describe('when SES cannot be reached', () => {
  it('retries network errors, then records FAILED', async () => {
    const t = await startTestApp('unreachable', {
      endpoints: { ses: 'http://127.0.0.1:9' },
      maxSendAttempts: 2,
    });
    try {
      const id = await send(t, 'anyone@example.org');
      const record = await waitForStatus(t, id, 'FAILED', 30_000);
      expect(record.error.code).toBe('NetworkError');
      expect(record.error.message).toMatch(/ECONNREFUSED.*\(gave up after 2 attempts\)$/);
    } finally {
      await t.close();
    }
  });
});
