import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { AsesModule } from '../../src/ases.module';
import { freePort, launchChromium } from '../helpers/browser';
import { provisionIsolatedFeedback } from '../helpers/local-aws';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  deleteKeys,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';
import { testRedisOptions } from '../helpers/test-redis';

const SUCCESS = 'success@simulator.amazonses.com';
const BOUNCE = 'bounce@simulator.amazonses.com';

/** The stats counters the page shows as totals, by data-testid. */
const STATS_TOTALS: Record<string, string> = {
  'total-sent': 'sent',
  'total-delivered': 'delivered',
  'total-bounced': 'bounced',
  'total-complained': 'complained',
  'total-failed': 'failed',
  'total-suppressed': 'suppressed',
  'total-opened': 'opened',
  'total-opened-human': 'openedHuman',
  'total-clicked': 'clicked',
  'total-clicked-human': 'clickedHuman',
};
const FIGURES = ['sent', 'delivered', 'bounced', 'complained', 'volume'];

/** The `data-value` of the element with `testid` (what the page shows, unformatted). */
async function shown(page: Page, testid: string): Promise<string | null> {
  return page.getAttribute(`[data-testid="${testid}"]`, 'data-value');
}

/** Waits until the page shows `value` at `testid` (it polls the API on its own). */
async function untilShown(page: Page, testid: string, value: string): Promise<void> {
  await waitFor(
    () => shown(page, testid),
    (current) => current === value,
    { timeoutMs: 20_000, what: `the page to show ${value} at ${testid}` },
  );
}

