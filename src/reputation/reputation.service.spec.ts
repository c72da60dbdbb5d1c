import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesReputationEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { AsesMetrics } from '../metrics/ases-metrics';
import { REDIS_TARGETS, useSpecRedis } from '../../test/helpers/test-redis';
import { GUARD_DEFAULTS } from './guard-options';
import type { ReputationCounts } from './reputation-counts';
import type { ReputationCategoryTotals, ReputationCounters } from './reputation-rules';
import { ReputationRepository } from './reputation.repository';
import { ReputationService } from './reputation.service';

// The service on the real Redis (its state, its compare-and-set), with counts of the test's own:
// the counts port is the guard's, and a fixed one makes every rate exact.

const GUARD = { ...GUARD_DEFAULTS, minVolume: 100 };

function counters(delivered: number, hard: number, complained = 0): ReputationCounters {
  return {
    sent: delivered + hard,
    delivered,
    bounced_permanent: hard,
    bounced_transient: 0,
    bounced_undetermined: 0,
    complained,
  };
}

/** Counts that are `before` for windows starting before `marker` (Unix ms), `after` from it on. */
class FixedCounts implements ReputationCounts {
  before: ReputationCategoryTotals = {};
  after: ReputationCategoryTotals = {};
  marker = Infinity;

  totals(sinceMs: number): Promise<ReputationCategoryTotals> {
    return Promise.resolve(sinceMs >= this.marker ? this.after : this.before);
  }
}

