/**
 * Takes the README's pictures of the dashboard: boots ases on its own local AWS stack and a Redis
 * key prefix of its own, sends mail through the SES mailbox simulator for a few minutes (deliveries,
 * a few bounces and complaints, opens and clicks, in two categories), then signs in with headless
 * Chromium and saves docs/dashboard.png (1280×800) and docs/dashboard-phone.png (375 px wide).
 *
 *   npx ts-node --transpile-only scripts/dashboard-screenshot.ts [minutes=4]
 *
 * Needs Redis on REDIS_URL (default redis://127.0.0.1:6379) and Debian's Chromium.
 */
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AsesModule } from '../src/ases.module';
import { configureHttp } from '../src/http-setup';
import { startLocalStack } from '../src/local/local-stack';
import { readLocalStackConfig } from '../src/local/local-stack.config';
import { signLinkToken, signTrackingToken } from '../src/tracking/tracking-token';
import { freePort, launchChromium } from '../test/helpers/browser';

const API_KEY = 'dashboard-screenshot-key';
const SECRET = 'dashboard-screenshot-tracking-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROWSER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const DOCS = join(__dirname, '..', 'docs');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Picks a recipient: mostly deliveries, now and then a bounce or a complaint. */
function recipient(i: number): string {
  if (i % 37 === 5) {
    return 'bounce@simulator.amazonses.com';
  }
  if (i % 211 === 17) {
    return 'complaint@simulator.amazonses.com';
  }
  return `success+${i}@simulator.amazonses.com`;
}

async function main(): Promise<void> {
  const minutes = Number(process.argv[2] ?? 4);
  const stack = await startLocalStack({
    ...readLocalStackConfig({}),
    sqsPort: 0,
    sesPort: 0,
    simulatorDelayMs: 400,
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: stack.snsEndpoint,
    AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const keyPrefix = `ases-screenshot:${randomBytes(4).toString('hex')}:`;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AsesModule.forRoot({
        apiKeys: [API_KEY],
        tracking: { baseUrl, secret: SECRET },
        redis: { url: REDIS_URL, keyPrefix },
        queues: readLocalStackConfig({}).queues,
        s3Bucket: stack.s3Bucket,
        endpoints: { s3: stack.s3Endpoint },
        sendRate: 20,
        // Low enough that this short run's 1-in-37 bounces show the guard's warning.
        guard: { minVolume: 50 },
        pollWaitSeconds: 1,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
  configureHttp(app);
  await app.listen(port, '127.0.0.1');
  const browser = await launchChromium();
  try {
    const post = (body: object) =>
      fetch(`${baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => response.json() as Promise<{ id?: string }>);
    const hit = (path: string) =>
      fetch(`${baseUrl}${path}`, { headers: { 'User-Agent': BROWSER_AGENT }, redirect: 'manual' });

    // Sends in waves, a wave every 15 s, busier towards the end; opens and clicks come later.
    const deadline = Date.now() + minutes * 60_000;
    let sent = 0;
    let wave = 0;
    const opened: string[] = [];
    while (Date.now() < deadline) {
      const size = 6 + ((wave * 7) % 11) + wave;
      const ids = await Promise.all(
        Array.from({ length: size }, (_, k) => {
          const i = sent + k;
          return post({
            from: 'news@example.com',
            to: recipient(i),
            subject: i % 3 === 0 ? 'Your receipt' : 'December news',
            category: i % 3 === 0 ? undefined : 'marketing',
            html: '<p>Hello! <a href="https://example.com/offer">See the offer</a></p>',
            track: { opens: true, clicks: true },
          });
        }),
      );
      sent += size;
      wave += 1;
      ids.forEach((answer, k) => {
        if (answer.id && (sent + k) % 3 !== 0) {
          opened.push(answer.id);
        }
      });
      // Readers open about half of the mail a little later, and click a third of what they open.
      await sleep(15_000);
      const readers = opened.splice(0, Math.ceil(opened.length / 2));
      await Promise.all(
        readers.map(async (id, k) => {
          await hit(`/t/o/${signTrackingToken('o', id, SECRET)}.gif`);
          if (k % 3 === 0) {
            const link = signLinkToken(
              { messageId: id, index: 0, url: 'https://example.com/offer' },
              SECRET,
            );
            await hit(`/t/c/${link}`);
          }
        }),
      );
      process.stdout.write(`\r${sent} mails sent`);
    }
    await sleep(5_000);
    process.stdout.write('\n');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/dashboard`);
    await page.fill('#api-key', API_KEY);
    await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);
    await page.waitForSelector('[data-testid="live-status"][data-state="ok"]');
    await page.screenshot({ path: join(DOCS, 'dashboard.png') });
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 375, height: 812 });
    await phone.goto(`${baseUrl}/dashboard`);
    await phone.waitForSelector('[data-testid="live-status"][data-state="ok"]');
    await phone.screenshot({ path: join(DOCS, 'dashboard-phone.png') });
    console.log(`saved ${join(DOCS, 'dashboard.png')} and ${join(DOCS, 'dashboard-phone.png')}`);
  } finally {
    await browser.close();
    await app.close();
    await stack.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
