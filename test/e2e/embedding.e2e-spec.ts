import { signLinkToken, signTrackingToken } from '../../src/tracking/tracking-token';
import { randomBytes } from 'node:crypto';
import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  HttpException,
  Injectable,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { getRedisConnectionToken, InjectRedis, RedisModule } from '@nestjs-modules/ioredis';
import { CreateQueueCommand, DeleteQueueCommand, type Message } from '@aws-sdk/client-sqs';
import {
  SqsConsumerEventHandler,
  SqsMessageHandler,
  SqsModule,
  SqsService,
} from '@ssut/nestjs-sqs';
import type { Response } from 'express';
import { Cluster, type Redis } from 'ioredis';
import type { AsesRedis } from '../../src/core/ases-redis';
import request from 'supertest';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TerminusModule,
} from '@nestjs/terminus';
import {
  ASES_EVENTS,
  AsesErrorCode,
  AsesHealthIndicator,
  AsesException,
  AsesModule,
  AsesService,
  MessageStatus,
  type AsesMessageEvent,
  type AsesModuleOptions,
} from '../../src/index';
import { SendmailPool } from '../../src/mailer/sendmail.pool';
import { ASES_EVENT_EMITTER, ASES_SQS_SERVICE } from '../../src/core/ases.tokens';
import type { AsesModuleExtras } from '../../src/ases.module-definition';
import { deleteKeys, sentMail, waitFor } from '../helpers/test-app';
import { testRedisOptions } from '../helpers/test-redis';
import {
  localAwsClients,
  provisionIsolatedFeedback,
  type IsolatedFeedback,
  type LocalAwsClients,
} from '../helpers/local-aws';

const REDIS_URL = 'redis://127.0.0.1:6379';
const HOST_API_KEY = 'host-ases-key-0123456789';

/** What a product back end keeps in its own configuration, ases's settings among the rest. */
interface HostSettings {
  name: string;
  supportEmail: string;
  ases: {
    apiKeys: string[];
    publicUrl: string;
    trackingSecret: string;
    redisKeyPrefix: string;
    queues: IsolatedFeedback['queues'];
  };
}

/** The host's own error shape, for every error that reaches its global filter. */
@Catch()
class HostExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({
        hostError: true,
        status,
        reason: exception instanceof Error ? exception.message : String(exception),
      });
  }
}

/** A host service on the host's default Redis connection. */
@Injectable()
class HostCache {
  constructor(@InjectRedis() readonly redis: Redis) {}

  async put(key: string, value: string): Promise<void> {
    await this.redis.set(key, value, 'EX', 60);
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }
}

/** A host service that sends mail through ases's public API. */
@Injectable()
class HostMailer {
  constructor(
    readonly ases: AsesService,
    private readonly config: ConfigService,
  ) {}

  welcome(from: string, to: string): ReturnType<AsesService['sendmail']> {
    return this.ases.sendmail({
      from,
      to,
      subject: `Welcome to ${this.config.getOrThrow<string>('host.name')}`,
      html: '<html><body><p>Welcome!</p></body></html>',
    });
  }
}

/** A host listener that needs the host's own emitter options (wildcard: true). */
@Injectable()
class HostWildcardEvents {
  readonly delivered: string[] = [];

  @OnEvent('ases.*.delivered')
  onDelivered(payload: AsesMessageEvent): void {
    this.delivered.push(payload.messageId);
  }
}

/** A host service reacting to ases's events with plain @OnEvent handlers. */
@Injectable()
class HostEvents {
  readonly seen: Array<{ name: string; payload: AsesMessageEvent }> = [];

  @OnEvent(ASES_EVENTS.statusChanged)
  onStatus(payload: AsesMessageEvent): void {
    this.seen.push({ name: ASES_EVENTS.statusChanged, payload });
  }

  @OnEvent('ases.message.bounced')
  onBounced(payload: AsesMessageEvent): void {
    this.seen.push({ name: 'ases.message.bounced', payload });
  }

  of(messageId: string): Array<{ name: string; payload: AsesMessageEvent }> {
    return this.seen.filter((entry) => entry.payload.messageId === messageId);
  }
}

