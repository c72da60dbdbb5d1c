import { AsesService } from '../../src/ases.service';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

interface Counts {
  sent: number;
  delivered: number;
  bounced: number;
  bouncedPermanent: number;
  complained: number;
  failed: number;
  suppressed: number;
}

describe('GET /v1/stats: the time series (real Redis, local SQS/SNS/SES)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('stats');
  });

  afterAll(async () => {
    await t.close();
  });

  const stats = (query = '') => t.http().get(`/v1/stats${query}`).auth(API_KEY, { type: 'bearer' });

  async function send(to: string | string[], category?: string): Promise<string> {
    const response = await t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({ from: t.sender(), to, subject: 'stats', text: 'hello', category });
    expect(response.status).toBe(202);
    return response.body.id as string;
  }

  it('counts what happened to the mail sent, per minute and per hour, by category', async () => {
    const ids = [
      await send(['success+s1@simulator.amazonses.com', 'success+s2@simulator.amazonses.com']),
      await send('bounce@simulator.amazonses.com'),
      await send('complaint@simulator.amazonses.com', 'marketing'),
      await send('success+s3@simulator.amazonses.com', 'marketing'),
    ];
    await waitForStatus(t, ids[0], 'DELIVERED');
    await waitForStatus(t, ids[1], 'BOUNCED');
    await waitForStatus(t, ids[2], 'COMPLAINED');
    await waitForStatus(t, ids[3], 'DELIVERED');

    // Counting follows each status change (not awaited by it): wait until all are in.
    const expected = {
      sent: 5,
      // The complaint's recipient was delivered to before complaining.
      delivered: 4,
      bounced: 1,
      bouncedPermanent: 1,
      complained: 1,
      failed: 0,
      suppressed: 0,
    };
    const pick = (counts: Counts) => ({
      sent: counts.sent,
      delivered: counts.delivered,
      bounced: counts.bounced,
      bouncedPermanent: counts.bouncedPermanent,
      complained: counts.complained,
      failed: counts.failed,
      suppressed: counts.suppressed,
    });
    const minute = await waitFor(
      () => stats(),
      (response) => JSON.stringify(pick(response.body.totals)) === JSON.stringify(expected),
      { what: 'the counts of the sends' },
    );
    expect(minute.status).toBe(200);
    expect(minute.headers['cache-control']).toBe('no-store');
    expect(minute.body).toMatchObject({
      resolution: 'minute',
      stepSeconds: 60,
      category: null,
      categories: ['marketing', 'transactional'],
    });
    expect(minute.body.points).toHaveLength(60);
    const sum = (points: Counts[], name: keyof Counts) =>
      points.reduce((total, point) => total + point[name], 0);
    expect(sum(minute.body.points as Counts[], 'sent')).toBe(5);
    expect(minute.body.totals.bouncedTransient + minute.body.totals.bouncedUndetermined).toBe(0);
    // The feedback lag of the minutes with SES events.
    const lags = (minute.body.points as { feedbackLagSeconds: number | null }[])
      .map((point) => point.feedbackLagSeconds)
      .filter((lag) => lag !== null);
    expect(lags.length).toBeGreaterThan(0);

    const hour = await stats('?resolution=hour');
    expect(hour.status).toBe(200);
    expect(hour.body.points).toHaveLength(14 * 24);
    expect(pick(hour.body.totals)).toEqual(expected);

    const marketing = await stats('?category=marketing');
    expect(pick(marketing.body.totals)).toEqual({
      ...expected,
      sent: 2,
      delivered: 2,
      bounced: 0,
      bouncedPermanent: 0,
    });
    expect(marketing.body.category).toBe('marketing');

    // The same for a host, through AsesService.
    const host = await t.app.get(AsesService).stats({ category: 'marketing' });
    expect(host.totals).toEqual(marketing.body.totals);
    await expect(t.app.get(AsesService).stats({ resolution: 'day' as never })).rejects.toThrow(
      'resolution must be "minute" or "hour"',
    );
  });

  it('samples the queue depth and the send rate in force', async () => {
    const response = await waitFor(
      () => stats(),
      (answer) =>
        (answer.body.points as { sendRateLimit: number | null }[]).some(
          (point) => point.sendRateLimit !== null,
        ),
      { what: 'a sample' },
    );
    const sampled = (response.body.points as { queueDepth: number | null }[]).filter(
      (point) => point.queueDepth !== null,
    );
    expect(sampled.length).toBeGreaterThan(0);
  });

  it('names a bad parameter, and needs the API key', async () => {
    const bad = await stats('?resolution=day');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(bad.body.message).toContain('resolution');
    expect((await stats('?since=2020-01-01T00:00:00Z')).body.message).toContain('48 hours');
    expect((await t.http().get('/v1/stats')).status).toBe(401);
  });
});
