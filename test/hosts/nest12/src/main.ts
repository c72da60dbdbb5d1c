import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AsesService, startLocalStack, type LocalStack } from 'ases';
import { AppModule } from './app.module.js';
import { DeliveryWatcher } from './delivery.watcher.js';

const HOST = 'nest12';
const TIMEOUT_MS = 60_000;
/** What the host is doing, for the timeout's message. */
let stage = 'starting the local stack';

/**
 * Starts the local stack with the installed package's startLocalStack(), boots the host, checks
 * its own /health, sends one mail to the SES mailbox simulator and waits for its delivered event.
 */
async function main(): Promise<void> {
  let stack: LocalStack | undefined;
  let app: INestApplication | undefined;
  try {
    // Every option has a default: free ports, the default queues and bucket.
    stack = await startLocalStack();
    console.log(`${HOST}: local stack at ${stack.endpoints.sqs} and ${stack.endpoints.ses}`);
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redisKeyPrefix =
      process.env.HOST_REDIS_KEY_PREFIX ?? `ases-host-${HOST}:${randomBytes(4).toString('hex')}:`;
    stage = 'booting';
    app = await NestFactory.create(
      AppModule.register({
        aws: stack.asesOptions(),
        redisUrl,
        redisKeyPrefix,
      }),
      { logger: ['error', 'warn'] },
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as unknown;
    console.log(`${HOST}: GET /health ${JSON.stringify(health)}`);
    if ((health as { host?: string }).host !== HOST) {
      throw new Error(`GET /health did not reach the host's own controller`);
    }
    const asesHealth = await fetch(`http://127.0.0.1:${port}/mail/health`);
    console.log(`${HOST}: GET /mail/health ${asesHealth.status}`);
    if (asesHealth.status !== 200) {
      throw new Error(`GET /mail/health (ases's check) answered ${asesHealth.status}`);
    }

    stage = 'sending';
    const sent = await app.get(AsesService).sendmail({
      from: 'host@example.com',
      to: 'success@simulator.amazonses.com',
      subject: `Hello from the ${HOST} host`,
      html: '<p>Hello</p>',
    });
    console.log(`${HOST}: sent ${sent.id}`);
    stage = `waiting for the delivered event of ${sent.id}`;
    const watcher = app.get(DeliveryWatcher);
    const event = await watcher.delivered(sent.id);
    console.log(
      `${HOST}: delivered event ${event.messageId} status ${event.status} ` +
        `(${watcher.count(sent.id)} received)`,
    );
  } finally {
    stage = 'closing';
    await app?.close();
    await stack?.stop();
  }
}

const timer = setTimeout(() => {
  console.error(`${HOST}: FAILED: timed out after ${TIMEOUT_MS / 1000} s, ${stage}`);
  process.exit(2);
}, TIMEOUT_MS);
timer.unref();

main().then(
  () => {
    console.log(`${HOST}: OK`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(
      `${HOST}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
