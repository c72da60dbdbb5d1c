import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { freePort, launchChromium, PageServer, startPageServer } from '../helpers/browser';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  sentMail,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';

/** Gmail's image proxy, as senders log it. */
const GOOGLE_IMAGE_PROXY_AGENT =
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const LANDING_TITLE = 'Landing page';
const MAILTO = 'mailto:help@example.org?subject=Question';

/** The mail a reader gets: one web link (with an entity in its query) and one mailto link. */
function mailHtml(target: PageServer): string {
  return [
    '<!doctype html><html><head><title>Your order</title></head><body>',
    '<p>Hello, your order has shipped.</p>',
    `<p><a id="cta" href="${target.origin}/landing?x=1&amp;y=2">Go</a></p>`,
    `<p><a id="help" href="${MAILTO}">Write to us</a></p>`,
    '</body></html>',
  ].join('');
}

/** Boots a test app that serves its tracking endpoints over real HTTP on 127.0.0.1. */
async function startListeningApp(
  name: string,
  tracking: { scannerWindowSeconds?: number },
): Promise<{ t: TestApp; baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestApp(name, {
    tracking: { baseUrl, secret: TRACKING_SECRET, ...tracking },
  });
  await t.app.listen(port, '127.0.0.1');
  return { t, baseUrl };
}

/** Sends `html` to a reader, waits until it is DELIVERED, and returns the HTML SES stored. */
async function sendAndDeliver(
  t: TestApp,
  html: string,
): Promise<{ id: string; record: Record<string, any>; storedHtml: string }> {
  const response = await t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
    from: t.sender(),
    to: 'reader@example.org',
    subject: 'Your order',
    html,
  });
  expect(response.status).toBe(202);
  const id = response.body.id as string;
  const record = await waitForStatus(t, id, 'DELIVERED');
  const mail = (await sentMail()).find((m) => m.messageId === record.sesMessageId);
  if (mail?.body.html === undefined) {
    throw new Error(`the local SES stored no HTML mail with id ${record.sesMessageId}`);
  }
  return { id, record, storedHtml: mail.body.html };
}

