import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import { MessageStatus } from '../status/message-status';
import {
  addTotals,
  bucketExpiry,
  bucketKeys,
  bucketStarts,
  counterField,
  HOUR_MS,
  incrementOf,
  MINUTE_MS,
  readBucket,
  windowPlan,
  zeroTotals,
} from './series';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function event(type: string, extra: Partial<AsesMessageEvent['event']> = {}): AsesMessageEvent {
  return {
    messageId: 'm1',
    status: MessageStatus.DELIVERED,
    previousStatus: MessageStatus.PUSHED,
    event: { type, at: new Date(T0).toISOString(), ...extra },
    tags: {},
  };
}

describe('series', () => {
  it('keeps a minute and its hour under one hash tag', () => {
    const at = T0 + 17 * MINUTE_MS + 5_000;
    const hour = Math.floor(T0 / HOUR_MS);
    expect(bucketKeys('p:', at)).toEqual({ hour: `p:ts:{${hour}}`, minute: `p:ts:{${hour}}:17` });
  });

  it('expires a minute 48 h after it ends and an hour 15 days after it ends', () => {
    const at = T0 + 17 * MINUTE_MS + 5_000;
    expect(bucketExpiry(at)).toEqual({
      minute: (T0 + 18 * MINUTE_MS + 48 * HOUR_MS) / 1000,
      hour: (T0 + HOUR_MS + 15 * 24 * HOUR_MS) / 1000,
    });
  });

  it('names fields by category and counter, transactional as the empty category', () => {
    expect(counterField(undefined, 'delivered')).toBe(':d');
    expect(counterField('transactional', 'bounced_permanent')).toBe(':bp');
    expect(counterField('news', 'clicked_human')).toBe('news:kh');
  });

  it('counts each event name once, bounces by type, opens and clicks by class', () => {
    const now = T0 + 4_000;
    expect(incrementOf(ASES_EVENTS.delivered, event('delivery', { source: 'ses' }), now)).toEqual({
      category: undefined,
      counters: ['delivered'],
      lagMs: 4_000,
    });
    const bounce = { ...event('bounce', { detail: 'Permanent/General: 550', source: 'ses' }) };
    bounce.category = 'news';
    expect(incrementOf(ASES_EVENTS.bounced, bounce, now)).toEqual({
      category: 'news',
      counters: ['bounced_permanent'],
      lagMs: 4_000,
    });
    const soft = event('bounce', { detail: 'Transient/MailboxFull' });
    expect(incrementOf(ASES_EVENTS.bounced, soft, now)?.counters).toEqual(['bounced_transient']);
    expect(incrementOf(ASES_EVENTS.bounced, event('bounce'), now)?.counters).toEqual([
      'bounced_undetermined',
    ]);
    const human = event('open', { hit: { class: 'human', rule: 'browser' }, source: 'ases' });
    expect(incrementOf(ASES_EVENTS.opened, human, now)).toEqual({
      category: undefined,
      counters: ['opened', 'opened_human'],
    });
    const proxy = event('click', { hit: { class: 'scanner', rule: 'early-click' } });
    expect(incrementOf(ASES_EVENTS.clicked, proxy, now)?.counters).toEqual(['clicked']);
    expect(incrementOf(ASES_EVENTS.failed, event('failed'), now)?.counters).toEqual(['failed']);
    expect(incrementOf(ASES_EVENTS.suppressed, event('suppressed'), now)?.counters).toEqual([
      'suppressed',
    ]);
    expect(incrementOf(ASES_EVENTS.complained, event('complaint'), now)?.counters).toEqual([
      'complained',
    ]);
    // Not counted: the status event beside the per-status one, and statuses with no counter.
    expect(incrementOf(ASES_EVENTS.statusChanged, event('delivery'), now)).toBeNull();
    expect(incrementOf(ASES_EVENTS.pushed, event('pushed'), now)).toBeNull();
  });

  it('reads a bucket by category, with its gauges', () => {
    const bucket = readBucket(T0, {
      ':d': '3',
      ':bp': '1',
      'news:d': '2',
      'news:oh': '1',
      'news:zz': '9',
      '~q': '40',
      '~l': '14',
      '~lag': '3000',
      '~n': '2',
    });
    expect(bucket.categories.transactional).toEqual({
      ...zeroTotals(),
      delivered: 3,
      bounced_permanent: 1,
    });
    expect(bucket.categories.news).toEqual({ ...zeroTotals(), delivered: 2, opened_human: 1 });
    expect(bucket.gauges).toEqual({ queueDepth: 40, sendRateLimit: 14, feedbackLagSeconds: 1.5 });
    expect(readBucket(T0, {}).gauges).toEqual({
      queueDepth: null,
      sendRateLimit: null,
      feedbackLagSeconds: null,
    });
  });

  it('adds totals by category', () => {
    const a = { news: { ...zeroTotals(), sent: 2 } };
    addTotals(a, { news: { ...zeroTotals(), sent: 3 }, transactional: zeroTotals() });
    expect(a).toEqual({ news: { ...zeroTotals(), sent: 5 }, transactional: zeroTotals() });
  });

  it('lists the buckets that overlap a range', () => {
    expect(bucketStarts('minute', T0 + 30_000, T0 + 2 * MINUTE_MS)).toEqual([T0, T0 + MINUTE_MS]);
    expect(bucketStarts('hour', T0, T0 + 2 * HOUR_MS)).toEqual([T0, T0 + HOUR_MS]);
  });

  it('plans a window as minutes at its ragged ends and hours between', () => {
    const now = T0 + 3 * HOUR_MS + 2 * MINUTE_MS + 10_000;
    const plan = windowPlan(now - 3 * HOUR_MS, now, now);
    expect(plan.filter((step) => step.resolution === 'hour').map((step) => step.at)).toEqual([
      T0 + HOUR_MS,
      T0 + 2 * HOUR_MS,
    ]);
    const minutes = plan.filter((step) => step.resolution === 'minute').map((step) => step.at);
    // 58 minutes of the first hour (from 10:02), then 3 of the current one (13:00-13:02).
    expect(minutes).toHaveLength(58 + 3);
    expect(minutes[0]).toBe(T0 + 2 * MINUTE_MS);
    expect(minutes.at(-1)).toBe(T0 + 3 * HOUR_MS + 2 * MINUTE_MS);
  });

  it('starts at the hour where the minutes are no longer kept', () => {
    const now = T0 + 7 * 24 * HOUR_MS + 30 * MINUTE_MS;
    const plan = windowPlan(now - 7 * 24 * HOUR_MS, now, now);
    expect(plan[0]).toEqual({ resolution: 'hour', at: T0 });
    expect(plan.filter((step) => step.resolution === 'minute')).toHaveLength(30);
    expect(plan.filter((step) => step.resolution === 'hour')).toHaveLength(7 * 24);
  });
});
