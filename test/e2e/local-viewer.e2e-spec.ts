import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Browser, Page } from 'playwright-core';
import { LocalSesServer } from '../../src/local/local-ses.server';
import { launchChromium, startPageServer, type PageServer } from '../helpers/browser';

/** A mail sent to the viewer's SES, with an open pixel of its own on the test's pixel server. */
interface ViewerMail {
  messageId: string;
  /** Path of its pixel on the pixel server. */
  pixelPath: string;
}

/** The viewer's card of a mail, found by the id of its HTML view. */
function card(page: Page, mail: ViewerMail) {
  return page.locator('.email').filter({ has: page.locator(`[id="${mail.messageId}-html"]`) });
}

/**
 * The viewer runs on an SES server of this suite's own: a fresh store holding these few mails
 * only, so that every one is listed at once (the shared stack's store holds thousands in a run).
 */
describe('the local SES viewer loads a mail, and its open pixel, only when it is shown', () => {
  let ses: LocalSesServer;
  let client: SESClient;
  let pixels: PageServer;
  let browser: Browser | undefined;
  let page: Page;
  const mails: ViewerMail[] = [];

  /** The pixel server's requests for a mail's pixel. */
  const pixelRequests = (mail: ViewerMail) =>
    pixels.requests.filter((request) => request.url.startsWith(mail.pixelPath));

  beforeAll(async () => {
    pixels = await startPageServer();
    ses = new LocalSesServer({ port: 0 });
    await ses.start();
    client = new SESClient({
      region: 'us-east-1',
      endpoint: ses.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const n of [1, 2, 3]) {
      const pixelPath = `/t/o/mail-${n}.gif`;
      pixels.setPage(pixelPath, '');
      const { MessageId } = await client.send(
        new SendEmailCommand({
          Source: 'news@viewer.ases.test',
          Destination: { ToAddresses: [`reader${n}@example.org`] },
          Message: {
            Subject: { Data: `Mail ${n}` },
            Body: {
              Html: {
                Data: `<p>Mail ${n}</p><img src="${pixels.origin}${pixelPath}" width="1" height="1" alt="">`,
              },
            },
          },
        }),
      );
      mails.push({ messageId: MessageId!, pixelPath });
    }
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    client?.destroy();
    await ses?.stop();
    await pixels?.close();
  });

  it('lists every mail without loading its HTML, so no pixel is requested', async () => {
    await page.goto(`${ses.url}/`, { waitUntil: 'load' });
    for (const mail of mails) {
      await card(page, mail).waitFor({ state: 'attached' });
    }
    // All listed, each with its (hidden) HTML view; a pixel can only load from a mail's
    // document, and none holds an image: the unpatched viewer had filled them all by now.
    expect(await page.locator('.email').count()).toBe(mails.length);
    for (const mail of mails) {
      const iframe = page.frameLocator(`[id="${mail.messageId}-html-iframe"]`);
      expect(await iframe.locator('img').count()).toBe(0);
    }
    expect(pixels.requests).toEqual([]);
  });

  it("requests a mail's pixel once when it is shown, and no other mail's", async () => {
    const [shown, ...others] = [mails[1], mails[0], mails[2]];
    const toggle = card(page, shown).getByRole('button', { name: 'Toggle HTML view' });
    const pixel = page.waitForResponse((response) => response.url().endsWith(shown.pixelPath));
    await toggle.click();
    expect((await pixel).status()).toBe(200);
    const iframe = page.frameLocator(`[id="${shown.messageId}-html-iframe"]`);
    await expect(iframe.locator('img').count()).resolves.toBe(1);

    // Hiding and showing it again neither reloads the mail nor fills another.
    await toggle.click();
    await toggle.click();
    await card(page, shown).locator(`[id="${shown.messageId}-html"]`).waitFor({ state: 'visible' });
    expect(await iframe.locator('img').count()).toBe(1);
    for (const other of others) {
      const otherFrame = page.frameLocator(`[id="${other.messageId}-html-iframe"]`);
      expect(await otherFrame.locator('img').count()).toBe(0);
      expect(pixelRequests(other)).toEqual([]);
    }
    expect(pixelRequests(shown)).toHaveLength(1);
    expect(pixels.requests.map((request) => request.url)).toEqual([shown.pixelPath]);
  });
});