@Controller('host')
class HostController {
  constructor(
    private readonly config: ConfigService,
    private readonly health: HealthCheckService,
    private readonly ases: AsesHealthIndicator,
  ) {}

  /** The host's own health endpoint, with ases's check in it under the key the host chose. */
  @Get('health')
  @HealthCheck()
  healthCheck(): Promise<HealthCheckResult> {
    return this.health.check([() => this.ases.isHealthy('mail')]);
  }

  @Get('ping')
  ping(): { pong: true; app: string } {
    return { pong: true, app: this.config.getOrThrow<string>('host.name') };
  }

  @Get('boom')
  boom(): never {
    throw new Error('host route failed');
  }
}

/** The host's settings for one app: its own values and ases's, on freshly provisioned queues. */
function hostSettings(name: string, feedback: IsolatedFeedback): HostSettings {
  return {
    name,
    supportEmail: 'support@shop.example',
    ases: {
      apiKeys: [HOST_API_KEY],
      publicUrl: 'http://shop.example/mail',
      trackingSecret: 'host-tracking-secret-0123456789abcdef',
      redisKeyPrefix: `ases-embed:${feedback.queues.sendmail}:`,
      queues: feedback.queues,
    },
  };
}

/**
 * Boots a host app the way a product back end embeds ases: its own global config, its own default
 * Redis connection, its own global exception filter and controller, and AsesModule.forRootAsync
 * reading ases's settings out of the host's config.
 */
async function bootHost(
  settings: HostSettings,
  extra: Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> & {
    routes?: AsesModuleExtras['routes'];
  } = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        load: [() => ({ host: settings })],
      }),
      RedisModule.forRoot({ type: 'single', url: REDIS_URL }),
      TerminusModule.forRoot({ logger: false }),
      AsesModule.forRootAsync({
        routes: extra.routes,
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService): AsesModuleOptions => {
          const ases = config.getOrThrow<HostSettings['ases']>('host.ases');
          return {
            apiKeys: ases.apiKeys,
            tracking: { baseUrl: ases.publicUrl, secret: ases.trackingSecret },
            redis: { ...testRedisOptions(), keyPrefix: ases.redisKeyPrefix },
            queues: ases.queues,
            // The global setup's local stack; ases reads no AWS_* variable itself.
            endpoints: { sqs: process.env.AWS_ENDPOINT_URL_SQS },
            // Short polls, so that a consumer left running would show before the test ends.
            pollWaitSeconds: 1,
          };
        },
      }),
      ...(extra.imports ?? []),
    ],
    controllers: [HostController, ...(extra.controllers ?? [])],
    providers: [
      HostCache,
      HostMailer,
      HostEvents,
      { provide: APP_FILTER, useClass: HostExceptionFilter },
      ...(extra.providers ?? []),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.init();
  return app;
}

/** The running state of every consumer of an @ssut/nestjs-sqs `SqsService`. */
function consumerStates(sqs: SqsService): Array<{ isRunning: boolean; isPolling: boolean }> {
  return [...sqs.consumers.values()].map(({ instance }) => instance.status);
}

/**
 * What is left of an app after `app.close()`: its SQS consumers (ases's sendmail pollers among
 * them) and its two Redis connections.
 */
interface Leftovers {
  sqs: SqsService[];
  pollers: SendmailPool;
  redis: { host: Redis; ases: AsesRedis };
}

/** The SQS services and the two Redis connections of an app, to look at after it closed. */
function leftoversOf(app: INestApplication, sqs: SqsService[]): Leftovers {
  return {
    sqs,
    pollers: app.get(SendmailPool, { strict: false }),
    redis: {
      host: app.get<Redis>(getRedisConnectionToken()),
      ases: app.get<AsesRedis>(getRedisConnectionToken('ases')),
    },
  };
}

