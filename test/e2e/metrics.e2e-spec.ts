import { signTrackingToken } from '../../src/tracking/tracking-token';
import { freePort } from '../helpers/free-port';
import { Scrape, parseMetrics, promtoolCheck, seriesOf, sumOf } from '../helpers/prometheus-text';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';

const QUEUES = ['sendmail', 'bounces', 'complaints', 'deliveries'];
const STATES = ['visible', 'in_flight', 'delayed'];
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

describe('GET /metrics on the API port (real Redis, local SQS/SNS/SES)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('metrics');
  });

  afterAll(async () => {
    await t.close();
  });

  async function scrape(): Promise<Scrape> {
    const response = await t.http().get('/metrics').auth(API_KEY, { type: 'bearer' });
    expect(response.status).toBe(200);
    return parseMetrics(response.text);
  }

  const post = (body: Record<string, unknown>) =>
    t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send(body);

  it('needs the API key, like the rest of the API', async () => {
    const none = await t.http().get('/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.text).not.toContain('ases_');
    const wrong = await t.http().get('/metrics').auth('not-the-key', { type: 'bearer' });
    expect(wrong.status).toBe(401);
  });

  it('answers the Prometheus text format, which promtool finds no problem in', async () => {
    const response = await t.http().get('/metrics').auth(API_KEY, { type: 'bearer' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await promtoolCheck(response.text)).toEqual({ code: 0, output: '' });
    const metrics = parseMetrics(response.text);
    // The Node.js process metrics are on by default.
    expect(metrics.types.get('process_cpu_seconds_total')).toBe('counter');
  });

  it('moves the counters by exactly what was sent', async () => {
    const sent = 3;
    const before = await scrape();
    const ids: string[] = [];
    for (let i = 0; i < sent; i += 1) {
      const response = await post({
        from: t.sender(),
        to: `success+metrics${i}@simulator.amazonses.com`,
        subject: `metrics ${i}`,
        html: '<html><body><p>hello</p></body></html>',
      });
      expect(response.status).toBe(202);
      ids.push(response.body.id as string);
    }
    for (const id of ids) {
      await waitForStatus(t, id, 'DELIVERED');
    }
    const delivered = { type: 'delivery', source: 'deliveries', outcome: 'applied' };
    // A status is readable as soon as it is written; the feedback is counted right after.
    const after = await waitFor(
      scrape,
      (now) =>
        sumOf(now, 'ases_feedback_events_total', delivered) -
          sumOf(before, 'ases_feedback_events_total', delivered) >=
        sent,
      { what: `${sent} deliveries counted` },
    );
    const moved = (name: string, labels?: Record<string, string>): number =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    expect({
      accepted: moved('ases_messages_accepted_total'),
      recipients: moved('ases_recipients_accepted_total'),
      sesAccepted: moved('ases_ses_calls_total', { outcome: 'accepted' }),
      sesOther:
        moved('ases_ses_calls_total') - moved('ases_ses_calls_total', { outcome: 'accepted' }),
      recipientsSent: moved('ases_ses_recipients_sent_total'),
      queued: moved('ases_status_changes_total', { status: 'QUEUED' }),
      pushed: moved('ases_status_changes_total', { status: 'PUSHED' }),
      delivered: moved('ases_status_changes_total', { status: 'DELIVERED' }),
      feedbackApplied: moved('ases_feedback_events_total', delivered),
      queuedToPushed: moved('ases_queued_to_pushed_seconds_count'),
      feedbackLag: moved('ases_feedback_lag_seconds_count'),
    }).toEqual({
      accepted: sent,
      recipients: sent,
      sesAccepted: sent,
      sesOther: 0,
      recipientsSent: sent,
      queued: sent,
      pushed: sent,
      delivered: sent,
      feedbackApplied: sent,
      queuedToPushed: sent,
      feedbackLag: sent,
    });
    // Every push took less than the histogram's top bucket: all N fall in le="3600".
    expect(moved('ases_queued_to_pushed_seconds_bucket', { le: '3600' })).toBe(sent);
  });

  it('counts a refused message by its code, and an open by its class', async () => {
    const before = await scrape();
    const refused = await post({ from: t.sender(), to: 'not an address', subject: 'x', html: 'x' });
    expect(refused.status).toBe(400);
    const accepted = await post({
      from: t.sender(),
      to: 'success+pixel@simulator.amazonses.com',
      subject: 'open me',
      html: '<html><body><p>hello</p></body></html>',
    });
    await waitForStatus(t, accepted.body.id as string, 'DELIVERED');
    const pixel = await t
      .http()
      .get(`/t/o/${signTrackingToken('o', accepted.body.id as string, TRACKING_SECRET)}.gif`)
      .set('User-Agent', BROWSER);
    expect(pixel.status).toBe(200);
    const after = await scrape();
    const moved = (name: string, labels?: Record<string, string>): number =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(moved('ases_messages_refused_total', { code: 'INVALID_MESSAGE' })).toBe(1);
    expect(moved('ases_messages_refused_total')).toBe(1);
    expect(
      moved('ases_tracking_hits_total', { kind: 'open', class: 'human', source: 'ases' }),
    ).toBe(1);
    expect(moved('ases_tracking_hits_total')).toBe(1);
  });

  it('shows the depth of every queue, the send rate and Redis', async () => {
    const metrics = await scrape();
    for (const queue of QUEUES) {
      for (const state of STATES) {
        const value = metrics.samples.get(`ases_queue_messages{queue="${queue}",state="${state}"}`);
        expect({ queue, state, ok: Number.isInteger(value) && (value ?? -1) >= 0 }).toEqual({
          queue,
          state,
          ok: true,
        });
      }
    }
    expect(seriesOf(metrics, 'ases_queue_messages')).toHaveLength(QUEUES.length * STATES.length);
    // The test apps send at the default SEND_RATE, 100/s, and SES never throttled them.
    expect(metrics.samples.get('ases_send_rate_ceiling')).toBe(100);
    expect(metrics.samples.get('ases_send_rate_limit')).toBe(100);
    expect(metrics.samples.get('ases_send_paused')).toBe(0);
    expect(metrics.samples.get('ases_store_up')).toBe(1);
  });
});

