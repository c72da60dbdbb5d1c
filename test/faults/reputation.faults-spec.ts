import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Redis } from 'ioredis';
import { ASES_EVENTS } from '../../src/core/ases-events';
import type { ResolvedAsesOptions } from '../../src/core/ases-options';
import { AsesErrorCode } from '../../src/core/ases.exception';
import { inStore } from '../../src/core/redis-store';
import { AsesMetrics } from '../../src/metrics/ases-metrics';
import { GUARD_DEFAULTS } from '../../src/reputation/guard-options';
import type { ReputationCounts } from '../../src/reputation/reputation-counts';
import type { ReputationCategoryTotals } from '../../src/reputation/reputation-rules';
import { ReputationRepository } from '../../src/reputation/reputation.repository';
import { ReputationService } from '../../src/reputation/reputation.service';
import { OwnRedis } from '../helpers/own-redis';

// The reputation guard against a Redis of the test's own, which the test stops and flushes.
// Decided: while Redis does not answer, the last known state stays in force (a pause keeps
// holding mail back; nothing is sent then anyway, the sender's claim needs Redis); a Redis that
// lost the state reads as healthy: its counts went with it, so there is no evidence to pause on.

/** Counts of the test's own: the guard's port (the time series lives in the same Redis). */
class FixedCounts implements ReputationCounts {
  totals$: ReputationCategoryTotals = {};
  constructor(private readonly redis: Redis) {}

  async totals(): Promise<ReputationCategoryTotals> {
    // Like the real series, an answer needs Redis, and its failure is STORE_UNAVAILABLE.
    await inStore('the time series', () => this.redis.ping());
    return this.totals$;
  }
}

describe('the reputation guard when Redis stops or is flushed', () => {
  let own: OwnRedis;
  let client: Redis;
  let service: ReputationService;
  let counts: FixedCounts;
  const events = new EventEmitter2();

  beforeAll(async () => {
    own = await OwnRedis.start();
    // Fail at once while the server is away, as ases's own connection does within its timeout.
    client = own.client({ enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    await client.connect();
    const options = {
      redis: { keyPrefix: 'reputation-faults:' },
      guard: { ...GUARD_DEFAULTS, minVolume: 100 },
      metrics: { processMetrics: false },
    } as unknown as ResolvedAsesOptions;
    counts = new FixedCounts(client);
    service = new ReputationService(
      new ReputationRepository(client, options),
      counts,
      new AsesMetrics(options),
      options,
      events,
    );
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    client.disconnect();
    await own.close();
  });

  it('keeps a pause in force while Redis is away, and forgets it with a flush', async () => {
    const paused: string[] = [];
    events.on(ASES_EVENTS.reputationPaused, () => paused.push('paused'));
    counts.totals$ = {
      marketing: {
        sent: 1000,
        delivered: 900,
        bounced_permanent: 100,
        bounced_transient: 0,
        bounced_undetermined: 0,
        complained: 0,
      },
    };
    expect((await service.view()).state).toBe('paused');

    await own.stop();
    await expect(service.view()).rejects.toMatchObject({
      code: AsesErrorCode.STORE_UNAVAILABLE,
    });
    expect(service.isPaused('marketing')).toBe(true);

    await own.restart();
    await waitUntil(async () => (await client.ping().catch(() => null)) === 'PONG');
    // The state was not kept (no AOF): the restarted Redis is a flushed one, counts gone.
    counts.totals$ = {};
    expect((await service.view()).state).toBe('healthy');
    expect(service.isPaused('marketing')).toBe(false);
    expect(paused).toEqual(['paused']);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
