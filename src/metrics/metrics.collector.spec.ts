import { parseMetrics, sumOf } from '../../test/helpers/prometheus-text';
import type { QueueDepth, QueueDirectory } from '../core/queue-directory';
import type { QueueRole } from '../core/queue-roles';
import { inStore, storeUnavailable } from '../core/redis-store';
import type { StoreMonitor } from '../core/store-monitor';
import type { SendRateLimiter } from '../mailer/send-rate.limiter';
import { AsesMetrics } from './ases-metrics';
import { MetricsCollector } from './metrics.collector';

// The collector with stand-ins for the queue directory, the rate limiter and the store monitor.

function collector(depth: (role: QueueRole) => Promise<QueueDepth>): {
  metrics: AsesMetrics;
  collector: MetricsCollector;
  reads: QueueRole[];
} {
  const metrics = new AsesMetrics({ metrics: { apiRoute: true, processMetrics: false } });
  const reads: QueueRole[] = [];
  const queues = {
    roles: ['sendmail', 'bounces'],
    depth: (role: QueueRole) => {
      reads.push(role);
      return depth(role);
    },
  } as unknown as QueueDirectory;
  const limiter = {
    currentRate: () => Promise.resolve(42),
    ceilingRate: 50,
    pausedForMs: () => 0,
  } as unknown as SendRateLimiter;
  const monitor = { available: false } as StoreMonitor;
  return { metrics, collector: new MetricsCollector(metrics, queues, limiter, monitor), reads };
}

describe('MetricsCollector', () => {
  it('feeds the gauges: queue depths (a queue that fails left out), the rate, Redis', async () => {
    const { metrics, collector: subject } = collector((role) =>
      role === 'sendmail'
        ? Promise.resolve({ visible: 7, inFlight: 2, delayed: 0 })
        : Promise.reject(new Error('AccessDenied')),
    );
    subject.onModuleInit();
    const scrape = parseMetrics(await metrics.scrape());
    subject.onModuleDestroy();
    expect(sumOf(scrape, 'ases_queue_messages', { queue: 'sendmail', state: 'visible' })).toBe(7);
    expect(sumOf(scrape, 'ases_queue_messages', { queue: 'sendmail', state: 'in_flight' })).toBe(2);
    expect([...scrape.samples.keys()].some((series) => series.includes('bounces'))).toBe(false);
    expect(scrape.samples.get('ases_send_rate_limit')).toBe(42);
    expect(scrape.samples.get('ases_send_rate_ceiling')).toBe(50);
    expect(scrape.samples.get('ases_store_up')).toBe(0);
  });

  it('reads the queues once for scrapes close together', async () => {
    const {
      metrics,
      collector: subject,
      reads,
    } = collector(() => Promise.resolve({ visible: 1, inFlight: 0, delayed: 0 }));
    subject.onModuleInit();
    await metrics.scrape();
    await metrics.scrape();
    subject.onModuleDestroy();
    expect(reads).toEqual(['sendmail', 'bounces']);
  });

  it('counts Redis failures by store while it runs, and not after', async () => {
    const { metrics, collector: subject } = collector(() =>
      Promise.resolve({ visible: 0, inFlight: 0, delayed: 0 }),
    );
    subject.onModuleInit();
    await expect(
      inStore('the send budget', () => Promise.reject(new Error('Connection is closed.'))),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    storeUnavailable('the status store', new Error('timed out'));
    subject.onModuleDestroy();
    storeUnavailable('the status store', new Error('timed out'));
    const scrape = parseMetrics(await metrics.scrape());
    expect(sumOf(scrape, 'ases_store_errors_total', { store: 'send_budget' })).toBe(1);
    expect(sumOf(scrape, 'ases_store_errors_total', { store: 'status_store' })).toBe(1);
    expect(sumOf(scrape, 'ases_store_errors_total')).toBe(2);
  });
});
