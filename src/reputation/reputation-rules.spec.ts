import {
  afterHandResume,
  countersAfter,
  parseCounters,
  sumCounters,
  decide,
  Figures,
  figuresOf,
  GuardThresholds,
  holdsBack,
  Observed,
  percent,
  ReputationCounters,
  totalFigures,
  transitionOf,
} from './reputation-rules';

const THRESHOLDS: GuardThresholds = {
  minVolume: 500,
  warning: { bounceRate: 0.025, complaintRate: 0.0005 },
  guard: { bounceRate: 0.04, complaintRate: 0.0008 },
};

function counters(over: Partial<ReputationCounters> = {}): ReputationCounters {
  return {
    sent: 0,
    delivered: 0,
    bounced_permanent: 0,
    bounced_transient: 0,
    bounced_undetermined: 0,
    complained: 0,
    ...over,
  };
}

/** Figures of `volume` final sends of which `hard` bounced hard and `complained` complained. */
function window(volume: number, hard: number, complained = 0): Figures {
  return figuresOf([
    counters({ sent: volume, delivered: volume - hard, bounced_permanent: hard, complained }),
  ]);
}

function observed(day: Figures, week: Figures = day, sinceHandResume?: Figures): Observed {
  return { '24h': day, '7d': week, ...(sinceHandResume ? { sinceHandResume } : {}) };
}

describe('figuresOf', () => {
  it('counts hard bounces over delivered plus every bounce, as SES does', () => {
    const figures = totalFigures({
      marketing: counters({
        sent: 100,
        delivered: 90,
        bounced_permanent: 6,
        bounced_transient: 3,
        bounced_undetermined: 1,
        complained: 2,
      }),
      transactional: counters({ sent: 100, delivered: 100 }),
    });
    expect(figures).toEqual({
      sent: 200,
      delivered: 190,
      bounced: 10,
      bouncedPermanent: 6,
      complained: 2,
      volume: 200,
      bounceRate: 0.03,
      complaintRate: 0.01,
    });
  });

  it('has no rates without volume', () => {
    expect(figuresOf([counters({ sent: 5 })])).toMatchObject({
      volume: 0,
      bounceRate: null,
      complaintRate: null,
    });
    expect(totalFigures({}).volume).toBe(0);
  });
});

describe('decide', () => {
  it('stays healthy under the warning rates', () => {
    expect(decide('healthy', observed(window(1000, 20)), THRESHOLDS)).toEqual({
      state: 'healthy',
      reason: null,
    });
  });

  it('warns when either window reaches a warning rate', () => {
    expect(decide('healthy', observed(window(1000, 25)), THRESHOLDS)).toMatchObject({
      state: 'warning',
      reason: 'bounce rate 2.5 % over 24h ≥ warning 2.5 %',
    });
    expect(
      decide('healthy', observed(window(1000, 0), window(10_000, 0, 6)), THRESHOLDS),
    ).toMatchObject({ state: 'warning', reason: 'complaint rate 0.06 % over 7d ≥ warning 0.05 %' });
  });

  it('pauses on the 24 h window only', () => {
    expect(decide('warning', observed(window(1000, 62)), THRESHOLDS)).toEqual({
      state: 'paused',
      reason: 'bounce rate 6.2 % over 24h ≥ guard 4 %',
    });
    expect(
      decide('healthy', observed(window(1000, 0), window(10_000, 900)), THRESHOLDS).state,
    ).toBe('warning');
  });

  it('neither warns nor pauses a window under the minimum volume', () => {
    expect(decide('healthy', observed(window(499, 499)), THRESHOLDS).state).toBe('healthy');
    expect(decide('healthy', observed(window(500, 20)), THRESHOLDS).state).toBe('paused');
  });

  it('stays paused until the pause window is under the warning rates, then resumes by rate', () => {
    expect(decide('paused', observed(window(1000, 30)), THRESHOLDS)).toMatchObject({
      state: 'paused',
    });
    expect(decide('paused', observed(window(1000, 20)), THRESHOLDS)).toEqual({
      state: 'healthy',
      reason: null,
      resumedBy: 'rate',
    });
    expect(
      decide('paused', observed(window(1000, 20), window(1000, 30)), THRESHOLDS),
    ).toMatchObject({ state: 'warning', resumedBy: 'rate' });
  });

  it('after a resume by hand, pauses again only on the sends since then', () => {
    const bad = window(1000, 62);
    expect(decide('warning', observed(bad, bad, window(100, 50)), THRESHOLDS).state).toBe(
      'warning',
    );
    expect(decide('warning', observed(bad, bad, window(600, 30)), THRESHOLDS)).toMatchObject({
      state: 'paused',
      reason: 'bounce rate 5 % over the sends since resume ≥ guard 4 %',
    });
  });
});

describe('afterHandResume', () => {
  it('is a warning while a window is still over a warning rate', () => {
    expect(afterHandResume(observed(window(1000, 62)), THRESHOLDS)).toMatchObject({
      state: 'warning',
      resumedBy: 'hand',
    });
    expect(afterHandResume(observed(window(1000, 1)), THRESHOLDS)).toEqual({
      state: 'healthy',
      reason: null,
      resumedBy: 'hand',
    });
  });
});

describe('transitionOf', () => {
  it.each([
    ['healthy', 'warning', 'warning'],
    ['healthy', 'paused', 'paused'],
    ['warning', 'paused', 'paused'],
    ['paused', 'warning', 'resumed'],
    ['paused', 'healthy', 'resumed'],
    ['warning', 'healthy', 'resumed'],
    ['warning', 'warning', null],
  ] as const)('%s → %s is %s', (from, to, event) => {
    expect(transitionOf(from, to)).toBe(event);
  });
});

describe('holdsBack and percent', () => {
  it('holds back every category but transactional while paused', () => {
    expect(holdsBack('paused', 'marketing')).toBe(true);
    expect(holdsBack('paused', 'transactional')).toBe(false);
    expect(holdsBack('paused', undefined)).toBe(false);
    expect(holdsBack('warning', 'marketing')).toBe(false);
  });

  it('reads like a person writes it', () => {
    expect(percent(0.062)).toBe('6.2 %');
    expect(percent(0.0008)).toBe('0.08 %');
    expect(percent(0.04)).toBe('4 %');
  });
});

describe('sumCounters, countersAfter and parseCounters', () => {
  it('adds categories up, and takes a baseline off without going under 0', () => {
    const total = sumCounters({
      a: counters({ sent: 3, delivered: 2, bounced_permanent: 1 }),
      b: counters({ sent: 1, complained: 1 }),
    });
    expect(total).toEqual(counters({ sent: 4, delivered: 2, bounced_permanent: 1, complained: 1 }));
    expect(countersAfter(total, counters({ sent: 1, delivered: 5 }))).toEqual(
      counters({ sent: 3, delivered: 0, bounced_permanent: 1, complained: 1 }),
    );
    expect(countersAfter(total, undefined)).toEqual(total);
  });

  it('reads stored counters back, and nothing from a malformed value', () => {
    expect(parseCounters(JSON.stringify(counters({ sent: 2 })))).toEqual(counters({ sent: 2 }));
    expect(parseCounters('{"sent":1}')).toBeUndefined();
    expect(parseCounters('not json')).toBeUndefined();
    expect(parseCounters(undefined)).toBeUndefined();
  });
});
