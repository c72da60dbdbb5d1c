import type { MessageRecord } from '../../src/status/message-record';
import { signTrackingToken } from '../../src/tracking/tracking-token';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';
import { storedRecord } from '../helpers/test-redis';

const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

// STATUS_DETAIL=lean through the whole loop: send, SES feedback, suppression, an open.
describe('statusDetail: lean', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('lean', { statusDetail: 'lean' });
  });

  afterAll(async () => {
    await t.close();
  });

  const send = async (to: string): Promise<string> => {
    const response = await t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({
        from: t.sender(),
        to,
        subject: 'a subject lean records do not keep',
        html: '<p>hello</p>',
        tags: { campaign: 'lean' },
      });
    expect(response.status).toBe(202);
    return response.body.id as string;
  };

  it('keeps status, SES id, times and counters, and no addresses, subject, tags or timeline', async () => {
    const id = await send('reader@example.org');
    const delivered = await waitForStatus(t, id, 'DELIVERED');
    const opened = await t
      .http()
      .get(`/t/o/${signTrackingToken('o', id, TRACKING_SECRET)}.gif`)
      .set('User-Agent', BROWSER);
    expect(opened.status).toBe(200);
    const record = await waitFor(
      async () => (await t.status(id)).body as MessageRecord,
      (body) => body.opens?.count === 1,
      { what: 'the open to be counted' },
    );
    expect(record).toMatchObject({
      id,
      status: 'DELIVERED',
      sesMessageId: delivered.sesMessageId,
      attempts: 1,
      pushedAt: expect.any(String),
      deliveredAt: expect.any(String),
      opens: { count: 1, humanCount: 1 },
    });
    expect(record.subject).toBe('');
    expect(record.to).toBe('');
    expect(record.tags).toBeUndefined();
    expect(record.events).toBeUndefined();
    const stored = (await storedRecord(t.keyPrefix, id)) ?? '';
    expect(stored).not.toContain('reader@example.org');
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(60);
  });

  it("suppresses a bounced address from the notification's own recipient", async () => {
    const id = await send('bounce@simulator.amazonses.com');
    const bounced = await waitForStatus(t, id, 'BOUNCED');
    expect(bounced.bouncedAt).toEqual(expect.any(String));
    const suppression = await t
      .http()
      .get('/v1/suppressions/bounce@simulator.amazonses.com')
      .auth(API_KEY, { type: 'bearer' });
    expect(suppression.status).toBe(200);
    expect(suppression.body).toMatchObject({ source: 'bounce', messageId: id });
  });
});