describe('the dashboard in a real browser (headless Chromium)', () => {
  let browser: Browser | undefined;
  let t: TestApp | undefined;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const ids: string[] = [];

  const api = (path: string) =>
    t!
      .http()
      .get(path)
      .auth(API_KEY, { type: 'bearer' })
      .then((response) => {
        expect(response.status).toBe(200);
        return response.body as Record<string, any>;
      });

  async function send(to: string, status: string): Promise<Record<string, any>> {
    const response = await t!
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({ from: t!.sender(), to, subject: `Dashboard test to ${to}`, html: '<p>Hello</p>' });
    expect(response.status).toBe(202);
    ids.push(response.body.id as string);
    return waitForStatus(t!, response.body.id as string, status);
  }

  /** /v1/stats once its totals count `sent` sends (the series are written as statuses change). */
  function statsWith(counts: Record<string, number>): Promise<Record<string, any>> {
    return waitFor(
      () => api('/v1/stats?resolution=minute'),
      (stats) => Object.entries(counts).every(([key, n]) => stats.totals[key] === n),
      { what: `/v1/stats totals ${JSON.stringify(counts)}` },
    );
  }

  async function sessionCookie(): Promise<Cookie | undefined> {
    return (await context.cookies(baseUrl)).find((cookie) => cookie.name === 'ases_dashboard');
  }

  beforeAll(async () => {
    browser = await launchChromium();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    t = await startTestApp('dashboard', { tracking: { baseUrl, secret: TRACKING_SECRET } });
    await t.app.listen(port, '127.0.0.1');
    // A known number of sends: three delivered, one bounced.
    await Promise.all([
      send(SUCCESS, 'DELIVERED'),
      send(SUCCESS, 'DELIVERED'),
      send(SUCCESS, 'DELIVERED'),
      send(BOUNCE, 'BOUNCED'),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        cspViolations.push(message.text());
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the sign-in form without a session, under a strict Content-Security-Policy', async () => {
    const response = await page.goto(`${baseUrl}/dashboard`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['cache-control']).toBe('no-store');
    expect(await page.isVisible('#api-key')).toBe(true);
    expect(await page.$('[data-testid="total-sent"]')).toBeNull();
  });

  it('refuses a wrong key: 401, the form again with an error, no cookie', async () => {
    await page.fill('#api-key', 'not-the-key');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/dashboard/session')),
      page.click('button[type="submit"]'),
    ]);
    expect(answer.status()).toBe(401);
    await page.waitForSelector('[data-testid="signin-error"]:has-text("Wrong API key")');
    expect(await page.isVisible('#api-key')).toBe(true);
    expect(await sessionCookie()).toBeUndefined();
  });

  it('signs in with the right key: an HttpOnly, SameSite=Strict cookie that holds no key', async () => {
    await page.fill('#api-key', API_KEY);
    await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);
    await page.waitForSelector('[data-testid="total-sent"]');
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(cookie!.value).not.toContain(API_KEY);
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 3600);
    // Nor does the page keep the key anywhere a script could read it.
    expect(await page.content()).not.toContain(API_KEY);
  });

  it('shows the numbers of /v1/stats and /v1/reputation after 3 deliveries and 1 bounce', async () => {
    const stats = await statsWith({ sent: 4, delivered: 3, bounced: 1 });
    await untilShown(page, 'total-sent', '4');
    await untilShown(page, 'total-bounced', '1');
    for (const [testid, counter] of Object.entries(STATS_TOTALS)) {
      expect([testid, await shown(page, testid)]).toEqual([testid, String(stats.totals[counter])]);
    }
    expect(Number(await shown(page, 'range-bounce-rate'))).toBeCloseTo(1 / 4, 10);

    const reputation = await api('/v1/reputation');
    expect(reputation.windows['24h']).toMatchObject({ sent: 4, delivered: 3, bounced: 1 });
    await untilShown(page, 'rep-24h-volume', String(reputation.windows['24h'].volume));
    for (const window of ['24h', '7d']) {
      const figures = reputation.windows[window];
      for (const field of FIGURES) {
        expect([window, field, await shown(page, `rep-${window}-${field}`)]).toEqual([
          window,
          field,
          String(figures[field]),
        ]);
      }
      expect(Number(await shown(page, `rep-${window}-bounce-rate`))).toBe(figures.bounceRate);
    }
    expect(await page.textContent('[data-testid="guard-state"]')).toBe(reputation.state);

    const sending = await api('/v1/sending');
    expect(await shown(page, 'sending-ceiling')).toBe(String(sending.ceiling ?? ''));
    const suppressions = await api('/v1/suppressions/count');
    // The bounce put its address on the list.
    expect(suppressions.count).toBeGreaterThanOrEqual(1);
    await untilShown(page, 'suppression-count', String(suppressions.count));
    expect(await page.getAttribute('[data-testid="live-status"]', 'data-state')).toBe('ok');
    // One chart per card, drawn by uPlot.
    expect(await page.locator('.plot canvas').count()).toBe(7);
  });

  it('updates without a reload after another send', async () => {
    // Lost if the page were loaded again.
    await page.evaluate('window.sameDocument = true');
    await send(SUCCESS, 'DELIVERED');
    await statsWith({ sent: 5, delivered: 4 });
    await untilShown(page, 'total-sent', '5');
    await untilShown(page, 'total-delivered', '4');
    await untilShown(page, 'rep-24h-sent', '5');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  it('opens a message timeline from the search box, by ases id, SES id or address', async () => {
    const delivered = (await t!.status(ids[0])).body as Record<string, any>;
    const timelineId = () => page.textContent('[data-testid="timeline-record"] [data-field="id"]');

    await page.fill('[data-testid="search-input"]', delivered.id as string);
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="timeline"]:visible');
    expect(await timelineId()).toBe(delivered.id);
    const items = await page.$$('[data-testid="timeline-events"] li');
    const types = await Promise.all(items.map((item) => item.getAttribute('data-type')));
    expect(types).toEqual((delivered.events as Array<{ type: string }>).map((e) => e.type));
    expect(types).toContain('delivery');

    await page.click('[data-testid="timeline-close"]');
    await page.fill('[data-testid="search-input"]', delivered.sesMessageId as string);
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="timeline"]:visible');
    expect(await timelineId()).toBe(delivered.id);

    // An address lists its messages; the bounce address has one, opened at once.
    const bounced = (await api(`/v1/messages?to=${encodeURIComponent(BOUNCE)}`)).messages;
    expect(bounced).toHaveLength(1);
    await page.fill('[data-testid="search-input"]', BOUNCE);
    await page.press('[data-testid="search-input"]', 'Enter');
    await waitFor(timelineId, (id) => id === bounced[0].id, { what: 'the bounced timeline' });
    expect(await page.locator('[data-testid="search-results"] li').count()).toBe(1);
  });

  it('lets the API be called with the session cookie, but not without a cookie or key', async () => {
    const cookie = (await sessionCookie())!;
    const withCookie = `${cookie.name}=${cookie.value}`;
    const noCredentials = await t!.http().get('/v1/stats');
    expect(noCredentials.status).toBe(401);
    expect(noCredentials.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    const forged = await t!
      .http()
      .get('/v1/reputation')
      .set(
        'Cookie',
        withCookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      );
    expect(forged.status).toBe(401);
    expect((await t!.http().get('/v1/reputation').set('Cookie', withCookie)).status).toBe(200);
    // A state change with the cookie needs the page's own origin, beyond SameSite.
    const crossSite = await t!
      .http()
      .post('/v1/reputation/resume')
      .set('Cookie', withCookie)
      .set('Sec-Fetch-Site', 'same-site');
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatchObject({ code: 'FORBIDDEN' });
    const noOrigin = await t!.http().post('/v1/reputation/resume').set('Cookie', withCookie);
    expect(noOrigin.status).toBe(403);
    // From the page itself it goes through (what the resume button sends).
    const fromPage = await page.evaluate(async () => {
      const response = await fetch('v1/reputation/resume', { method: 'POST' });
      return {
        status: response.status,
        state: ((await response.json()) as { state: string }).state,
      };
    });
    expect(fromPage).toEqual({ status: 200, state: 'healthy' });
  });

  it('fits a 375 px wide phone screen without horizontal overflow', async () => {
    const phone = await context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 800 });
      await phone.goto(`${baseUrl}/dashboard`);
      await untilShown(phone, 'total-sent', '5');
      // Run in the page (a string: these tests compile without the DOM's types).
      const overflow = await phone.evaluate(`(() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((node) => node.getBoundingClientRect().right > width + 0.5)
          .map((node) => node.tagName.toLowerCase() + '.' + node.className);
        return { width, scrollWidth: document.documentElement.scrollWidth, wide };
      })()`);
      expect(overflow).toEqual({ width: 375, scrollWidth: 375, wide: [] });
    } finally {
      await phone.close();
    }
  });

  it('switches to the last 14 days per hour, with the totals of /v1/stats?resolution=hour', async () => {
    const stats = await api('/v1/stats?resolution=hour');
    expect(stats.totals).toMatchObject({ sent: 5, delivered: 4, bounced: 1 });
    await page.click('button[data-range="hour"]');
    await page.waitForSelector('[data-testid="charts"][data-range="hour"]');
    expect(await page.getAttribute('button[data-range="hour"]', 'aria-pressed')).toBe('true');
    for (const [testid, counter] of Object.entries(STATS_TOTALS)) {
      expect([testid, await shown(page, testid)]).toEqual([testid, String(stats.totals[counter])]);
    }
    await page.click('button[data-range="minute"]');
    await page.waitForSelector('[data-testid="charts"][data-range="minute"]');
  });

  it('says when the API cannot be reached, and recovers', async () => {
    const live = '[data-testid="live-status"]';
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await page.waitForSelector(`${live}[data-state="error"]`, { timeout: 20_000 });
    expect(await page.textContent(live)).toContain('API unreachable');
    await page.unroute('**/v1/**');
    await page.waitForSelector(`${live}[data-state="ok"]`, { timeout: 20_000 });
  });

  it('loaded everything without a Content-Security-Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });

  it('signs out: the cookie is gone and the form is back', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('#sign-out')]);
    await page.waitForSelector('#api-key');
    expect(await sessionCookie()).toBeUndefined();
    const after = await page.evaluate(async () => (await fetch('v1/stats')).status);
    expect(after).toBe(401);
  });
});

