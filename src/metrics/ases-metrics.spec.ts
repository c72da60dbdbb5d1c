import { execFileSync } from 'node:child_process';
import { close, closeSync, mkdtempSync, open, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { parseMetrics as parse, promtoolCheck, seriesOf } from '../../test/helpers/prometheus-text';
import { MessageStatus } from '../status/message-status';
import { AsesMetrics, ScrapeSources } from './ases-metrics';

// ases's metrics as Prometheus reads them: the text of a registry, and Prometheus's own linter
// (`promtool check metrics`, Debian's prometheus package; scripts/ensure-promtool.sh installs it).

const sources = (overrides: Partial<ScrapeSources> = {}): ScrapeSources => ({
  queueDepths: () =>
    Promise.resolve(
      new Map([
        ['sendmail', { visible: 12, inFlight: 3, delayed: 1 }],
        ['bounces', { visible: 0, inFlight: 0, delayed: 0 }],
      ] as const),
    ),
  sendRateLimit: () => Promise.resolve(75),
  sendRateCeiling: () => 100,
  sendPaused: () => false,
  storeUp: () => true,
  ...overrides,
});

/** Makes V8 collect garbage at least once, so the GC histogram of the process metrics has samples. */
async function garbageCollected(metrics: AsesMetrics): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (seriesOf(parse(await metrics.scrape()), 'nodejs_gc_duration_seconds').length === 0) {
    if (Date.now() > deadline) {
      throw new Error('no garbage collection was observed within 10 s');
    }
    let garbage: number[][] = [];
    for (let i = 0; i < 2_000; i += 1) {
      garbage.push(new Array<number>(1_000).fill(i));
    }
    garbage = [];
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Runs `work` while an fs request is pending (an open of a FIFO no one writes to yet), so that
 * `nodejs_active_requests` has a sample.
 */
async function whileRequestPending<T>(work: () => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ases-metrics-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const opened = new Promise<void>((resolve, reject) =>
    open(fifo, 'r', (error, fd) => (error ? reject(error) : close(fd, () => resolve()))),
  );
  try {
    return await work();
  } finally {
    // A writer lets the pending open return.
    closeSync(openSync(fifo, 'w'));
    await opened;
    rmSync(dir, { recursive: true });
  }
}

describe('AsesMetrics', () => {
  const withoutProcess = (): AsesMetrics =>
    new AsesMetrics({ metrics: { apiRoute: true, processMetrics: false } });

  it("keeps its metrics in its own registry, not prom-client's global one", async () => {
    const metrics = withoutProcess();
    metrics.accepted(1, 1);
    expect(await metrics.scrape()).toContain('ases_messages_accepted_total 1');
    expect(await globalRegistry.metrics()).not.toContain('ases_');
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('counts sends, status changes, feedback, hits and refusals by their labels', async () => {
    const metrics = withoutProcess();
    metrics.accepted(2, 3);
    metrics.refused('RECIPIENT_SUPPRESSED');
    metrics.sesAccepted(2, 0.3);
    metrics.sesAccepted(1, undefined);
    metrics.sesFailed('throttled');
    metrics.statusChanged(MessageStatus.DELIVERED);
    metrics.feedback({ type: 'delivery', source: 'deliveries', outcome: 'applied' }, 1.5);
    metrics.feedback({ type: 'delivery', source: 'deliveries', outcome: 'duplicate' });
    metrics.trackingHit('open', 'proxy', 'ases');
    metrics.storeError('status_store');
    const { samples } = parse(await metrics.scrape());
    expect(samples.get('ases_messages_accepted_total')).toBe(2);
    expect(samples.get('ases_recipients_accepted_total')).toBe(3);
    expect(samples.get('ases_messages_refused_total{code="RECIPIENT_SUPPRESSED"}')).toBe(1);
    expect(samples.get('ases_ses_calls_total{outcome="accepted"}')).toBe(2);
    expect(samples.get('ases_ses_calls_total{outcome="throttled"}')).toBe(1);
    expect(samples.get('ases_ses_calls_total{outcome="rejected"}')).toBe(0);
    expect(samples.get('ases_ses_recipients_sent_total')).toBe(3);
    expect(samples.get('ases_queued_to_pushed_seconds_count')).toBe(1);
    expect(samples.get('ases_queued_to_pushed_seconds_bucket{le="0.5"}')).toBe(1);
    expect(samples.get('ases_queued_to_pushed_seconds_bucket{le="0.25"}')).toBe(0);
    expect(samples.get('ases_status_changes_total{status="DELIVERED"}')).toBe(1);
    expect(samples.get('ases_status_changes_total{status="PUSHED"}')).toBe(0);
    expect(samples.has('ases_status_changes_total{status="UNKNOWN"}')).toBe(false);
    expect(
      samples.get(
        'ases_feedback_events_total{type="delivery",source="deliveries",outcome="applied"}',
      ),
    ).toBe(1);
    expect(samples.get('ases_feedback_lag_seconds_count')).toBe(1);
    expect(samples.get('ases_feedback_lag_seconds_sum')).toBe(1.5);
    expect(samples.get('ases_tracking_hits_total{kind="open",class="proxy",source="ases"}')).toBe(
      1,
    );
    expect(samples.get('ases_tracking_hits_total{kind="click",class="human",source="ses"}')).toBe(
      0,
    );
    expect(samples.get('ases_store_errors_total{store="status_store"}')).toBe(1);
  });

  it('counts webhook deliveries by outcome, their duration, and disabled endpoints', async () => {
    const metrics = withoutProcess();
    let samples = parse(await metrics.scrape()).samples;
    for (const outcome of ['delivered', 'retrying', 'failed', 'gone', 'dropped']) {
      expect(samples.get(`ases_webhook_deliveries_total{outcome="${outcome}"}`)).toBe(0);
    }
    metrics.webhookDelivered('delivered', 0.12);
    metrics.webhookDelivered('retrying', 2);
    metrics.webhookDelivered('dropped');
    metrics.webhookDisabled();
    samples = parse(await metrics.scrape()).samples;
    expect(samples.get('ases_webhook_deliveries_total{outcome="delivered"}')).toBe(1);
    expect(samples.get('ases_webhook_deliveries_total{outcome="retrying"}')).toBe(1);
    expect(samples.get('ases_webhook_deliveries_total{outcome="dropped"}')).toBe(1);
    expect(samples.get('ases_webhook_deliveries_total{outcome="failed"}')).toBe(0);
    expect(samples.get('ases_webhook_delivery_duration_seconds_count')).toBe(2);
    expect(samples.get('ases_webhook_delivery_duration_seconds_bucket{le="0.25"}')).toBe(1);
    expect(samples.get('ases_webhook_delivery_duration_seconds_sum')).toBe(2.12);
    expect(samples.get('ases_webhook_endpoints_disabled_total')).toBe(1);
  });

  it('reads the gauges at scrape time', async () => {
    const metrics = withoutProcess();
    let paused = false;
    metrics.observe(sources({ sendPaused: () => paused }));
    let samples = parse(await metrics.scrape()).samples;
    expect(samples.get('ases_send_rate_limit')).toBe(75);
    expect(samples.get('ases_send_rate_ceiling')).toBe(100);
    expect(samples.get('ases_send_paused')).toBe(0);
    expect(samples.get('ases_store_up')).toBe(1);
    expect(samples.get('ases_queue_messages{queue="sendmail",state="visible"}')).toBe(12);
    expect(samples.get('ases_queue_messages{queue="sendmail",state="in_flight"}')).toBe(3);
    expect(samples.get('ases_queue_messages{queue="sendmail",state="delayed"}')).toBe(1);
    expect(samples.get('ases_queue_messages{queue="bounces",state="visible"}')).toBe(0);
    paused = true;
    samples = parse(await metrics.scrape()).samples;
    expect(samples.get('ases_send_paused')).toBe(1);
  });

  it('leaves a gauge without a sample, not 0, when its reading is unknown or fails', async () => {
    const metrics = withoutProcess();
    expect(seriesOf(parse(await metrics.scrape()), 'ases_send_rate_limit')).toEqual([]);
    metrics.observe(
      sources({
        sendRateLimit: () => Promise.reject(new Error('Redis did not answer')),
        sendRateCeiling: () => null,
        queueDepths: () => Promise.reject(new Error('SQS did not answer')),
      }),
    );
    const scrape = parse(await metrics.scrape());
    const { samples, types } = scrape;
    expect(types.get('ases_send_rate_limit')).toBe('gauge');
    expect(seriesOf(scrape, 'ases_send_rate_limit')).toEqual([]);
    expect(seriesOf(scrape, 'ases_send_rate_ceiling')).toEqual([]);
    expect(seriesOf(scrape, 'ases_queue_messages')).toEqual([]);
    // The other gauges are still read.
    expect(samples.get('ases_store_up')).toBe(1);
  });

  it('drops a queue that stops answering instead of keeping its last numbers', async () => {
    const metrics = withoutProcess();
    let depths = new Map([['sendmail', { visible: 5, inFlight: 0, delayed: 0 }]] as const);
    metrics.observe(sources({ queueDepths: () => Promise.resolve(depths) }));
    expect(parse(await metrics.scrape()).samples.size).toBeGreaterThan(0);
    depths = new Map();
    expect(seriesOf(parse(await metrics.scrape()), 'ases_queue_messages')).toEqual([]);
  });

  it('adds the Node.js process metrics unless told not to, without gauges named like counters', async () => {
    const { types } = parse(
      await new AsesMetrics({ metrics: { apiRoute: true, processMetrics: true } }).scrape(),
    );
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('nodejs_active_handles')).toBe('gauge');
    expect(
      [...types].filter(([name, type]) => type !== 'counter' && name.endsWith('_total')),
    ).toEqual([]);
    expect(
      [...parse(await withoutProcess().scrape()).types.keys()].every((name) =>
        name.startsWith('ases_'),
      ),
    ).toBe(true);
  });

  it("shows the guard's state and rates, a window without volume without a sample", async () => {
    const metrics = withoutProcess();
    metrics.reputation(1, [
      { kind: 'bounce', window: '24h', rate: 0.03 },
      { kind: 'complaint', window: '24h', rate: null },
    ]);
    metrics.reputationTransition('warning');
    const scrape = parse(await metrics.scrape());
    expect(scrape.samples.get('ases_reputation_state')).toBe(1);
    expect(scrape.samples.get('ases_reputation_rate{kind="bounce",window="24h"}')).toBe(0.03);
    expect(seriesOf(scrape, 'ases_reputation_rate')).toHaveLength(1);
    expect(scrape.samples.get('ases_reputation_transitions_total{event="warning"}')).toBe(1);
    expect(scrape.samples.get('ases_reputation_transitions_total{event="paused"}')).toBe(0);
  });

  it('passes promtool check metrics with every metric sampled', async () => {
    const metrics = new AsesMetrics({ metrics: { apiRoute: true, processMetrics: true } });
    metrics.observe(sources());
    metrics.accepted(1, 2);
    metrics.refused('INVALID_MESSAGE');
    metrics.sesAccepted(2, 0.4);
    metrics.statusChanged(MessageStatus.PUSHED);
    metrics.feedback({ type: 'bounce', source: 'bounces', outcome: 'applied' }, 3);
    metrics.trackingHit('click', 'scanner', 'ses');
    metrics.webhookDelivered('delivered', 0.05);
    metrics.webhookDisabled();
    metrics.storeError('send_budget');
    metrics.reputation(2, [{ kind: 'bounce', window: '24h', rate: 0.05 }]);
    metrics.reputationTransition('paused');
    await garbageCollected(metrics);
    const text = await whileRequestPending(() => metrics.scrape());
    const scrape = parse(text);
    expect(
      [...scrape.types.keys()].filter((family) => seriesOf(scrape, family).length === 0),
    ).toEqual([]);
    expect(scrape.types.size).toBeGreaterThan(40);
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });
});