describe('metrics on METRICS_PORT (metrics.port)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp('metrics-port', { metrics: { port, processMetrics: false } });
  });

  afterAll(async () => {
    await t.close();
  });

  const local = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${port}${path}`, init);

  it('serves /metrics there without a key', async () => {
    const response = await local('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
    const metrics = parseMetrics(text);
    expect(metrics.types.get('ases_messages_accepted_total')).toBe('counter');
    // processMetrics: false leaves the process metrics to the host.
    expect([...metrics.types.keys()].filter((name) => !name.startsWith('ases_'))).toEqual([]);
  });

  it('serves nothing else there', async () => {
    expect((await local('/')).status).toBe(404);
    expect((await local('/v1/messages')).status).toBe(404);
    const post = await local('/metrics', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves the API port without the route, with the key or without', async () => {
    // Passed on to what follows ases's routes: here Nest's own 404 (a host's /metrics, if it had one).
    const notFound = { statusCode: 404, message: 'Cannot GET /metrics', error: 'Not Found' };
    const withKey = await t.http().get('/metrics').auth(API_KEY, { type: 'bearer' });
    expect({ status: withKey.status, body: withKey.body }).toEqual({ status: 404, body: notFound });
    const without = await t.http().get('/metrics');
    expect({ status: without.status, body: without.body }).toEqual({ status: 404, body: notFound });
  });

  it('counts what this app sends', async () => {
    const response = await t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
      from: t.sender(),
      to: 'success+port@simulator.amazonses.com',
      subject: 'on the metrics port',
      text: 'hello',
    });
    expect(response.status).toBe(202);
    const metrics = await waitFor(
      async () => parseMetrics(await (await local('/metrics')).text()),
      (now) => sumOf(now, 'ases_ses_calls_total', { outcome: 'accepted' }) > 0,
      { what: 'the send to be counted' },
    );
    expect(sumOf(metrics, 'ases_messages_accepted_total')).toBe(1);
    expect(sumOf(metrics, 'ases_ses_calls_total', { outcome: 'accepted' })).toBe(1);
    expect(sumOf(metrics, 'ases_ses_calls_total')).toBe(1);
  });
});