/** Closes the app and waits until none of its consumers runs or polls any more. */
async function closeAndWaitForConsumers(
  app: INestApplication,
  leftovers: Leftovers,
): Promise<void> {
  const states = (): Array<{ isRunning: boolean; isPolling: boolean }> => [
    ...leftovers.sqs.flatMap(consumerStates),
    ...leftovers.pollers.pollerStates(),
  ];
  expect(leftovers.pollers.pollerStates().length).toBeGreaterThan(0);
  expect(states().every((state) => state.isRunning)).toBe(true);
  await app.close();
  await waitFor(
    () => Promise.resolve(states()),
    (states) => states.every((state) => !state.isRunning && !state.isPolling),
    { timeoutMs: 5_000, what: 'every SQS consumer to stop polling' },
  );
}

/** Waits until the app's Redis connections have closed (quit resolves before the socket ends). */
async function redisStatusesAfterClose(
  leftovers: Leftovers,
): Promise<{ host: string; ases: string }> {
  const { host, ases } = leftovers.redis;
  return waitFor(
    () => Promise.resolve({ host: host.status, ases: ases.status }),
    (statuses) => statuses.host === 'end' && statuses.ases === 'end',
    { timeoutMs: 3_000, what: 'both Redis connections to close' },
  ).catch(() => ({ host: host.status, ases: ases.status }));
}

/** Closes whatever a failed close left open, so that Jest can exit; the test has failed already. */
function disconnectLeftovers(leftovers: Leftovers | undefined): void {
  for (const connection of Object.values(leftovers?.redis ?? {})) {
    if (connection.status !== 'end') {
      connection.disconnect();
    }
  }
}

