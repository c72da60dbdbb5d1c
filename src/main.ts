import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import { Environment, EnvironmentError, validateEnvironment } from './config/environment';
import { configureHttp } from './http-setup';
import { createServiceLogger } from './logging/service-logger';

interface RunningLocalStack {
  viewerUrl: string;
  stop(): Promise<void>;
}

function queueName(queue: string): string {
  return queue.split('/').pop() ?? queue;
}

/**
 * Starts the emulators and points the AWS SDK at them through its standard variables, unless
 * those are set already: an endpoint the user gives wins, so any part can be swapped.
 */
async function startLocalAws(env: Environment, logger: Pino): Promise<RunningLocalStack> {
  // Loaded only here, so nothing of the local stack is required when LOCAL_STACK=false.
  const { startLocalStack } = await import('./local/local-stack');
  const stack = await startLocalStack({
    region: env.AWS_REGION ?? 'us-east-1',
    sqsPort: env.LOCAL_SQS_PORT,
    sesPort: env.LOCAL_SES_PORT,
    queues: {
      sendmail: queueName(env.SES_SENDMAIL_QUEUE),
      bounces: queueName(env.SES_BOUNCES_QUEUE),
      complaints: queueName(env.SES_COMPLAINTS_QUEUE),
      deliveries: queueName(env.SES_DELIVERIES_QUEUE),
    },
    eventsQueue: env.SES_EVENTS_QUEUE === undefined ? undefined : queueName(env.SES_EVENTS_QUEUE),
    s3Bucket: env.S3_BUCKET,
    logger: { log: (text) => logger.info(text), warn: (text) => logger.warn(text) },
  });
  process.env.AWS_ENDPOINT_URL_SQS ??= stack.sqsEndpoint;
  process.env.AWS_ENDPOINT_URL_SNS ??= stack.snsEndpoint;
  process.env.AWS_ENDPOINT_URL_SES ??= stack.sesEndpoint;
  // Read back through the environment (AWS_ENDPOINT_URL_S3 → endpoints.s3, path-style).
  process.env.AWS_ENDPOINT_URL_S3 ??= stack.s3Endpoint;
  process.env.AWS_REGION ??= stack.region;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  return stack;
}

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) {
    process.loadEnvFile('.env');
  }
  let env: Environment;
  try {
    env = validateEnvironment(process.env);
  } catch (error) {
    if (error instanceof EnvironmentError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('ases');
  // The app's logger is made with the app; the local stack starts before it, in the same format.
  const local = env.LOCAL_STACK
    ? await startLocalAws(env, createServiceLogger(env).child({ context: 'ases' }))
    : undefined;

  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // Held until the app's pino logger (LOG_FORMAT, LOG_LEVEL) takes over, then written through it.
    bufferLogs: true,
    // configureHttp's request gate reads every body; Express's parsers would have nothing to do.
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  configureHttp(app, { trustProxyHops: env.TRUST_PROXY_HOPS, docs: env.DOCS_ENABLED });
  await app.listen(env.PORT);

  const base = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  logger.log(`API        ${base}/v1/messages (Authorization: Bearer <API key>)`);
  if (env.DOCS_ENABLED) {
    logger.log(`OpenAPI    ${base}/docs`);
  }
  logger.log(`Dashboard  ${base}/dashboard (sign in with an API key)`);
  logger.log(`Health     ${base}/health`);
  if (env.METRICS_PORT === undefined) {
    logger.log(`Metrics    ${base}/metrics (Authorization: Bearer <API key>)`);
  }
  if (local) {
    logger.log(`Local SES mail viewer ${local.viewerUrl}`);
  }

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      return;
    }
    closing = true;
    logger.log(`${signal}: stopping (in-flight sends finish first)`);
    void (async () => {
      await app.close();
      await local?.stop();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  console.error(`ases could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