/** The record once `done` holds for it (polled over the API). */
async function recordWhen(
  t: TestApp,
  id: string,
  done: (record: Record<string, any>) => boolean,
  what: string,
): Promise<Record<string, any>> {
  const response = await waitFor(
    () => t.status(id),
    (res) => res.status === 200 && done(res.body as Record<string, any>),
    { what },
  );
  return response.body as Record<string, any>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function eventsOf(record: Record<string, any>, type: string): Record<string, any>[] {
  return (record.events as Record<string, any>[]).filter((event) => event.type === type);
}

/** Opens the mail page in `page` and returns the pixel's response once the page has loaded. */
async function openMail(page: Page, mailUrl: string, baseUrl: string): Promise<Response> {
  const pixel = page.waitForResponse((response) => response.url().startsWith(`${baseUrl}/t/o/`));
  await page.goto(mailUrl, { waitUntil: 'load' });
  return pixel;
}

/** Clicks the #cta link and returns the response of the page it lands on. */
async function clickCta(page: Page, landingUrl: string): Promise<Response> {
  const landed = page.waitForResponse((response) => response.url() === landingUrl);
  await page.click('#cta');
  const response = await landed;
  await page.waitForURL(landingUrl, { waitUntil: 'load' });
  return response;
}

describe('open and click tracking in a real browser (headless Chromium)', () => {
  let browser: Browser | undefined;
  let target: PageServer | undefined;
  let t: TestApp | undefined;
  let baseUrl: string;
  let landingUrl: string;
  let mailUrl: string;
  let id: string;
  let record: Record<string, any>;
  let storedHtml: string;
  let reader: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    target = await startPageServer();
    target.setPage(
      '/landing',
      `<!doctype html><html><head><title>${LANDING_TITLE}</title></head><body>hi</body></html>`,
    );
    landingUrl = `${target.origin}/landing?x=1&y=2`;
    // No early-click rule here: a person's click right after delivery counts as human.
    ({ t, baseUrl } = await startListeningApp('tracking-browser', { scannerWindowSeconds: 0 }));
    ({ id, record, storedHtml } = await sendAndDeliver(t, mailHtml(target)));
    // The reader's webmail: the mail exactly as SES stored it, on a page of its own.
    mailUrl = `${target.origin}/mail/${encodeURIComponent(id)}`;
    target.setPage(new URL(mailUrl).pathname, storedHtml);
    reader = await browser.newContext();
    page = await reader.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await target?.close();
    await t?.close();
  });

  it('got the mail with a pixel and a tracked web link, and the mailto link as it was', () => {
    expect(record.track).toEqual({ opens: true, clicks: true });
    expect(storedHtml).toContain(`<img src="${baseUrl}/t/o/`);
    expect(storedHtml).toMatch(
      new RegExp(`<a id="cta" href="${escapeRegExp(baseUrl)}/t/c/[^"]+">Go</a>`),
    );
    expect(storedHtml).not.toContain(`${target?.origin}/landing`);
    expect(storedHtml).toContain(`<a id="help" href="${MAILTO}">`);
  });

  it('loads the open pixel and records one human open, keeping no IP or user agent', async () => {
    const pixel = await openMail(page, mailUrl, baseUrl);
    expect(pixel.status()).toBe(200);
    expect(pixel.headers()['content-type']).toBe('image/gif');
    const naturalWidth = await page
      .locator(`img[src^="${baseUrl}/t/o/"]`)
      .evaluate((img: { naturalWidth: number }) => img.naturalWidth);
    expect(naturalWidth).toBe(1);

    const opened = await recordWhen(t!, id, (r) => r.opens?.count === 1, 'the first open');
    expect(opened.opens).toEqual({
      count: 1,
      humanCount: 1,
      firstAt: opened.opens.firstAt,
      lastAt: opened.opens.firstAt,
      firstHumanAt: opened.opens.firstAt,
      bySource: { ases: 1 },
      byClass: { human: 1 },
    });
    const [open] = eventsOf(opened, 'open');
    expect(open).toMatchObject({ source: 'ases', at: opened.opens.firstAt });
    expect(open.hit).toEqual({ class: 'human', rule: 'browser' });
    expect(open.hit).not.toHaveProperty('ip');
    expect(open.hit).not.toHaveProperty('userAgent');
    expect(opened.clicks).toBeUndefined();
  });

  it('follows the tracked link to the original URL and records one human click', async () => {
    // What the browser got: the web link through ases, the mailto link untouched.
    expect(await page.getAttribute('#cta', 'href')).toMatch(
      new RegExp(`^${escapeRegExp(baseUrl)}/t/c/[^/]+$`),
    );
    expect(await page.getAttribute('#help', 'href')).toBe(MAILTO);

    const landed = await clickCta(page, landingUrl);
    expect(landed.status()).toBe(200);
    expect(page.url()).toBe(landingUrl);
    expect(await page.title()).toBe(LANDING_TITLE);
    const redirect = await landed.request().redirectedFrom()?.response();
    expect(redirect?.url()).toMatch(new RegExp(`^${escapeRegExp(baseUrl)}/t/c/`));
    expect(redirect?.status()).toBe(302);
    expect(redirect?.headers().location).toBe(landingUrl);
    const visits = target!.requests.filter((request) => request.url.startsWith('/landing'));
    expect(visits).toEqual([
      { method: 'GET', url: '/landing?x=1&y=2', userAgent: expect.stringContaining('Chrome/') },
    ]);

    const clicked = await recordWhen(t!, id, (r) => r.clicks?.count === 1, 'the click');
    expect(clicked.clicks).toEqual({
      count: 1,
      humanCount: 1,
      firstAt: clicked.clicks.firstAt,
      lastAt: clicked.clicks.firstAt,
      firstHumanAt: clicked.clicks.firstAt,
      bySource: { ases: 1 },
      byClass: { human: 1 },
      uniqueLinks: 1,
      links: [
        {
          url: landingUrl,
          count: 1,
          humanCount: 1,
          firstAt: clicked.clicks.firstAt,
          lastAt: clicked.clicks.firstAt,
        },
      ],
    });
    const [click] = eventsOf(clicked, 'click');
    expect(click).toMatchObject({ source: 'ases', detail: landingUrl });
    expect(click.hit).toEqual({ class: 'human', rule: 'browser', link: 0 });
    // Following the link loaded no pixel: still the one open.
    expect(clicked.opens.count).toBe(1);
  });

  it("records an open through Gmail's image proxy as a proxy open, not a human one", async () => {
    const proxy = await browser!.newContext({ userAgent: GOOGLE_IMAGE_PROXY_AGENT });
    try {
      const pixel = await openMail(await proxy.newPage(), mailUrl, baseUrl);
      expect(pixel.status()).toBe(200);
      expect(pixel.request().headers()['user-agent']).toBe(GOOGLE_IMAGE_PROXY_AGENT);
    } finally {
      await proxy.close();
    }

    const opened = await recordWhen(t!, id, (r) => r.opens?.count === 2, 'the proxy open');
    expect(opened.opens).toMatchObject({
      count: 2,
      humanCount: 1,
      bySource: { ases: 2 },
      byClass: { human: 1, proxy: 1 },
    });
    const opens = eventsOf(opened, 'open');
    expect(opens.map((event): unknown => event.hit)).toEqual([
      { class: 'human', rule: 'browser' },
      { class: 'proxy', rule: 'google-image-proxy' },
    ]);
    expect(opened.opens.firstHumanAt).toBe(opens[0].at);
    expect(opened.opens.lastAt).toBe(opens[1].at);
  });
});

