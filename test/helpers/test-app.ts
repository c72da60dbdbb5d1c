import { EventEmitterModule } from '@nestjs/event-emitter';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { StatusService } from '../../src/status/status.service';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AsesModule } from '../../src/ases.module';
import type { AsesModuleOptions } from '../../src/core/ases-options';
import { configureHttp } from '../../src/http-setup';
import { readLocalStackConfig } from '../../src/local/local-stack.config';
import { IsolatedFeedback, localAwsClients, provisionIsolatedFeedback } from './local-aws';
import { deleteKeysWithPrefix, testRedisOptions } from './test-redis';

/** The bearer key every test app accepts. */
export const API_KEY = 'test-key-0123456789';
/** The tracking secret of the test apps. */
export const TRACKING_SECRET = 'test-tracking-secret-0123456789abcdef';

/** An ases app under test, with queues and a sender domain of its own on the shared local stack. */
export interface TestApp {
  app: NestExpressApplication;
  feedback: IsolatedFeedback;
  keyPrefix: string;
  /** URL of the events queue, when the app was started with one. */
  eventsQueueUrl?: string;
  /** supertest on the app's HTTP server. */
  http(): TestAgent;
  /** An address at the app's own sender domain (its SES notifications come back to it). */
  sender(localPart?: string): string;
  /** `GET /v1/messages/:id` with the API key. */
  status(id: string): Promise<request.Response>;
  close(): Promise<void>;
}

/** How a test app gets its queues: fresh ones (optionally with raw delivery), or another app's. */
export interface TestAppResources {
  rawDelivery?: boolean;
  /** Reuse these queues and this key prefix (a second process of the same service). */
  shared?: Pick<TestApp, 'feedback' | 'keyPrefix'>;
  /** Also create an events queue (all SES event types, `queues.events`) and consume it. */
  eventsQueue?: boolean;
  /** Reverse proxies the HTTP set-up trusts for the client IP (TRUST_PROXY_HOPS). */
  trustProxyHops?: number;
  /** Changes the testing module before it compiles (e.g. overrides a port such as SNS_HTTPS_CLIENT). */
  configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * Boots AsesModule.forRoot on fresh queues and a fresh Redis key prefix (or shared ones), on the
 * test mode's Redis (`TEST_REDIS_MODE`); an `overrides.redis` replaces all of it.
 */
export async function startTestApp(
  name: string,
  overrides: Partial<AsesModuleOptions> = {},
  resources: TestAppResources = {},
): Promise<TestApp> {
  const feedback =
    resources.shared?.feedback ??
    (await provisionIsolatedFeedback(name, { rawDelivery: resources.rawDelivery }));
  const keyPrefix = resources.shared?.keyPrefix ?? `ases-test:${feedback.queues.sendmail}:`;
  const eventsQueue = resources.eventsQueue
    ? await createQueue(feedback.queues.sendmail.replace(/-sendmail$/, '-events'))
    : undefined;
  const configure = resources.configure ?? ((builder: TestingModuleBuilder) => builder);
  const moduleRef = await configure(
    Test.createTestingModule({
      imports: [
        // As most hosts do: ases then emits on this emitter, which the specs listen to.
        EventEmitterModule.forRoot(),
        AsesModule.forRoot({
          apiKeys: [API_KEY],
          tracking: { baseUrl: 'http://ases.test', secret: TRACKING_SECRET },
          // One server, or the test cluster under ASES_TEST_REDIS=cluster (test-redis.ts).
          redis: { ...testRedisOptions(), keyPrefix },
          queues: { ...feedback.queues, ...(eventsQueue ? { events: eventsQueue.name } : {}) },
          // Shutdown lets the pending long poll return: keep it short so every close() is quick.
          pollWaitSeconds: 1,
          // The claim-check bucket the global setup's stack created, on fauxqs's S3 (its SQS port).
          s3Bucket: readLocalStackConfig(process.env).s3Bucket,
          ...overrides,
          // ases reads no AWS_* variable itself: the global setup's stack is given as options,
          // under the endpoints a test overrides.
          endpoints: {
            sqs: process.env.AWS_ENDPOINT_URL_SQS,
            s3: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL_SQS,
            ...overrides.endpoints,
          },
        }),
      ],
    }),
  ).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>();
  configureHttp(app, { trustProxyHops: resources.trustProxyHops });
  await app.init();
  const http = (): TestAgent => request(app.getHttpServer());
  return {
    app,
    feedback,
    keyPrefix,
    eventsQueueUrl: eventsQueue?.url,
    http,
    sender: (localPart = 'news') => `${localPart}@${feedback.identityDomain}`,
    status: (id) =>
      http()
        .get(`/v1/messages/${encodeURIComponent(id)}`)
        .auth(API_KEY, { type: 'bearer' }),
    close: async () => {
      await app.close();
      await deleteKeys(keyPrefix);
    },
  };
}

/** Removes a test's Redis keys, on one server or on every master of the test cluster. */
export async function deleteKeys(prefix: string): Promise<void> {
  await deleteKeysWithPrefix(prefix);
}

/**
 * Calls `probe` until `done` holds for its value, and returns that value; fails with the last
 * value seen when `timeoutMs` passes first.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until a message's status is `status`, and returns its record. */
export async function waitForStatus(
  testApp: TestApp,
  id: string,
  status: string,
  timeoutMs = 15_000,
): Promise<Record<string, any>> {
  const response = await waitFor(
    () => testApp.status(id),
    (res) => res.status === 200 && (res.body as { status?: string }).status === status,
    { timeoutMs, what: `message ${id} to be ${status}` },
  );
  return response.body as Record<string, any>;
}

/** A mail the local SES endpoint stored (aws-ses-v2-local's `/store` shape). */
export interface StoredMail {
  messageId: string;
  from: string;
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
}

/** Every mail the local SES endpoint has accepted. */
export async function sentMail(): Promise<StoredMail[]> {
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL_SES}/store`);
  return ((await response.json()) as { emails: StoredMail[] }).emails;
}

async function createQueue(name: string): Promise<{ name: string; url: string }> {
  const aws = localAwsClients();
  try {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (!QueueUrl) {
      throw new Error(`no URL for the new queue ${name}`);
    }
    return { name, url: QueueUrl };
  } finally {
    aws.destroy();
  }
}

/** A message as the sender leaves it once SES accepted it, and the SES mail it was sent as. */
export interface PushedMessage {
  id: string;
  sesMessageId: string;
  source: string;
  destination: string[];
}

/**
 * Records a message as QUEUED then PUSHED with a fresh SES id, the two writes the sender makes,
 * for feedback tests that play SES's part themselves.
 */
export async function recordPushed(
  t: TestApp,
  to: string,
  tags?: Record<string, string>,
): Promise<PushedMessage> {
  const status = t.app.get(StatusService);
  const id = `m-${randomUUID()}`;
  // Shaped like SES's own: 0100, the send time in ms (12 hex digits), a UUID, -000000.
  const sesMessageId = `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
  const now = new Date().toISOString();
  await status.create({
    id,
    from: t.sender(),
    to,
    subject: 'feedback',
    tags,
    queuedAt: now,
    fingerprint: 'x',
  });
  await status.markPushed(id, sesMessageId, now);
  return { id, sesMessageId, source: t.sender(), destination: [to] };
}
