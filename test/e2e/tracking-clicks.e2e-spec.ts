import { signLinkToken, signTrackingToken } from '../../src/tracking/tracking-token';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  sentMail,
  startTestApp,
  waitForStatus,
} from '../helpers/test-app';

type Json = Record<string, any>;

const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const BASE = 'http://ases.test';

const HTML = [
  '<!doctype html><html><head><title>Offer</title></head><body>',
  '<p><a href="https://shop.example.com/offer?a=1&amp;b=2">Offer</a></p>',
  '<p><a href="http://shop.example.com/offer?a=1&amp;b=2">Same offer, plain http</a></p>',
  '<p><a class="btn" href="https://shop.example.com/offer?a=1&amp;b=2">Again</a></p>',
  '<p><a href="mailto:help@example.com">Mail us</a> <a href="tel:+15555550100">Call</a></p>',
  '<p><a href="#top">Top</a> <a href="/relative">Relative</a></p>',
  '<p><a data-ases-notrack href="https://private.example.com/unsubscribe">Unsubscribe</a></p>',
  '</body></html>',
].join('\n');

/** The href values of the anchors of some HTML, in order. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\bhref="([^"]*)"/g)].map((match) => match[1]);
}

async function send(t: TestApp, body: Json): Promise<string> {
  const response = await t
    .http()
    .post('/v1/messages')
    .auth(API_KEY, { type: 'bearer' })
    .send({ from: t.sender(), to: 'reader@example.org', subject: 'links', ...body });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

/** Sends a message, waits for SES's delivery, and returns its record and the mail SES took. */
async function delivered(
  t: TestApp,
  body: Json,
): Promise<{ id: string; html: string; text?: string }> {
  const id = await send(t, body);
  const record = await waitForStatus(t, id, 'DELIVERED');
  const mail = (await sentMail()).find((stored) => stored.messageId === record.sesMessageId);
  if (!mail) {
    throw new Error(`SES has no mail for ${id}`);
  }
  return { id, html: mail.body.html ?? '', text: mail.body.text };
}

function click(t: TestApp, url: string, userAgent = BROWSER) {
  return t.http().get(url.slice(BASE.length)).set('User-Agent', userAgent).redirects(0);
}