describe.each(REDIS_TARGETS)('ReputationService on %s', (_name, connect) => {
  let redis: AsesRedis;
  let prefix: string;
  let counts: FixedCounts;
  let events: EventEmitter2;
  let emitted: Array<[string, AsesReputationEvent]>;
  const services: ReputationService[] = [];

  useSpecRedis(connect, (connection, keyPrefix) => {
    redis = connection;
    prefix = keyPrefix;
    counts = new FixedCounts();
    events = new EventEmitter2({ wildcard: true });
    emitted = [];
    events.on('ases.reputation.*', function (this: { event: string }, payload: unknown) {
      emitted.push([this.event, payload as AsesReputationEvent]);
    });
  });

  afterEach(async () => {
    for (const service of services.splice(0)) {
      await service.onApplicationShutdown();
    }
  });

  /** A service as one instance of the fleet has it (all share the Redis state). */
  function instance(guard = GUARD): ReputationService {
    const options = {
      redis: { keyPrefix: prefix },
      guard,
      metrics: { processMetrics: false },
    } as unknown as ResolvedAsesOptions;
    const service = new ReputationService(
      new ReputationRepository(redis, options),
      counts,
      new AsesMetrics(options),
      options,
      events,
    );
    services.push(service);
    return service;
  }

  it('pauses every category but transactional once the 24 h bounce rate reaches the guard', async () => {
    const guard = instance();
    counts.before = { marketing: counters(90, 10), transactional: counters(100, 0) };

    const view = await guard.view();

    expect(view).toMatchObject({
      state: 'paused',
      reason: 'bounce rate 5 % over 24h ≥ guard 4 %',
      pausedCategories: 'non-transactional',
    });
    expect(view.windows['24h']).toEqual({
      sent: 200,
      delivered: 190,
      bounced: 10,
      bouncedPermanent: 10,
      complained: 0,
      volume: 200,
      bounceRate: 0.05,
      complaintRate: 0,
    });
    expect(view.categories.marketing['24h'].bounceRate).toBe(0.1);
    expect(guard.isPaused('marketing')).toBe(true);
    expect(guard.isPaused(undefined)).toBe(false);
    expect(guard.isPaused('transactional')).toBe(false);
    expect(emitted.map(([name]) => name)).toEqual([ASES_EVENTS.reputationPaused]);
    expect(emitted[0][1]).toMatchObject({ state: 'paused', previousState: 'healthy' });
  });

  it('announces a change once however many instances see it at once', async () => {
    const fleet = [instance(), instance(), instance(), instance()];
    counts.before = { marketing: counters(960, 40) };

    await Promise.all(fleet.map((each) => each.view()));

    expect(emitted.map(([name]) => name)).toEqual([ASES_EVENTS.reputationPaused]);
    expect(fleet.every((each) => each.isPaused('marketing'))).toBe(true);
  });

  it('neither warns nor pauses under the minimum volume', async () => {
    const guard = instance();
    counts.before = { marketing: counters(50, 49) };

    expect((await guard.view()).state).toBe('healthy');
    expect(emitted).toEqual([]);
  });

  it('warns on either window, and goes back to healthy with a resumed event', async () => {
    const guard = instance();
    counts.before = { marketing: counters(970, 30) };

    expect(await guard.view()).toMatchObject({
      state: 'warning',
      reason: 'bounce rate 3 % over 24h ≥ warning 2.5 %',
    });
    counts.before = { marketing: counters(1000, 0) };
    expect((await guard.view()).state).toBe('healthy');

    expect(emitted.map(([name, payload]) => [name, payload.state])).toEqual([
      [ASES_EVENTS.reputationWarning, 'warning'],
      [ASES_EVENTS.reputationResumed, 'healthy'],
    ]);
  });

  it('resumes by itself once the rate falls under the warning level, not before', async () => {
    const guard = instance();
    counts.before = { marketing: counters(950, 50) };
    await guard.view();
    // Between the warning and the guard rates: still paused.
    counts.before = { marketing: counters(1950, 50) };
    expect((await guard.view()).state).toBe('paused');

    counts.before = { marketing: counters(2950, 50) };
    const view = await guard.view();

    expect(view).toMatchObject({ state: 'healthy', resumedBy: 'rate' });
    expect(view).not.toHaveProperty('pausedCategories');
    expect(guard.isPaused('marketing')).toBe(false);
    expect(emitted.map(([name]) => name)).toEqual([
      ASES_EVENTS.reputationPaused,
      ASES_EVENTS.reputationResumed,
    ]);
  });

  it('after a resume by hand, pauses again only when the sends since then reach the guard', async () => {
    const guard = instance();
    counts.before = { marketing: counters(900, 100) };
    await guard.view();
    // Like the time series, a window starting at the resume counts the resume's bucket whole,
    // the bad sends of before the resume included.
    counts.marker = Date.now() - 1;
    counts.after = { marketing: counters(900, 100) };

    const resumed = await guard.resume();

    expect(resumed).toMatchObject({ state: 'warning', resumedBy: 'hand' });
    expect(resumed.reason).toMatch(/^resumed by hand; bounce rate 10 % over 24h/);
    expect(guard.isPaused('marketing')).toBe(false);
    expect(await redis.hget(`${prefix}rep:{guard}`, 'baseline')).toBe(
      JSON.stringify(counters(900, 100)),
    );
    // The same 24 h numbers, and a few good sends since the resume: not paused again.
    counts.after = { marketing: counters(910, 100) };
    expect((await guard.view()).state).toBe('warning');
    // Enough bad sends since the resume (5 of 100): paused again.
    counts.after = { marketing: counters(995, 105) };
    expect(await guard.view()).toMatchObject({
      state: 'paused',
      reason: 'bounce rate 5 % over the sends since resume ≥ guard 4 %',
    });
    expect(emitted.map(([name]) => name)).toEqual([
      ASES_EVENTS.reputationPaused,
      ASES_EVENTS.reputationResumed,
      ASES_EVENTS.reputationPaused,
    ]);
  });

  it('answers a resume when not paused with the state as it is', async () => {
    const guard = instance();

    expect(await guard.resume()).toMatchObject({
      state: 'healthy',
      since: null,
    });
    expect(emitted).toEqual([]);
  });

  it('when disabled, reports the figures but never pauses', async () => {
    const guard = instance({ ...GUARD, enabled: false });
    counts.before = { marketing: counters(500, 500) };

    expect((await guard.view()).state).toBe('healthy');
    expect(guard.isPaused('marketing')).toBe(false);
    expect(await redis.exists(`${prefix}rep:{guard}`)).toBe(0);
  });
});
