import { HOUR_MS, SeriesBucket, zeroTotals } from './series';
import { statsResponse } from './stats-response';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const gauges = { queueDepth: null, sendRateLimit: null, feedbackLagSeconds: null };

describe('statsResponse', () => {
  const buckets: SeriesBucket[] = [
    {
      at: T0,
      categories: {
        transactional: { ...zeroTotals(), sent: 5, delivered: 4, bounced_permanent: 1 },
        news: { ...zeroTotals(), sent: 2, bounced_transient: 1, opened: 3, opened_human: 1 },
      },
      gauges: { queueDepth: 7, sendRateLimit: 14, feedbackLagSeconds: 2 },
    },
    { at: T0 + HOUR_MS, categories: {}, gauges },
  ];

  it('adds up the categories per point and over the range, bounces of every type', () => {
    const response = statsResponse('hour', T0, T0 + 2 * HOUR_MS, buckets);
    expect(response).toMatchObject({
      resolution: 'hour',
      stepSeconds: 3600,
      since: '2026-12-01T10:00:00.000Z',
      until: '2026-12-01T12:00:00.000Z',
      category: null,
      categories: ['news', 'transactional'],
    });
    expect(response.points[0]).toMatchObject({
      at: '2026-12-01T10:00:00.000Z',
      sent: 7,
      delivered: 4,
      bounced: 2,
      bouncedPermanent: 1,
      bouncedTransient: 1,
      opened: 3,
      openedHuman: 1,
      queueDepth: 7,
      sendRateLimit: 14,
      feedbackLagSeconds: 2,
    });
    expect(response.points[1]).toMatchObject({ sent: 0, bounced: 0, queueDepth: null });
    expect(response.totals).toMatchObject({ sent: 7, delivered: 4, bounced: 2 });
  });

  it('keeps one category when asked', () => {
    const response = statsResponse('hour', T0, T0 + 2 * HOUR_MS, buckets, 'news');
    expect(response.category).toBe('news');
    expect(response.totals).toMatchObject({ sent: 2, delivered: 0, bounced: 1, opened: 3 });
    expect(response.points[0]).toMatchObject({ sent: 2, bounced: 1 });
  });
});
