import type { Browser, Page, Request } from 'playwright-core';
import { freePort, launchChromium } from '../helpers/browser';
import {
  API_KEY,
  TRACKING_SECRET,
  TestApp,
  sentMail,
  startTestApp,
  waitFor,
  waitForStatus,
} from '../helpers/test-app';

/** A tracked mail as the local SES stored it. */
interface ViewerMail {
  id: string;
  sesMessageId: string;
  /** The open pixel's URL in the stored HTML. */
  pixelUrl: string;
}

async function sendTracked(t: TestApp, subject: string, baseUrl: string): Promise<ViewerMail> {
  const response = await t
    .http()
    .post('/v1/messages')
    .auth(API_KEY, { type: 'bearer' })
    .send({
      from: t.sender(),
      to: 'reader@example.org',
      subject,
      html: `<!doctype html><html><body><p>${subject}</p></body></html>`,
    });
  expect(response.status).toBe(202);
  const id = response.body.id as string;
  const { sesMessageId } = (await waitForStatus(t, id, 'DELIVERED')) as { sesMessageId: string };
  const html = (await sentMail()).find((m) => m.messageId === sesMessageId)?.body.html ?? '';
  const pixelUrl = new RegExp(`<img src="(${baseUrl}/t/o/[^"]+)"`).exec(html)?.[1];
  if (!pixelUrl) {
    throw new Error(`the local SES stored no tracked HTML for ${sesMessageId}: ${html}`);
  }
  return { id, sesMessageId, pixelUrl };
}

/** The viewer's card of a mail, found by the id of its HTML view. */
function card(page: Page, mail: ViewerMail) {
  return page.locator('.email').filter({ has: page.locator(`[id="${mail.sesMessageId}-html"]`) });
}

describe('the local SES viewer counts an open only for the mail shown', () => {
  let browser: Browser | undefined;
  let t: TestApp | undefined;
  let baseUrl: string;
  let first: ViewerMail;
  let second: ViewerMail;
  let page: Page;
  const pixelRequests: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    t = await startTestApp('local-viewer', { tracking: { baseUrl, secret: TRACKING_SECRET } });
    await t.app.listen(port, '127.0.0.1');
    first = await sendTracked(t, 'First mail', baseUrl);
    second = await sendTracked(t, 'Second mail', baseUrl);
    page = await browser.newPage();
    page.on('request', (request: Request) => {
      if (request.url().startsWith(`${baseUrl}/t/o/`)) {
        pixelRequests.push(request.url());
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists both mails without loading their HTML, so no open is recorded', async () => {
    await page.goto(`${process.env.AWS_ENDPOINT_URL_SES}/`, { waitUntil: 'load' });
    for (const mail of [first, second]) {
      await card(page, mail).waitFor({ state: 'attached' });
      // The pixel can only load from the mail's document: it must hold no image yet.
      const images = await page
        .frameLocator(`[id="${mail.sesMessageId}-html-iframe"]`)
        .locator('img')
        .count();
      expect(images).toBe(0);
    }
    expect(pixelRequests).toEqual([]);
    for (const mail of [first, second]) {
      const record = (await t!.status(mail.id)).body as Record<string, unknown>;
      expect(record.status).toBe('DELIVERED');
      expect(record.opens).toBeUndefined();
    }
  });

  it('records an open for the mail opened in the viewer, and for it only', async () => {
    const pixel = page.waitForResponse((response) => response.url() === second.pixelUrl);
    await card(page, second).getByRole('button', { name: 'Toggle HTML view' }).click();
    expect((await pixel).status()).toBe(200);
    const opened = await waitFor(
      () => t!.status(second.id),
      (res) => (res.body as { opens?: { count: number } }).opens?.count === 1,
      { what: 'the open of the mail shown' },
    );
    expect((opened.body as Record<string, any>).opens).toMatchObject({
      count: 1,
      humanCount: 1,
    });

    // Hiding and showing it again does not reload the mail.
    const toggle = card(page, second).getByRole('button', { name: 'Toggle HTML view' });
    await toggle.click();
    await toggle.click();
    const firstRecord = (await t!.status(first.id)).body as Record<string, unknown>;
    expect(firstRecord.opens).toBeUndefined();
    expect(pixelRequests).toEqual([second.pixelUrl]);
  });
});