describe('a click right after delivery, in a real browser, with the default scanner window', () => {
  let browser: Browser | undefined;
  let target: PageServer | undefined;
  let t: TestApp | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    target = await startPageServer();
    target.setPage('/landing', `<!doctype html><title>${LANDING_TITLE}</title>`);
    ({ t, baseUrl } = await startListeningApp('tracking-browser-window', {}));
  });

  afterAll(async () => {
    await browser?.close();
    await target?.close();
    await t?.close();
  });

  it('still redirects, but records the click as a scanner one (early-click)', async () => {
    const landingUrl = `${target!.origin}/landing?x=1&y=2`;
    const page = await browser!.newPage();
    const { id, record, storedHtml } = await sendAndDeliver(t!, mailHtml(target!));
    const mailPath = `/mail/${encodeURIComponent(id)}`;
    target!.setPage(mailPath, storedHtml);
    await openMail(page, `${target!.origin}${mailPath}`, baseUrl);
    const landed = await clickCta(page, landingUrl);
    expect(landed.status()).toBe(200);
    expect(await page.title()).toBe(LANDING_TITLE);

    const clicked = await recordWhen(t!, id, (r) => r.clicks?.count === 1, 'the early click');
    const [click] = eventsOf(clicked, 'click');
    // The premise: the click came within the default 10 s of the push, so the rule applies.
    expect(Date.parse(click.at) - Date.parse(record.pushedAt)).toBeLessThan(10_000);
    expect(click.hit).toEqual({ class: 'scanner', rule: 'early-click', link: 0 });
    expect(clicked.clicks).toMatchObject({
      count: 1,
      humanCount: 0,
      byClass: { scanner: 1 },
      uniqueLinks: 1,
      links: [{ url: landingUrl, count: 1, humanCount: 0 }],
    });
    expect(clicked.clicks).not.toHaveProperty('firstHumanAt');
    // Opens are never judged by time: the pixel load just before is a person's.
    expect(eventsOf(clicked, 'open').map((event): unknown => event.hit)).toEqual([
      { class: 'human', rule: 'browser' },
    ]);
  });
});