describe('the dashboard in a host app under a route prefix (Chromium)', () => {
  let browser: Browser | undefined;
  let app: NestExpressApplication | undefined;
  let keyPrefix: string;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    const feedback = await provisionIsolatedFeedback('dashboard-prefix');
    keyPrefix = `ases-test:${feedback.queues.sendmail}:`;
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        AsesModule.forRoot({
          apiKeys: [API_KEY],
          tracking: { baseUrl: `${baseUrl}/ops`, secret: TRACKING_SECRET },
          redis: { ...testRedisOptions(), keyPrefix },
          queues: feedback.queues,
          endpoints: { sqs: process.env.AWS_ENDPOINT_URL_SQS },
          pollWaitSeconds: 1,
        }),
      ],
    }).compile();
    // A host's own set-up: its global prefix, Nest's body parsers, none of ases's HTTP set-up.
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
    app.setGlobalPrefix('ops');
    await app.init();
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await deleteKeys(keyPrefix);
  });

  it('signs in at <prefix>/dashboard, scopes the cookie to the prefix and reads <prefix>/v1', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    // With a trailing slash the relative URLs would miss: it redirects to the page itself.
    const response = await page.goto(`${baseUrl}/ops/dashboard/`);
    expect(response?.url()).toBe(`${baseUrl}/ops/dashboard`);
    expect(response?.request().redirectedFrom()?.url()).toBe(`${baseUrl}/ops/dashboard/`);
    await page.fill('#api-key', API_KEY);
    await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);
    await untilShown(page, 'total-sent', '0');
    await untilShown(page, 'rep-24h-sent', '0');
    expect(await page.getAttribute('[data-testid="live-status"]', 'data-state')).toBe('ok');
    const cookies = await context.cookies(`${baseUrl}/ops/dashboard`);
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'ases_dashboard', path: '/ops/', httpOnly: true }),
    ]);
    // The API answers under the prefix with the cookie, and nowhere else.
    const statuses = await page.evaluate(async () => [
      (await fetch('v1/sending')).status,
      (await fetch('/v1/sending')).status,
    ]);
    expect(statuses).toEqual([200, 404]);
    await context.close();
  });
});