describe('ases embedded in a host app (own config, default Redis, global filter)', () => {
  let feedback: IsolatedFeedback;
  let settings: HostSettings;
  let app: INestApplication;
  let closed = false;
  let leftovers: Leftovers | undefined;
  const hostKey = `host-embed:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    feedback = await provisionIsolatedFeedback('embedding');
    settings = hostSettings('acme-shop', feedback);
    app = await bootHost(settings, { imports: [EventEmitterModule.forRoot()] });
  });

  afterAll(async () => {
    if (!closed) {
      await app?.close();
    }
    disconnectLeftovers(leftovers);
    await deleteKeys(settings.ases.redisKeyPrefix);
    await deleteKeys(hostKey);
  });

  const http = () => request(app.getHttpServer());
  const sender = (local = 'shop') => `${local}@${feedback.identityDomain}`;

  it("emits on the host's EventEmitter2, not on one of its own", () => {
    expect(app.get(ASES_EVENT_EMITTER)).toBe(app.get(EventEmitter2));
  });

  it('sends through the AsesService a host service injects, and reads the status to BOUNCED', async () => {
    const mailer = app.get(HostMailer);
    expect(mailer.ases).toBe(app.get(AsesService));
    const accepted = await mailer.welcome(sender(), 'bounce@simulator.amazonses.com');
    expect(accepted).toEqual({ id: expect.any(String), status: 'QUEUED', replayed: false });

    const record = await waitFor(
      () => mailer.ases.findStatus(accepted.id),
      (found) => found?.status === MessageStatus.BOUNCED,
      { what: `message ${accepted.id} to be BOUNCED` },
    );
    expect(record).toMatchObject({
      id: accepted.id,
      from: sender(),
      to: 'bounce@simulator.amazonses.com',
      subject: 'Welcome to acme-shop',
      sesMessageId: expect.any(String),
      bounce: { type: 'Permanent', subType: 'General', status: '5.1.1' },
    });
    await expect(mailer.ases.getStatus(accepted.id)).resolves.toEqual(record);
    const events = app.get(HostEvents).of(accepted.id);
    expect(
      events.filter((e) => e.name === ASES_EVENTS.statusChanged).map((e) => e.payload.status),
    ).toEqual(['QUEUED', 'PUSHED', 'BOUNCED']);
    expect(events.filter((e) => e.name === 'ases.message.bounced')).toEqual([
      {
        name: 'ases.message.bounced',
        payload: {
          messageId: accepted.id,
          status: 'BOUNCED',
          previousStatus: 'PUSHED',
          event: expect.objectContaining({ type: 'bounce', source: 'ses' }),
          tags: {},
          sesMessageId: record?.sesMessageId,
        },
      },
    ]);
    // Over ases's REST API too, under the host's app.
    const response = await http()
      .get(`/v1/messages/${accepted.id}`)
      .auth(HOST_API_KEY, { type: 'bearer' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(record);
  });

  it('rejects an invalid message with AsesException INVALID_MESSAGE naming the fields', async () => {
    const ases = app.get(AsesService);
    const error: unknown = await ases
      .sendmail({ from: 'not an address', to: 'jane@example.org', subject: '', html: '<p>x</p>' })
      .then(
        () => null,
        (rejection: unknown) => rejection,
      );
    expect(error).toBeInstanceOf(AsesException);
    const failure = error as AsesException;
    expect(failure.code).toBe(AsesErrorCode.INVALID_MESSAGE);
    const fields = (failure.details.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields.sort()).toEqual(['from', 'subject']);
  });

  it('answers on its REST endpoints with its own error body, not the host filter shape', async () => {
    const noKey = await http().get('/v1/messages/anything');
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: expect.any(String),
    });

    const unknown = await http()
      .get('/v1/messages/never-sent-here')
      .auth(HOST_API_KEY, { type: 'bearer' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      statusCode: 404,
      code: 'MESSAGE_NOT_FOUND',
      id: 'never-sent-here',
      status: 'UNKNOWN',
    });
    expect(unknown.body.hostError).toBeUndefined();

    const invalid = await http()
      .post('/v1/messages')
      .auth(HOST_API_KEY, { type: 'bearer' })
      .send({ from: sender(), to: 'jane@example.org', subject: '', html: '<p>x</p>' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ statusCode: 400, code: 'INVALID_MESSAGE' });
    expect(invalid.body.hostError).toBeUndefined();
  });

  it('serves the pixel and tracked links through its controller, without serveTrackingFirst', async () => {
    const browser =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
    const accepted = await app.get(AsesService).sendmail({
      from: sender(),
      to: 'success@simulator.amazonses.com',
      subject: 'tracked',
      html: '<p><a href="https://shop.example.com/deal">Deal</a></p>',
      track: { opens: true, clicks: true },
    });
    const secret = settings.ases.trackingSecret;
    const pixel = await http()
      .get(`/t/o/${signTrackingToken('o', accepted.id, secret)}.gif`)
      .set('User-Agent', browser);
    expect(pixel.status).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    const link = signLinkToken(
      { messageId: accepted.id, index: 0, url: 'https://shop.example.com/deal' },
      secret,
    );
    const click = await http().get(`/t/c/${link}`).set('User-Agent', browser).redirects(0);
    expect(click.status).toBe(302);
    expect(click.headers.location).toBe('https://shop.example.com/deal');
    // Another last character, whatever it was (a token ending in 'A' was left as it was).
    const forgedLink = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A');
    const forged = await http().get(`/t/c/${forgedLink}`).redirects(0);
    expect(forged.status).toBe(404);
    expect(forged.body).toMatchObject({ statusCode: 404, code: 'LINK_NOT_FOUND' });
    expect(forged.body.hostError).toBeUndefined();
    const record = await app.get(AsesService).getStatus(accepted.id);
    expect(record.opens).toMatchObject({ count: 1, humanCount: 1 });
    expect(record.clicks).toMatchObject({ count: 1, uniqueLinks: 1 });
  });

  it("reports ases's Redis and queues in the host's own terminus check", async () => {
    const health = await http().get('/host/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { mail: { status: 'up', redis: { status: 'up' }, queues: { status: 'up' } } },
    });
    // ases's own endpoint says the same, under its own keys.
    expect((await http().get('/health')).body).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up' }, queues: { status: 'up' } },
    });
  });

  it("leaves the host's own routes and global filter alone", async () => {
    const ping = await http().get('/host/ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({ pong: true, app: 'acme-shop' });

    const boom = await http().get('/host/boom');
    expect(boom.status).toBe(500);
    expect(boom.body).toEqual({ hostError: true, status: 500, reason: 'host route failed' });

    const missing = await http().get('/host/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ hostError: true, status: 404 });
  });

  it("leaves the host's default Redis connection its own, apart from ases's named one", async () => {
    const cache = app.get(HostCache);
    await cache.put(hostKey, 'host value');
    await expect(cache.get(hostKey)).resolves.toBe('host value');

    const hostRedis = app.get<Redis>(getRedisConnectionToken());
    const asesRedis = app.get<AsesRedis>(getRedisConnectionToken('ases'));
    expect(cache.redis).toBe(hostRedis);
    expect(asesRedis).not.toBe(hostRedis);
    expect(hostRedis.options.connectionName).not.toBe('ases');
    // On a cluster, every node's connection carries the name.
    const asesName =
      asesRedis instanceof Cluster
        ? asesRedis.options.redisOptions?.connectionName
        : asesRedis.options.connectionName;
    expect(asesName).toBe('ases');
  });

  it("leaves the host's ConfigService with the host's values only", () => {
    const config = app.get(ConfigService);
    expect(config.get('host.name')).toBe('acme-shop');
    expect(config.get('host.supportEmail')).toBe('support@shop.example');
    // The standalone service's environment namespace belongs to its AppModule, not to the library.
    expect(config.get('environment')).toBeUndefined();
  });

  // Last: closes the app.
  it('closes: ases consumers stop polling, ases and host Redis connections are closed', async () => {
    const asesSqs = app.get<SqsService>(ASES_SQS_SERVICE);
    // The three feedback queues; the sendmail queue has ases's own pollers (SendmailPool).
    expect(consumerStates(asesSqs)).toHaveLength(3);
    closed = true;
    leftovers = leftoversOf(app, [asesSqs]);
    await closeAndWaitForConsumers(app, leftovers);
    await expect(redisStatusesAfterClose(leftovers)).resolves.toEqual({ host: 'end', ases: 'end' });
  });
});

const HOST_CONSUMER = 'host-jobs';

/** The host's job queue: its producer and consumer, through the host's own SqsModule. */
@Injectable()
class HostJobs {
  readonly received: string[] = [];
  readonly errors: string[] = [];

  constructor(readonly sqs: SqsService) {}

  async enqueue(id: string, body: string): Promise<void> {
    await this.sqs.send(HOST_CONSUMER, { id, body });
  }

  @SqsMessageHandler(HOST_CONSUMER, false)
  handle(message: Message): Promise<void> {
    this.received.push(message.Body ?? '');
    return Promise.resolve();
  }

  @SqsConsumerEventHandler(HOST_CONSUMER, 'error')
  onError(error: Error): void {
    // The abort of the long poll at shutdown is expected.
    if (error.name !== 'AbortError') {
      this.errors.push(error.message);
    }
  }

  @SqsConsumerEventHandler(HOST_CONSUMER, 'processing_error')
  onProcessingError(error: Error): void {
    this.errors.push(error.message);
  }
}

describe('ases embedded in a host app that uses @ssut/nestjs-sqs itself', () => {
  let feedback: IsolatedFeedback;
  let settings: HostSettings;
  let clients: LocalAwsClients;
  let hostQueueUrl: string;
  let app: INestApplication;
  let closed = false;
  let leftovers: Leftovers | undefined;

  beforeAll(async () => {
    feedback = await provisionIsolatedFeedback('embedding-sqs');
    settings = hostSettings('acme-jobs', feedback);
    clients = localAwsClients();
    const created = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: `host-jobs-${randomBytes(3).toString('hex')}` }),
    );
    hostQueueUrl = created.QueueUrl ?? '';
    const queue = { queueUrl: hostQueueUrl, sqs: clients.sqs };
    app = await bootHost(settings, {
      imports: [
        // The host's own emitter, with options of its own: ases's events must still reach it once.
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
        SqsModule.register({
          consumers: [
            {
              name: HOST_CONSUMER,
              ...queue,
              waitTimeSeconds: 1,
              stopOptions: { abort: true },
            },
          ],
          producers: [{ name: HOST_CONSUMER, ...queue }],
        }),
      ],
      providers: [HostJobs, HostWildcardEvents],
    });
  });

  afterAll(async () => {
    if (!closed) {
      await app?.close();
    }
    disconnectLeftovers(leftovers);
    if (hostQueueUrl) {
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: hostQueueUrl }));
    }
    clients?.destroy();
    if (settings) {
      await deleteKeys(settings.ases.redisKeyPrefix);
    }
  });

  it("resolves SqsService to the host's own, not ases's", () => {
    const hostSqs = app.get(SqsService);
    // What a host provider gets when it injects SqsService by class.
    expect(app.get(HostJobs).sqs).toBe(hostSqs);
    const asesSqs = app.get<SqsService>(ASES_SQS_SERVICE);
    expect(hostSqs).not.toBe(asesSqs);
    expect([...hostSqs.producers.keys()]).toEqual([HOST_CONSUMER]);
    expect([...hostSqs.consumers.keys()]).toEqual([HOST_CONSUMER]);
    expect([...asesSqs.producers.keys()]).toEqual(['ases:sendmail']);
    expect([...asesSqs.consumers.keys()].sort()).toEqual([
      'ases:bounces',
      'ases:complaints',
      'ases:deliveries',
    ]);
  });

  it("delivers the host's queue messages to the host's handler", async () => {
    const body = JSON.stringify({ job: 'resize', id: randomBytes(4).toString('hex') });
    const jobs = app.get(HostJobs);
    await jobs.enqueue('job-1', body);
    await waitFor(
      () => Promise.resolve(jobs.received),
      (received) => received.includes(body),
      { what: "the host's handler to receive its message" },
    );
    expect(jobs.received).toEqual([body]);
    expect(jobs.errors).toEqual([]);
  });

  it('still sends mail', async () => {
    const ases = app.get(AsesService);
    const accepted = await app
      .get(HostMailer)
      .welcome(`jobs@${feedback.identityDomain}`, 'success@simulator.amazonses.com');
    const record = await waitFor(
      () => ases.findStatus(accepted.id),
      (found) => found?.status === MessageStatus.DELIVERED,
      { what: `message ${accepted.id} to be DELIVERED` },
    );
    expect(record?.sesMessageId).toEqual(expect.any(String));
    expect(record?.subject).toBe('Welcome to acme-jobs');
    // Each status once, although host and ases each have an emitter.
    const statuses = app
      .get(HostEvents)
      .of(accepted.id)
      .map((entry) => entry.payload.status);
    expect(statuses).toEqual(['QUEUED', 'PUSHED', 'DELIVERED']);
    // Only an emit on the host's wildcard emitter reaches a wildcard listener.
    expect(app.get(ASES_EVENT_EMITTER)).toBe(app.get(EventEmitter2));
    const delivered = app.get(HostWildcardEvents).delivered.filter((id) => id === accepted.id);
    expect(delivered).toEqual([accepted.id]);
  });

  // Last: closes the app.
  it("closes: the host's and ases's consumers stop polling, both Redis connections are closed", async () => {
    closed = true;
    leftovers = leftoversOf(app, [app.get(SqsService), app.get<SqsService>(ASES_SQS_SERVICE)]);
    await closeAndWaitForConsumers(app, leftovers);
    await expect(redisStatusesAfterClose(leftovers)).resolves.toEqual({ host: 'end', ases: 'end' });
  });
});

/** The host's own `/health`, where ases's would have collided without a route prefix. */
@Controller('health')
class HostRootHealthController {
  @Get()
  health(): { host: 'ok' } {
    return { host: 'ok' };
  }
}

describe('ases embedded under a route prefix, some routes left out, without a host emitter', () => {
  let feedback: IsolatedFeedback;
  let settings: HostSettings;
  let app: INestApplication;

  beforeAll(async () => {
    feedback = await provisionIsolatedFeedback('embedding-routes');
    settings = hostSettings('acme-routes', feedback);
    app = await bootHost(settings, {
      controllers: [HostRootHealthController],
      routes: { prefix: '/ases/', health: false, dashboard: false },
    });
  });

  afterAll(async () => {
    await app?.close();
    if (settings) {
      await deleteKeys(settings.ases.redisKeyPrefix);
    }
  });

  const http = () => request(app.getHttpServer());

  it("leaves the host's /health to the host and mounts ases's routes under the prefix", async () => {
    expect((await http().get('/health')).body).toEqual({ host: 'ok' });
    const missing = await http()
      .get('/ases/v1/messages/nope')
      .auth(HOST_API_KEY, { type: 'bearer' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    // Not at the root any more: the host's filter answers for an unknown route.
    const root = await http().get('/v1/messages/nope').auth(HOST_API_KEY, { type: 'bearer' });
    expect(root.status).toBe(404);
    expect(root.body.code).toBeUndefined();
  });

  it.each(['/ases/health', '/ases/dashboard'])(
    'leaves out a switched-off route: %s',
    async (path) => {
      const response = await http().get(path).auth(HOST_API_KEY, { type: 'bearer' });
      expect(response.status).toBe(404);
      expect(response.body.code).toBeUndefined();
    },
  );

  it('emits on an emitter of its own, so its own listeners still count, and links carry the prefix', async () => {
    expect(() => app.get(EventEmitter2)).toThrow();
    expect(app.get(ASES_EVENT_EMITTER)).toBeInstanceOf(EventEmitter2);
    const ases = app.get(AsesService);
    const subject = `prefixed ${randomBytes(4).toString('hex')}`;
    const since = new Date(Date.now() - 60_000).toISOString();
    const accepted = await ases.sendmail({
      from: `routes@${feedback.identityDomain}`,
      to: 'success@simulator.amazonses.com',
      subject,
      html: '<p>Hello</p>',
      category: 'routes-test',
      track: { opens: true },
    });
    await waitFor(
      () => ases.findStatus(accepted.id),
      (found) => found?.status === MessageStatus.DELIVERED,
      { what: `message ${accepted.id} to be DELIVERED` },
    );
    // The time series is written by ases's own listener of the delivered event.
    const stats = await waitFor(
      () => ases.stats({ since, category: 'routes-test' }),
      (found) => found.totals.delivered >= 1,
      { what: 'the delivery to be counted in the time series' },
    );
    expect(stats.totals).toMatchObject({ sent: 1, delivered: 1 });
    const mail = (await sentMail()).find((stored) => stored.subject === subject);
    const pixel = /src="(http:\/\/shop\.example\/mail\/ases\/t\/o\/[^"]+)"/.exec(
      mail?.body.html ?? '',
    );
    expect(pixel).not.toBeNull();
    const path = new URL(pixel![1]).pathname.replace(/^\/mail/, '');
    const served = await http().get(path);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/gif');
  });
});

describe('ases embedded with routes: false', () => {
  let feedback: IsolatedFeedback;
  let settings: HostSettings;
  let app: INestApplication;

  beforeAll(async () => {
    feedback = await provisionIsolatedFeedback('embedding-noroutes');
    settings = hostSettings('acme-noroutes', feedback);
    app = await bootHost(settings, { routes: false });
  });

  afterAll(async () => {
    await app?.close();
    if (settings) {
      await deleteKeys(settings.ases.redisKeyPrefix);
    }
  });

  it('mounts no route of its own, and still sends', async () => {
    for (const path of ['/health', '/v1/messages/nope', '/dashboard', '/metrics']) {
      const response = await request(app.getHttpServer())
        .get(path)
        .auth(HOST_API_KEY, { type: 'bearer' });
      expect({ path, status: response.status, code: response.body.code }).toEqual({
        path,
        status: 404,
        code: undefined,
      });
    }
    const ases = app.get(AsesService);
    const accepted = await ases.sendmail({
      from: `noroutes@${feedback.identityDomain}`,
      to: 'success@simulator.amazonses.com',
      subject: 'no routes',
      text: 'Hello',
    });
    const record = await waitFor(
      () => ases.findStatus(accepted.id),
      (found) => found?.status === MessageStatus.DELIVERED,
      { what: `message ${accepted.id} to be DELIVERED` },
    );
    expect(record?.status).toBe(MessageStatus.DELIVERED);
  });
});
