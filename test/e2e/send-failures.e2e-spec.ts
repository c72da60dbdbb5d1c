import { SesStub } from '../helpers/ses-stub';
import { API_KEY, TestApp, startTestApp, waitForStatus } from '../helpers/test-app';

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

  beforeAll(async () => {
    stub = new SesStub((recipient, call) => {
      if (recipient.startsWith('rejected')) {
        return { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' };
      }
      if (recipient.startsWith('throttled') && call <= 2) {
        return { status: 400, code: 'Throttling', message: 'Maximum sending rate exceeded.' };
      }
      if (recipient.startsWith('broken')) {
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
    expect(record.sesMessageId).toMatch(/^0100-/);
    expect(record.error).toBeUndefined();
    expect(stub.calls.get('throttled@example.org')).toBe(3);
  });

  it('gives up after maxSendAttempts and says why', async () => {
    const id = await send(t, 'broken@example.org');
    const record = await waitForStatus(t, id, 'FAILED', 30_000);
    expect(record.error).toEqual({
      code: 'InternalFailure',
      message: 'try again (gave up after 3 attempts)',
    });
    expect(stub.calls.get('broken@example.org')).toBe(3);
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
