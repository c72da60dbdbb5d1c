/**
 * The dashboard's two HTML pages: the sign-in form and the dashboard itself, a static shell that
 * its script fills from the REST API. Every URL in them is relative, so they work wherever the
 * host mounts ases (a route prefix, a reverse proxy's path): the page is `<base>/dashboard`, its
 * assets `<base>/dashboard/assets/…` and the API `<base>/v1/…`.
 */

/** The `Content-Security-Policy` of the dashboard's pages: only its own files, no inline code. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The headers of every dashboard page: never cached, never framed, no referrer sent on. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': DASHBOARD_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-Robots-Tag': 'noindex, nofollow',
};

const HEAD = (title: string, scripts: readonly string[]): string =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${title}</title>`,
    '<link rel="icon" href="data:,">',
    '<link rel="stylesheet" href="dashboard/assets/uplot.css">',
    '<link rel="stylesheet" href="dashboard/assets/dashboard.css">',
    ...scripts.map((name) => `<script src="dashboard/assets/${name}" defer></script>`),
    '</head>',
  ].join('\n');

/** The sign-in page: one field for an API key, posted by the script as JSON. */
export function signInPage(): string {
  return `${HEAD('Sign in · ases', ['dashboard.js'])}
<body data-view="signin">
<main class="signin">
  <form id="signin-form" class="card signin-card" novalidate>
    <h1><span class="logo">ases</span> dashboard</h1>
    <p class="muted">Sign in with one of the service's API keys. It is checked once and not kept
    in the browser: a session cookie takes its place.</p>
    <label for="api-key">API key</label>
    <input id="api-key" name="key" type="password" autocomplete="current-password" required
      autofocus spellcheck="false">
    <p id="signin-error" class="error" role="alert" data-testid="signin-error"></p>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <noscript><p class="card">The dashboard needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;
}

interface ChartCard {
  id: string;
  title: string;
  /** [testid, label] of the numbers shown above the chart. */
  totals: Array<[string, string]>;
  wide?: boolean;
}

const CHARTS: readonly ChartCard[] = [
  {
    id: 'volume',
    title: 'Sent and what became of it',
    totals: [
      ['total-sent', 'Sent'],
      ['total-delivered', 'Delivered'],
      ['total-bounced', 'Bounced'],
      ['total-complained', 'Complained'],
      ['total-failed', 'Failed'],
      ['total-suppressed', 'Suppressed'],
    ],
    wide: true,
  },
  {
    id: 'bounce-rate',
    title: 'Bounce rate',
    totals: [
      ['range-bounce-rate', 'In range'],
      ['rep-24h-bounce-rate', 'Last 24 h'],
      ['rep-7d-bounce-rate', 'Last 7 d'],
    ],
  },
  {
    id: 'complaint-rate',
    title: 'Complaint rate',
    totals: [
      ['range-complaint-rate', 'In range'],
      ['rep-24h-complaint-rate', 'Last 24 h'],
      ['rep-7d-complaint-rate', 'Last 7 d'],
    ],
  },
  {
    id: 'engagement',
    title: 'Opens and clicks',
    totals: [
      ['total-opened', 'Opened'],
      ['total-opened-human', 'by people'],
      ['total-clicked', 'Clicked'],
      ['total-clicked-human', 'by people'],
    ],
  },
  {
    id: 'send-rate',
    title: 'Send rate (mails/s)',
    totals: [
      ['sending-rate', 'Rate now'],
      ['sending-ceiling', 'Ceiling'],
      ['peak-send-rate', 'Peak in range'],
    ],
  },
  {
    id: 'queue',
    title: 'Queue depth',
    totals: [
      ['queue-depth', 'Latest'],
      ['stale-queued', 'Stale queued'],
      ['stale-pushed', 'Stale pushed'],
    ],
  },
  {
    id: 'lag',
    title: 'Feedback lag (s)',
    totals: [
      ['feedback-lag', 'Latest'],
      ['feedback-lag-max', 'Max in range'],
    ],
  },
];

function chartCard(chart: ChartCard): string {
  const totals = chart.totals
    .map(
      ([testid, label]) =>
        `<div><dt>${label}</dt><dd data-testid="${testid}" data-value="">–</dd></div>`,
    )
    .join('');
  return `<article class="card chart-card${chart.wide ? ' wide' : ''}" data-testid="chart-${chart.id}">
  <h2>${chart.title}</h2>
  <dl class="totals">${totals}</dl>
  <div class="plot" data-chart="${chart.id}"></div>
</article>`;
}

/** The dashboard: header, chart cards, and the side column (guard, suppressions, search, lists). */
export function dashboardPage(): string {
  return `${HEAD('ases dashboard', ['uplot.js', 'dashboard.js'])}
<body data-view="dashboard">
<header class="top">
  <h1><span class="logo">ases</span></h1>
  <span class="badge" data-testid="guard-badge" data-state="">guard …</span>
  <div class="range" role="group" aria-label="Time range">
    <button type="button" data-range="minute" aria-pressed="true">Last hour</button>
    <button type="button" data-range="hour" aria-pressed="false">14 days</button>
  </div>
  <span class="live" data-testid="live-status" data-state="connecting" role="status">connecting…</span>
  <button type="button" id="sign-out" class="quiet">Sign out</button>
</header>
<main class="layout">
  <section class="charts" aria-label="Charts" data-testid="charts" data-range="">
${CHARTS.map(chartCard).join('\n')}
  </section>
  <aside class="side">
    <section class="card guard" data-testid="guard">
      <h2>Reputation guard</h2>
      <p class="state"><span class="badge" data-testid="guard-state" data-state="">…</span>
        <span class="muted" data-testid="guard-since"></span></p>
      <p data-testid="guard-reason" class="reason"></p>
      <table class="figures">
        <thead><tr><th></th><th>24 h</th><th>7 d</th></tr></thead>
        <tbody>
          <tr><th>Sent</th><td data-testid="rep-24h-sent" data-value="">–</td><td data-testid="rep-7d-sent" data-value="">–</td></tr>
          <tr><th>Delivered</th><td data-testid="rep-24h-delivered" data-value="">–</td><td data-testid="rep-7d-delivered" data-value="">–</td></tr>
          <tr><th>Bounced</th><td data-testid="rep-24h-bounced" data-value="">–</td><td data-testid="rep-7d-bounced" data-value="">–</td></tr>
          <tr><th>Complained</th><td data-testid="rep-24h-complained" data-value="">–</td><td data-testid="rep-7d-complained" data-value="">–</td></tr>
          <tr><th>Volume</th><td data-testid="rep-24h-volume" data-value="">–</td><td data-testid="rep-7d-volume" data-value="">–</td></tr>
        </tbody>
      </table>
      <p class="muted small" data-testid="guard-thresholds"></p>
      <div class="categories" data-testid="guard-categories"></div>
      <button type="button" class="danger" data-testid="guard-resume" hidden>Resume paused categories</button>
    </section>
    <section class="card find">
      <h2>Find a message</h2>
      <form id="search-form" class="search" role="search">
        <input type="search" data-testid="search-input" aria-label="Message id, SES message id or recipient address"
          placeholder="ases id, SES id or address" spellcheck="false" autocomplete="off">
        <button type="submit">Find</button>
      </form>
      <p class="error" data-testid="search-error" role="alert"></p>
      <ul class="messages" data-testid="search-results"></ul>
    </section>
    <section class="card timeline" data-testid="timeline" hidden>
      <div class="timeline-head">
        <h2>Message</h2>
        <button type="button" class="quiet" data-testid="timeline-close" aria-label="Close">✕</button>
      </div>
      <dl class="record" data-testid="timeline-record"></dl>
      <ol class="events" data-testid="timeline-events"></ol>
    </section>
    <section class="card counts">
      <div><span class="muted">Suppressed addresses</span>
        <strong data-testid="suppression-count" data-value="">–</strong></div>
      <div><span class="muted">Sending</span>
        <strong data-testid="sending-paused" data-value="">–</strong></div>
    </section>
    <section class="card">
      <h2>Recent failures</h2>
      <ul class="messages" data-testid="failed-list"><li class="muted">–</li></ul>
    </section>
    <section class="card">
      <h2>Stale messages</h2>
      <ul class="messages" data-testid="stale-list"><li class="muted">–</li></ul>
    </section>
  </aside>
</main>
</body>
</html>
`;
}