describe('click tracking', () => {
  let t: TestApp;

  beforeAll(async () => {
    // scannerWindowSeconds 0: these clicks come right after delivery, which would make them
    // link scanners under the default rule (tested below with an app of its own).
    t = await startTestApp('tracking-clicks', {
      tracking: { baseUrl: BASE, secret: TRACKING_SECRET, scannerWindowSeconds: 0 },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  it('rewrites the http(s) links and leaves mailto, tel, anchors, relative and notrack links', async () => {
    const { html } = await delivered(t, { html: HTML });
    const links = hrefs(html);
    expect(links).toHaveLength(8);
    for (const tracked of links.slice(0, 3)) {
      expect(tracked).toMatch(/^http:\/\/ases\.test\/t\/c\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    }
    expect(new Set(links.slice(0, 3)).size).toBe(3);
    expect(links.slice(3)).toEqual([
      'mailto:help@example.com',
      'tel:+15555550100',
      '#top',
      '/relative',
      'https://private.example.com/unsubscribe',
    ]);
    expect(html).toContain('<a class="btn" href="http://ases.test/t/c/');
    expect(html).toMatch(/<img src="http:\/\/ases\.test\/t\/o\/[^"]+\.gif"/);
  });

  it('redirects each link to its URL, and counts clicks per link and per message', async () => {
    const { id, html } = await delivered(t, { html: HTML });
    const [first, plain, third] = hrefs(html);

    for (const [url, target] of [
      [first, 'https://shop.example.com/offer?a=1&b=2'],
      [first, 'https://shop.example.com/offer?a=1&b=2'],
      [third, 'https://shop.example.com/offer?a=1&b=2'],
      [plain, 'http://shop.example.com/offer?a=1&b=2'],
    ]) {
      const response = await click(t, url);
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe(target);
      expect(response.headers['cache-control']).toContain('no-store');
    }

    const record = (await t.status(id)).body;
    expect(record.clicks).toEqual({
      count: 4,
      humanCount: 4,
      firstAt: expect.any(String),
      lastAt: expect.any(String),
      firstHumanAt: record.clicks.firstAt,
      bySource: { ases: 4 },
      byClass: { human: 4 },
      uniqueLinks: 2,
      links: [
        {
          url: 'https://shop.example.com/offer?a=1&b=2',
          count: 3,
          humanCount: 3,
          firstAt: record.clicks.firstAt,
          lastAt: expect.any(String),
        },
        {
          url: 'http://shop.example.com/offer?a=1&b=2',
          count: 1,
          humanCount: 1,
          firstAt: record.clicks.lastAt,
          lastAt: record.clicks.lastAt,
        },
      ],
    });
    const clicks = record.events.filter((event: Json) => event.type === 'click');
    expect(clicks.map((event: Json) => event.hit as Json)).toEqual([
      { class: 'human', rule: 'browser', link: 0 },
      { class: 'human', rule: 'browser', link: 0 },
      { class: 'human', rule: 'browser', link: 2 },
      { class: 'human', rule: 'browser', link: 1 },
    ]);
    expect(clicks[0].detail).toBe('https://shop.example.com/offer?a=1&b=2');
    // A click is not an open, and the status stays.
    expect(record.opens).toBeUndefined();
    expect(record.status).toBe('DELIVERED');
  });

  it('redirects a Unicode link to its encoded form, a valid Location header', async () => {
    const { html } = await delivered(t, {
      html: '<p><a href="https://例え.jp/パス?q=ü&amp;r=1">Unicode</a></p>',
    });
    const response = await click(t, hrefs(html)[0]);
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(
      'https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=%C3%BC&r=1',
    );
  });

  it('classifies a HEAD check and a known scanner as scanners', async () => {
    const { id, html } = await delivered(t, { html: HTML });
    const [link] = hrefs(html);
    const head = await t
      .http()
      .head(link.slice(BASE.length))
      .set('User-Agent', BROWSER)
      .redirects(0);
    expect(head.status).toBe(302);
    const bot = await click(t, link, 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))');
    expect(bot.status).toBe(302);
    const record = (await t.status(id)).body;
    expect(record.clicks).toMatchObject({ count: 2, humanCount: 0, byClass: { scanner: 2 } });
    expect(record.clicks.firstHumanAt).toBeUndefined();
  });

  it('answers 404 and never redirects for a forged, altered or foreign token', async () => {
    const { id, html } = await delivered(t, { html: HTML });
    const [link] = hrefs(html);
    const token = link.slice(`${BASE}/t/c/`.length);
    const [payload, mac] = token.split('.');
    const evil = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('shop.example.com', 'evil.example'),
    ).toString('base64url');
    const forged = [
      `${evil}.${mac}`,
      `${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      signLinkToken({ messageId: id, index: 0, url: 'https://evil.example/' }, 'another-secret'),
      signTrackingToken('o', id, TRACKING_SECRET),
      signTrackingToken('c', id, TRACKING_SECRET),
      'garbage',
      `${token}x`,
    ];
    for (const bad of forged) {
      const response = await t.http().get(`/t/c/${bad}`).redirects(0);
      expect(response.status).toBe(404);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toEqual({
        statusCode: 404,
        code: 'LINK_NOT_FOUND',
        message: 'no such link: the token is not one this service signed',
      });
    }
    expect((await t.status(id)).body.clicks).toBeUndefined();
  });

  it('still redirects a genuine link of an expired message, recording nothing', async () => {
    const ghost = 'expired-message-id';
    const token = signLinkToken(
      { messageId: ghost, index: 0, url: 'https://shop.example.com/old' },
      TRACKING_SECRET,
    );
    const response = await click(t, `${BASE}/t/c/${token}`);
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('https://shop.example.com/old');
    expect((await t.status(ghost)).status).toBe(404);
  });

  it('takes the per-message choice: no pixel, no links, or neither', async () => {
    const noOpens = await delivered(t, { html: HTML, track: { opens: false } });
    expect(noOpens.html).not.toContain('/t/o/');
    expect(hrefs(noOpens.html)[0]).toMatch(/^http:\/\/ases\.test\/t\/c\//);
    expect((await t.status(noOpens.id)).body.track).toEqual({ opens: false, clicks: true });

    const noClicks = await delivered(t, { html: HTML, track: { clicks: false } });
    expect(noClicks.html).toContain('/t/o/');
    expect(hrefs(noClicks.html)[0]).toBe('https://shop.example.com/offer?a=1&amp;b=2');
    expect((await t.status(noClicks.id)).body.track).toEqual({ opens: true, clicks: false });

    const neither = await delivered(t, { html: HTML, track: { opens: false, clicks: false } });
    expect(neither.html).not.toContain('ases.test');
  });

  it('never changes text-only mail, nor the text part of a mail with both', async () => {
    const text = 'Offer: https://shop.example.com/offer?a=1&b=2';
    const textOnly = await delivered(t, { text, track: { opens: true, clicks: true } });
    expect(textOnly.text?.trim()).toBe(text);
    expect((await t.status(textOnly.id)).body.track).toEqual({ opens: false, clicks: false });

    const both = await delivered(t, { text, html: HTML });
    expect(both.text?.trim()).toBe(text);
    expect(both.html).toContain('/t/c/');
  });

  it('refuses a malformed track option, naming the field', async () => {
    for (const [track, field] of [
      [{ clicks: 'yes' }, 'track.clicks'],
      [{ links: true }, 'track.links'],
      ['all', 'track'],
    ] as const) {
      const response = await t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
        from: t.sender(),
        to: 'reader@example.org',
        subject: 's',
        html: '<p>x</p>',
        track,
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_MESSAGE');
      expect(response.body.errors.map((error: Json) => error.field as string)).toEqual([field]);
    }
  });
});

describe('click tracking with the default scanner window and client details kept', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(
      'tracking-scanner',
      {
        tracking: {
          baseUrl: BASE,
          secret: TRACKING_SECRET,
          opens: false,
          clicks: false,
          storeClient: true,
        },
      },
      { trustProxyHops: 1 },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  it('tracks nothing by default when the service says so, unless the message asks', async () => {
    const plain = await delivered(t, { html: HTML });
    expect(plain.html).not.toContain('ases.test');
    expect((await t.status(plain.id)).body.track).toEqual({ opens: false, clicks: false });

    const asked = await delivered(t, { html: HTML, track: { clicks: true } });
    expect(hrefs(asked.html)[0]).toMatch(/^http:\/\/ases\.test\/t\/c\//);
    expect(asked.html).not.toContain('/t/o/');
  });

  it('counts a click within seconds of delivery as a link scanner, keeping IP and user agent', async () => {
    const { id, html } = await delivered(t, { html: HTML, track: { clicks: true } });
    const response = await click(t, hrefs(html)[0]);
    expect(response.status).toBe(302);
    const record = (await t.status(id)).body;
    expect(record.clicks).toMatchObject({ count: 1, humanCount: 0, byClass: { scanner: 1 } });
    const event = record.events.find((entry: Json) => entry.type === 'click');
    expect(event.hit).toEqual({
      class: 'scanner',
      rule: 'early-click',
      link: 0,
      ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/),
      userAgent: BROWSER,
    });
  });

  it('takes the client IP from X-Forwarded-For only through the trusted proxy hops', async () => {
    const { id, html } = await delivered(t, { html: HTML, track: { opens: true } });
    const pixel = /<img src="http:\/\/ases\.test(\/t\/o\/[^"]+)"/.exec(html)?.[1] ?? '';
    const load = await t
      .http()
      .get(`${pixel}?utm_source=mail`)
      .set('User-Agent', BROWSER)
      .set('X-Forwarded-For', '203.0.113.9, 17.1.2.3');
    expect(load.status).toBe(200);
    const record = (await t.status(id)).body;
    const open = record.events.find((entry: Json) => entry.type === 'open');
    // One trusted hop: the address the proxy saw, Apple's range, and so Apple's proxy.
    expect(open.hit).toEqual({
      class: 'proxy',
      rule: 'apple-mpp',
      ip: '17.1.2.3',
      userAgent: BROWSER,
    });
  });
});
