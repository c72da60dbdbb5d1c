import { messageView, newWebhookView, sendingView, watchLine } from './cli-views';

describe('cli views', () => {
  it('shows a message as a summary, its recipients when several, and its timeline', () => {
    const view = messageView({
      id: 'm1',
      status: 'BOUNCED',
      from: 'shop@example.com',
      to: 'a@example.org',
      cc: 'b@example.org',
      subject: 'hi',
      tags: { campaign: 'c1', step: '2' },
      sesMessageId: 'ses-1',
      queuedAt: '2026-12-01T12:00:00.000Z',
      bouncedAt: '2026-12-01T12:00:02.000Z',
      bounce: { type: 'Permanent', subType: 'General', status: '5.1.1' },
      opens: { count: 3, humanCount: 1 },
      recipients: [
        {
          address: 'a@example.org',
          kind: 'to',
          status: 'DELIVERED',
          at: '2026-12-01T12:00:01.000Z',
        },
        { address: 'b@example.org', kind: 'cc', status: 'BOUNCED', at: '2026-12-01T12:00:02.000Z' },
      ],
      events: [{ type: 'queued', at: '2026-12-01T12:00:00.000Z', source: 'ases' }],
    });
    expect(view).toBe(
      [
        'ID:       m1',
        'Status:   BOUNCED',
        'From:     shop@example.com',
        'To:       a@example.org',
        'Cc:       b@example.org',
        'Subject:  hi',
        'Tags:     campaign=c1, step=2',
        'SES id:   ses-1',
        'Queued:   2026-12-01T12:00:00.000Z',
        'Bounced:  2026-12-01T12:00:02.000Z',
        'Bounce:   Permanent / General / 5.1.1',
        'Opens:    3 (1 by people)',
        '',
        'Recipients',
        'ADDRESS        KIND  STATUS     AT',
        'a@example.org  to    DELIVERED  2026-12-01T12:00:01.000Z',
        'b@example.org  cc    BOUNCED    2026-12-01T12:00:02.000Z',
        '',
        'Timeline',
        'AT                        EVENT   RECIPIENT  DETAIL',
        '2026-12-01T12:00:00.000Z  queued',
      ].join('\n'),
    );
  });

  it('writes watch lines for entries and status changes', () => {
    expect(
      watchLine({
        kind: 'event',
        event: { type: 'delivery', at: 't1', recipient: 'a@example.org', detail: '250 ok' },
      }),
    ).toBe('t1  delivery  a@example.org  250 ok');
    expect(watchLine({ kind: 'status', status: 'QUEUED' })).toBe('status QUEUED');
    expect(watchLine({ kind: 'status', status: 'PUSHED', previous: 'QUEUED' })).toBe(
      'status PUSHED (was QUEUED)',
    );
  });

  it('shows the sending state, paused or not', () => {
    expect(
      sendingView({ ceiling: 14, rate: 7, paused: null, stale: { queued: 0, pushed: 2 } }),
    ).toBe(
      [
        'Send rate ceiling:  14/s',
        'Send rate now:      7/s',
        'Paused:             no',
        'Stale, queued:      0',
        'Stale, pushed:      2',
      ].join('\n'),
    );
    expect(
      sendingView({ ceiling: null, rate: null, paused: { leftMs: 90_000, reason: 'daily quota' } }),
    ).toContain('Paused:             yes: daily quota (90 s left)');
  });

  it('sets a new webhook secret apart', () => {
    const view = newWebhookView({
      id: 'wh_1',
      url: 'https://h.example/x',
      enabled: true,
      secret: 'whsec_s',
    });
    expect(view).toContain('Events:  all');
    expect(view).toContain('\n\nSecret: whsec_s\n');
  });
});
