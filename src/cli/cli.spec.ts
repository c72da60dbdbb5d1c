import type { FetchPort } from './api-client';
import { runCli } from './cli';
import type { CliIo } from './cli-session';

type Route = (url: URL, init: RequestInit) => Response;

/** A fake ases: answers by `METHOD /path`, records the calls, and captures what the CLI prints. */
function harness(routes: Record<string, Route>, extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: string[] = [];
  const fetch: FetchPort = (href, init) => {
    const url = new URL(href);
    const key = `${init.method ?? 'GET'} ${url.pathname}`;
    calls.push(`${key}${url.search}`);
    const route = routes[key];
    return Promise.resolve(route ? route(url, init) : json(404, { message: `Cannot ${key}` }));
  };
  let now = 0;
  const io: CliIo = {
    env: {},
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    fetch,
    readFile: () => Promise.reject(Object.assign(new Error('no files here'), { code: 'ENOENT' })),
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    ...extra,
  };
  const run = (...argv: string[]) =>
    runCli(['--url', 'http://ases.test', '--key', 'k', ...argv], io);
  return { run, io, calls, out: () => out.join(''), err: () => err.join('') };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** Answers each record in turn, then the last one for ever. */
function records(...list: unknown[]): Route {
  let index = 0;
  return () => json(200, list[Math.min(index++, list.length - 1)]);
}

describe('runCli', () => {
  it('prints the version and the help with exit 0, on stdout', async () => {
    const h = harness({});
    await expect(runCli(['--version'], h.io)).resolves.toBe(0);
    expect(h.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
    await expect(runCli(['watch', '--help'], h.io)).resolves.toBe(0);
    expect(h.out()).toContain('Usage: ases watch [options] <id>');
    expect(h.out()).toContain('--interval <duration>');
    expect(h.err()).toBe('');
  });

  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [['send', '--nope'], "unknown option '--nope'"],
    [['status'], "missing required argument 'id'"],
    [['watch', 'm1', '--interval', 'soon'], 'must be a duration'],
    [['suppressions', 'add', 'a@example.org'], "required option '--reason <text>' not specified"],
    [['messages', '--limit', '0'], 'must be a whole number'],
    [['send', '--to', 'a@example.org', '--tag', 'x'], '--tag "x" must be name=value'],
  ])('exits 2 for %j, saying what is wrong, and calls nothing', async (argv, message) => {
    const h = harness({});
    await expect(h.run(...argv)).resolves.toBe(2);
    expect(h.err()).toContain(message);
    expect(h.calls).toEqual([]);
  });

  it('sends, printing the id and status, or with --json the answer as it came', async () => {
    let body: unknown;
    const h = harness({
      'POST /v1/messages': (_url, init) => {
        body = JSON.parse(init.body as string);
        return json(202, {
          id: '0abc',
          status: 'QUEUED',
          scheduledFor: '2026-12-24T08:00:00.000Z',
        });
      },
    });
    const flags = [
      '--from',
      'a@example.com',
      '--to',
      'b@example.org',
      '--subject',
      's',
      '--text',
      't',
    ];
    await expect(h.run('send', ...flags, '--tag', 'campaign=c1')).resolves.toBe(0);
    expect(body).toEqual({
      from: 'a@example.com',
      to: 'b@example.org',
      subject: 's',
      text: 't',
      tags: { campaign: 'c1' },
    });
    expect(h.out()).toBe('0abc  QUEUED\nscheduled for 2026-12-24T08:00:00.000Z\n');
    const again = harness({
      'POST /v1/messages': () => json(202, { id: '0abc', status: 'QUEUED' }),
    });
    await expect(again.run('--json', 'send', ...flags)).resolves.toBe(0);
    expect(JSON.parse(again.out())).toEqual({ id: '0abc', status: 'QUEUED' });
  });

  it("exits 1 on an API error, with ases's code and message on stderr and nothing on stdout", async () => {
    const h = harness({
      'GET /v1/messages/m1': () =>
        json(401, { statusCode: 401, code: 'UNAUTHORIZED', message: 'missing or wrong API key' }),
    });
    await expect(h.run('status', 'm1', '--json')).resolves.toBe(1);
    expect(h.err()).toBe('UNAUTHORIZED: missing or wrong API key\n');
    expect(h.out()).toBe('');
  });

  it('exits 3 when the server cannot be reached', async () => {
    const h = harness(
      {},
      {
        fetch: () =>
          Promise.reject(
            new TypeError('fetch failed', {
              cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
            }),
          ),
      },
    );
    await expect(h.run('stats')).resolves.toBe(3);
    expect(h.err()).toBe('error: cannot reach http://ases.test: ECONNREFUSED\n');
  });

  it('needs a key for a server that is not this machine', async () => {
    const h = harness({});
    await expect(runCli(['--url', 'https://mail.example.com', 'stats'], h.io)).resolves.toBe(2);
    expect(h.err()).toContain('give --key <key> or set ASES_API_KEY');
    await expect(
      runCli(['stats'], { ...h.io, env: { ASES_URL: 'http://localhost:1' } }),
    ).resolves.toBe(1);
    expect(h.err()).toContain('using the local stack\'s key "local-dev-key"');
    expect(h.calls[0]).toBe('GET /v1/sending');
  });

  describe('watch', () => {
    const queued = { type: 'queued', at: '2026-12-01T12:00:00.000Z', source: 'ases' };
    const pushed = { type: 'pushed', at: '2026-12-01T12:00:01.000Z', detail: 'ses-1' };
    const bounce = {
      type: 'bounce',
      at: '2026-12-01T12:00:02.000Z',
      recipient: 'bounce@simulator.amazonses.com',
      detail: 'Permanent/General: smtp; 550 5.1.1 user unknown',
    };
    const route = () =>
      records(
        { id: 'm1', status: 'QUEUED', events: [queued] },
        { id: 'm1', status: 'PUSHED', events: [queued, pushed] },
        { id: 'm1', status: 'BOUNCED', events: [queued, pushed, bounce] },
      );

    it('prints a line per entry and status change, and exits 4 for a bounce', async () => {
      const h = harness({ 'GET /v1/messages/m1': route() });
      await expect(h.run('watch', 'm1', '--interval', '200ms')).resolves.toBe(4);
      expect(h.out().split('\n')).toEqual([
        '2026-12-01T12:00:00.000Z  queued',
        'status QUEUED',
        '2026-12-01T12:00:01.000Z  pushed  ses-1',
        'status PUSHED (was QUEUED)',
        '2026-12-01T12:00:02.000Z  bounce  bounce@simulator.amazonses.com  Permanent/General: smtp; 550 5.1.1 user unknown',
        'status BOUNCED (was PUSHED)',
        '',
      ]);
      expect(h.calls).toHaveLength(3);
    });

    it('prints one JSON object per line with --json, ending with the outcome', async () => {
      const h = harness({ 'GET /v1/messages/m1': route() });
      await expect(h.run('--json', 'watch', 'm1')).resolves.toBe(4);
      const lines = h
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; status?: string });
      expect(lines[0]).toEqual({ kind: 'event', event: queued });
      expect(lines.at(-1)).toEqual({ kind: 'end', settled: true, status: 'BOUNCED' });
      expect(lines.filter((line) => line.kind === 'status').map((line) => line.status)).toEqual([
        'QUEUED',
        'PUSHED',
        'BOUNCED',
      ]);
    });

    it('exits 5 at the timeout, saying the status it was left in', async () => {
      const h = harness({ 'GET /v1/messages/m1': records({ id: 'm1', status: 'PUSHED' }) });
      await expect(h.run('watch', 'm1', '--interval', '1s', '--timeout', '3s')).resolves.toBe(5);
      expect(h.err()).toBe('timed out after 3 s: still PUSHED\n');
      expect(h.calls).toHaveLength(4);
    });
  });

  it('follows nextCursor with --all', async () => {
    const h = harness({
      'GET /v1/suppressions': (url) =>
        url.searchParams.get('cursor') === null
          ? json(200, {
              items: [{ email: 'a@x.org', source: 'bounce', reason: 'r' }],
              nextCursor: 'c2',
            })
          : json(200, {
              items: [{ email: 'b@x.org', source: 'manual', reason: 'r' }],
              nextCursor: null,
            }),
    });
    await expect(h.run('suppressions', 'list', '--all', '--json')).resolves.toBe(0);
    expect(JSON.parse(h.out())).toEqual({
      items: [
        { email: 'a@x.org', source: 'bounce', reason: 'r' },
        { email: 'b@x.org', source: 'manual', reason: 'r' },
      ],
    });
    expect(h.calls).toEqual(['GET /v1/suppressions', 'GET /v1/suppressions?cursor=c2']);
    const one = harness({
      'GET /v1/suppressions': () => json(200, { items: [{ email: 'a@x.org' }], nextCursor: 'c2' }),
    });
    await expect(one.run('suppressions', 'list')).resolves.toBe(0);
    expect(one.out()).toContain('a@x.org');
    expect(one.err()).toBe('more: --cursor c2 (or --all)\n');
  });

  it('says clearly when the server has no reputation endpoint', async () => {
    const h = harness({});
    await expect(h.run('reputation')).resolves.toBe(1);
    expect(h.err()).toBe(
      'NOT_AVAILABLE: http://ases.test/v1/reputation answered 404: this ases has no reputation ' +
        'endpoint (it comes with the reputation guard)\n',
    );
  });

  it('shows the reputation state, thresholds, windows and categories as tables', async () => {
    const figures = (sent: number, bounced: number) => ({
      sent,
      delivered: sent - bounced,
      bounced,
      complained: 0,
      volume: sent,
      bounceRate: bounced / sent,
      complaintRate: 0,
    });
    const h = harness({
      'GET /v1/reputation': () =>
        json(200, {
          state: 'warning',
          since: '2026-12-01T12:00:00.000Z',
          reason: 'bounce rate 3.00% over 24h',
          thresholds: {
            minVolume: 500,
            warning: { bounceRate: 0.025, complaintRate: 0.0005 },
            guard: { bounceRate: 0.04, complaintRate: 0.0008 },
          },
          windows: { '24h': figures(1000, 30), '7d': figures(5000, 60) },
          categories: { marketing: { '24h': figures(800, 30), '7d': figures(800, 30) } },
        }),
    });
    await expect(h.run('reputation')).resolves.toBe(0);
    expect(h.out()).toMatch(/^State: +warning: bounce rate 3\.00% over 24h$/m);
    expect(h.out()).toMatch(/^Pauses at: +4\.00% bounces, 0\.08% complaints/m);
    expect(h.out()).toMatch(/WINDOW +SENT +DELIVERED +BOUNCED +COMPLAINED +BOUNCE RATE/);
    expect(h.out()).toMatch(/24h +1000 +970 +30 +0 +3\.00% +0\.00%/);
    expect(h.out()).toMatch(/marketing +7d +800 +770 +30 +0 +3\.75%/);
  });

  it('shows the sending state and the counts of the last hour and the last 24 hours', async () => {
    const counts = (sent: number) => ({
      sent,
      delivered: sent - 1,
      bounced: 1,
      complained: 0,
      opened: 5,
      openedHuman: 2,
      clicked: 1,
      clickedHuman: 1,
      failed: 0,
      suppressed: 0,
    });
    const h = harness({
      'GET /v1/sending': () => json(200, { ceiling: 14, rate: 14, paused: null }),
      'GET /v1/stats': (url) =>
        json(200, {
          since: url.searchParams.get('since'),
          until: '',
          totals: counts(
            url.searchParams.get('since') === new Date(-3_600_000).toISOString() ? 7 : 90,
          ),
        }),
    });
    await expect(h.run('stats')).resolves.toBe(0);
    expect(h.calls.slice(1).sort()).toEqual([
      `GET /v1/stats?resolution=minute&since=${encodeURIComponent(new Date(-86_400_000).toISOString())}`,
      `GET /v1/stats?resolution=minute&since=${encodeURIComponent(new Date(-3_600_000).toISOString())}`,
    ]);
    expect(h.out()).toMatch(/^Send rate ceiling: +14\/s$/m);
    expect(h.out()).toMatch(/LAST +SENT +DELIVERED +BOUNCED +COMPLAINED +OPENED +CLICKED/);
    expect(h.out()).toMatch(/^hour +7 +6 +1 +0 +5 \(2 human\) +1 \(1 human\)/m);
    expect(h.out()).toMatch(/^24 hours +90 /m);
  });

  it('prints a new webhook secret apart, and exits 1 when a test post is not answered 2xx', async () => {
    const h = harness({
      'POST /v1/webhooks': (_url, init) =>
        json(201, {
          id: 'wh_1',
          enabled: true,
          secret: 'whsec_abc',
          ...JSON.parse(init.body as string),
        }),
      'POST /v1/webhooks/wh_1/test': () =>
        json(200, {
          webhookId: 'msg_1',
          type: 'webhook.test',
          outcome: 'test',
          status: 500,
          latencyMs: 3,
        }),
    });
    await expect(
      h.run(
        'webhooks',
        'add',
        'https://hooks.example.com/x',
        '--events',
        'message.bounced, message.complained',
      ),
    ).resolves.toBe(0);
    expect(h.out()).toContain('Events:  message.bounced,message.complained');
    expect(h.out()).toContain('\nSecret: whsec_abc\nKeep it now');
    await expect(h.run('webhooks', 'test', 'wh_1')).resolves.toBe(1);
    expect(h.out()).toContain('failed: answered 500, 3 ms');
  });
});
