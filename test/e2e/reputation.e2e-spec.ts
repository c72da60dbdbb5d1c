import { randomUUID } from 'node:crypto';
import { API_KEY, startTestApp, TestApp, waitFor, waitForStatus } from '../helpers/test-app';
import { ReceivedEvent, WebhookReceiver } from '../helpers/webhook-receiver';

type Json = Record<string, any>;

/** Bounces that make the guard's minimum volume: all of them hard, a bounce rate of 100 %. */
const MIN_VOLUME = 10;
/** Feedback through the local stack takes seconds per message; several messages, a margin. */
const FEEDBACK_MS = 45_000;

describe('the reputation guard on the local stack', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp('reputation', {
      // Held-back mail is looked at again each second, so a resume shows within seconds.
      guard: { minVolume: MIN_VOLUME, checkIntervalMs: 200, holdSeconds: 1 },
      webhooks: { allowPrivate: true, retrySchedule: [1] },
    });
    receiver = new WebhookReceiver();
    const url = await receiver.start();
    const created = await api()
      .post('/v1/webhooks')
      .send({ url, events: ['reputation.warning', 'reputation.paused', 'reputation.resumed'] });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const api = () => ({
    get: (path: string) => t.http().get(path).auth(API_KEY, { type: 'bearer' }),
    post: (path: string) => t.http().post(path).auth(API_KEY, { type: 'bearer' }),
  });

  async function send(to: string, category?: string): Promise<string> {
    const response = await api()
      .post('/v1/messages')
      .send({ from: t.sender(), to, subject: 'hello', text: 'hello', category });
    expect(response.status).toBe(202);
    return (response.body as { id: string }).id;
  }

  const reputation = async (): Promise<Json> => {
    const response = await api().get('/v1/reputation');
    expect(response.status).toBe(200);
    return response.body as Json;
  };

  const received = (type: string): Promise<ReceivedEvent[]> =>
    waitFor(
      () => receiver.events().filter((event) => event.type === type),
      (events) => events.length > 0,
      { what: `a ${type} webhook`, timeoutMs: 20_000 },
    );

  it('answers healthy with no volume, and the thresholds it works with', async () => {
    expect(await reputation()).toEqual({
      state: 'healthy',
      since: null,
      reason: null,
      thresholds: {
        minVolume: MIN_VOLUME,
        warning: { bounceRate: 0.025, complaintRate: 0.0005 },
        guard: { bounceRate: 0.04, complaintRate: 0.0008 },
        ses: {
          review: { bounceRate: 0.05, complaintRate: 0.001 },
          pause: { bounceRate: 0.1, complaintRate: 0.005 },
        },
      },
      windows: {
        '24h': expect.objectContaining({ volume: 0, bounceRate: null }),
        '7d': expect.objectContaining({ volume: 0, complaintRate: null }),
      },
      categories: {},
    });
  });

  it('pauses marketing once bounces push the rate over the guard; transactional still goes', async () => {
    const bounces = await Promise.all(
      Array.from({ length: MIN_VOLUME }, () =>
        send(`bounce+${randomUUID().slice(0, 8)}@simulator.amazonses.com`, 'marketing'),
      ),
    );
    for (const id of bounces) {
      await waitForStatus(t, id, 'BOUNCED', FEEDBACK_MS);
    }

    const paused = await waitFor(reputation, (body) => body.state === 'paused', {
      what: 'the guard to pause',
    });
    expect(paused).toMatchObject({
      reason: 'bounce rate 100 % over 24h ≥ guard 4 %',
      pausedCategories: 'non-transactional',
    });
    const figures = {
      sent: MIN_VOLUME,
      delivered: 0,
      bounced: MIN_VOLUME,
      bouncedPermanent: MIN_VOLUME,
      complained: 0,
      volume: MIN_VOLUME,
      bounceRate: 1,
      complaintRate: 0,
    };
    expect(paused.windows).toEqual({ '24h': figures, '7d': figures });
    expect(paused.categories).toEqual({ marketing: { '24h': figures, '7d': figures } });
    const [event] = await received('reputation.paused');
    expect(event.data).toMatchObject({
      state: 'paused',
      previousState: 'healthy',
      pausedCategories: 'non-transactional',
      windows: { '24h': figures },
    });

    const held = await send('success@simulator.amazonses.com', 'marketing');
    const transactional = await send('success@simulator.amazonses.com');
    await waitForStatus(t, transactional, 'DELIVERED', FEEDBACK_MS);
    // Held back before its claim: QUEUED, never claimed (no attempt), nothing on its timeline.
    const record = (await t.status(held)).body as Json;
    expect(record.status).toBe('QUEUED');
    expect(record).not.toHaveProperty('attempts');
    expect(JSON.stringify(record)).not.toMatch(/retry|failed|pushed/i);

    // Resumed by hand: warning (the 24 h window is still over the warning rate), not paused.
    const resumed = await api().post('/v1/reputation/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: 'warning', resumedBy: 'hand' });
    expect(resumed.body).not.toHaveProperty('pausedCategories');
    await waitForStatus(t, held, 'DELIVERED', FEEDBACK_MS);
    const [resumedEvent] = await received('reputation.resumed');
    expect(resumedEvent.data).toMatchObject({
      state: 'warning',
      previousState: 'paused',
      resumedBy: 'hand',
    });

    // The same 24 h numbers do not pause again: only the sends since the resume count.
    // Counts are written within a second of the change.
    const after = await waitFor(
      () => reputation(),
      (view) => view.windows['24h'].delivered === 2,
      { what: 'the delivery counted' },
    );
    expect(after).toMatchObject({ state: 'warning', resumedBy: 'hand' });
    expect(after.windows['24h']).toMatchObject({ delivered: 2, bounced: MIN_VOLUME, volume: 12 });
    expect(after.categories.transactional['24h']).toMatchObject({ delivered: 1, volume: 1 });
  });

  it('answers 401 without the API key', async () => {
    expect((await t.http().get('/v1/reputation')).status).toBe(401);
    expect((await t.http().post('/v1/reputation/resume')).status).toBe(401);
  });
});
