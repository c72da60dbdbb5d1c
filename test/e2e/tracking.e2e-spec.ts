import { signTrackingToken } from '../../src/tracking/tracking-token';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  sentMail,
  startTestApp,
  waitForStatus,
} from '../helpers/test-app';

const GIF_HEADER = Buffer.from('GIF89a');
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const APPLE_MPP = 'Mozilla/5.0';
const GMAIL_PROXY =
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';

describe('open tracking pixel', () => {
  let t: TestApp;
  let id: string;
  let pixelPath: string;

  beforeAll(async () => {
    t = await startTestApp('tracking');
    const response = await t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
      from: t.sender(),
      to: 'reader@example.org',
      subject: 'open me',
      html: '<html><body><p>hello</p></body></html>',
    });
    id = response.body.id;
    const record = await waitForStatus(t, id, 'DELIVERED');
    const mail = (await sentMail()).find((m) => m.messageId === record.sesMessageId);
    const src = /<img src="http:\/\/ases\.test(\/t\/o\/[^"]+\.gif)"/.exec(mail?.body.html ?? '');
    if (!src) {
      throw new Error(`no pixel in the mail SES received: ${mail?.body.html}`);
    }
    pixelPath = src[1];
  });

  afterAll(async () => {
    await t.close();
  });

  const load = (path: string, userAgent = BROWSER) =>
    t
      .http()
      .get(path)
      .set('User-Agent', userAgent)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  function expectPixel(response: {
    status: number;
    headers: Record<string, string>;
    body: Buffer;
  }) {
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.body.subarray(0, 6)).toEqual(GIF_HEADER);
  }

  it('records an open for the pixel in the mail, and counts each load', async () => {
    const before = Date.now();
    expectPixel(await load(pixelPath));
    const first = (await t.status(id)).body;
    expect(first.opens).toEqual({
      count: 1,
      humanCount: 1,
      firstAt: first.opens.firstAt,
      lastAt: first.opens.firstAt,
      firstHumanAt: first.opens.firstAt,
      bySource: { ases: 1 },
      byClass: { human: 1 },
    });
    expect(first.track).toEqual({ opens: true, clicks: true });
    // Privacy by default: the class and its rule, no IP address or user agent.
    expect(first.events.filter((event: { type: string }) => event.type === 'open')).toEqual([
      {
        type: 'open',
        at: first.opens.firstAt,
        source: 'ases',
        hit: { class: 'human', rule: 'browser' },
      },
    ]);
    expect(Date.parse(first.opens.firstAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(first.status).toBe('DELIVERED');

    expectPixel(await load(pixelPath));
    const second = (await t.status(id)).body;
    expect(second.opens).toMatchObject({ count: 2, bySource: { ases: 2 } });
    expect(second.events.filter((event: { type: string }) => event.type === 'open')).toHaveLength(
      2,
    );
    expect(second.opens.firstAt).toBe(first.opens.firstAt);
    expect(Date.parse(second.opens.lastAt)).toBeGreaterThanOrEqual(Date.parse(first.opens.firstAt));
  });

  it('classifies image proxies, HEAD requests and unknown clients, and counts them apart', async () => {
    const before = (await t.status(id)).body.opens;
    expectPixel(await load(pixelPath, APPLE_MPP));
    expectPixel(await load(pixelPath, GMAIL_PROXY));
    const head = await t.http().head(pixelPath).set('User-Agent', BROWSER);
    expect(head.status).toBe(200);
    expectPixel(await load(pixelPath, ''));
    const after = (await t.status(id)).body;
    expect(after.opens).toMatchObject({
      count: before.count + 4,
      humanCount: before.humanCount,
      firstHumanAt: before.firstHumanAt,
      byClass: {
        human: before.byClass.human,
        proxy: 2,
        scanner: 1,
        unknown: 1,
      },
    });
    const hits = after.events
      .filter((event: { type: string }) => event.type === 'open')
      .slice(-4)
      .map((event: { hit: unknown }) => event.hit);
    expect(hits).toEqual([
      { class: 'proxy', rule: 'apple-mpp' },
      { class: 'proxy', rule: 'google-image-proxy' },
      { class: 'scanner', rule: 'head-request' },
      { class: 'unknown', rule: 'no-user-agent' },
    ]);
  });

  it('answers the pixel but records nothing for forged or altered tokens', async () => {
    const countBefore = (await t.status(id)).body.opens?.count ?? 0;
    const token = pixelPath.slice('/t/o/'.length, -'.gif'.length);
    const [encodedId, mac] = token.split('.');
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    const otherId = Buffer.from('someone-else').toString('base64url');
    const forged = [
      `/t/o/${encodedId}.${flipped}.gif`,
      `/t/o/${otherId}.${mac}.gif`,
      `/t/o/${signTrackingToken('o', id, 'not-the-secret')}.gif`,
      `/t/o/${signTrackingToken('c', id, TRACKING_SECRET)}.gif`,
      '/t/o/garbage.gif',
      `/t/o/${token}`,
    ];
    for (const path of forged.slice(0, -1)) {
      expectPixel(await load(path));
    }
    expect((await t.status(id)).body.opens?.count ?? 0).toBe(countBefore);
    // Without the .gif suffix the token itself is still accepted: mail clients differ.
    expectPixel(await load(forged.at(-1) as string));
    expect((await t.status(id)).body.opens.count).toBe(countBefore + 1);
  });

  it('ignores a query string, and leaves other methods and deeper paths to the framework', async () => {
    const before = (await t.status(id)).body.opens.count as number;
    expectPixel(await load(`${pixelPath}?utm_source=mail&x=%2F`));
    const encoded = pixelPath.replace('.gif', '%2Egif');
    expectPixel(await load(encoded));
    expect((await t.status(id)).body.opens.count).toBe(before + 2);
    const post = await t.http().post(pixelPath);
    expect(post.status).toBe(404);
    const deeper = await t.http().get(`${pixelPath}/more`);
    expect(deeper.status).toBe(404);
    expect((await t.status(id)).body.opens.count).toBe(before + 2);
  });

  it('creates no record for a well-signed token of an unknown or expired message', async () => {
    const ghost = 'expired-message-id';
    expectPixel(await load(`/t/o/${signTrackingToken('o', ghost, TRACKING_SECRET)}.gif`));
    expect((await t.status(ghost)).status).toBe(404);
  });

  it('needs no API key', async () => {
    const response = await load(`/t/o/${signTrackingToken('o', id, TRACKING_SECRET)}.gif`);
    expect(response.status).toBe(200);
  });
});
