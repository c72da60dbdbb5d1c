import { DEFAULT_QUEUES, LOCAL_S3_BUCKET } from '../core/ases-options';
import { S3_BUCKET_RULE, s3BucketNameProblem } from '../core/resolve-options';
import type { SesFeedbackQueues } from './aws-provisioner';
import type { LocalStack, LocalStackOptions } from './local-stack';

/** What `npm run local-stack` starts, read from the environment. */
export type LocalStackCliConfig = Pick<
  LocalStackOptions,
  'region' | 'sqsPort' | 'sesPort' | 'eventsQueue'
> & {
  queues: SesFeedbackQueues;
  s3Bucket: string;
};

/**
 * Reads the local stack settings: `AWS_REGION` (default us-east-1), `LOCAL_SQS_PORT` (4566),
 * `LOCAL_SES_PORT` (8005) and the queue names `SES_SENDMAIL_QUEUE` (ases-sendmail),
 * `SES_BOUNCES_QUEUE` (ases-bounces), `SES_COMPLAINTS_QUEUE` (ases-complaints),
 * `SES_DELIVERIES_QUEUE` (ases-deliveries), the optional `SES_EVENTS_QUEUE`, and the claim-check
 * bucket `S3_BUCKET` (ases-local). Throws, naming the variable, on a bad port or bucket name.
 */
export function readLocalStackConfig(env: NodeJS.ProcessEnv): LocalStackCliConfig {
  const text = (name: string, fallback: string): string => env[name]?.trim() || fallback;
  return {
    region: text('AWS_REGION', 'us-east-1'),
    sqsPort: readPort(env, 'LOCAL_SQS_PORT', 4566),
    sesPort: readPort(env, 'LOCAL_SES_PORT', 8005),
    queues: {
      sendmail: text('SES_SENDMAIL_QUEUE', DEFAULT_QUEUES.sendmail),
      bounces: text('SES_BOUNCES_QUEUE', DEFAULT_QUEUES.bounces),
      complaints: text('SES_COMPLAINTS_QUEUE', DEFAULT_QUEUES.complaints),
      deliveries: text('SES_DELIVERIES_QUEUE', DEFAULT_QUEUES.deliveries),
    },
    ...(env.SES_EVENTS_QUEUE?.trim() ? { eventsQueue: env.SES_EVENTS_QUEUE.trim() } : {}),
    s3Bucket: readBucket(env),
  };
}

function readBucket(env: NodeJS.ProcessEnv): string {
  const bucket = env.S3_BUCKET?.trim() || LOCAL_S3_BUCKET;
  const problem = s3BucketNameProblem(bucket);
  if (problem !== null) {
    throw new Error(`S3_BUCKET must be ${S3_BUCKET_RULE}, got "${bucket}": ${problem}`);
  }
  return bucket;
}

/** A TCP port from the environment: an integer from 0 (any free port) to 65535. */
export function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) {
    return fallback;
  }
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

/** Bearer key the printed service line sets (LOCAL_STACK=false wants at least 16 characters). */
export const SHARED_STACK_API_KEY = 'local-dev-key-shared';
/** Tracking secret the printed service line sets; every process of one stack must share it. */
export const SHARED_STACK_TRACKING_SECRET = 'local-tracking-secret-shared-stack';

/** The credentials the local stack accepts (any would do; these are what it prints). */
export const LOCAL_STACK_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** What of a running stack a process needs to reach it. */
export type LocalStackAddress = Pick<
  LocalStack,
  'region' | 'sqsEndpoint' | 'snsEndpoint' | 'sesEndpoint' | 's3Endpoint' | 's3Bucket'
>;

/**
 * The environment a process (the ases service, a host, the AWS CLI) needs to use a running local
 * stack: the SDK's standard endpoint, region and credential variables, and the claim-check bucket.
 */
export function localStackEnv(stack: LocalStackAddress): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: stack.snsEndpoint,
    AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    S3_BUCKET: stack.s3Bucket,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: LOCAL_STACK_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_STACK_CREDENTIALS.secretAccessKey,
  };
}

/** The environment the ases service needs to use a running local stack, as one shell line. */
export function serviceEnvLine(stack: LocalStackAddress): string {
  return [
    'LOCAL_STACK=false',
    ...Object.entries(localStackEnv(stack)).map(([name, value]) => `${name}=${value}`),
    // LOCAL_STACK=false asks for production-grade keys; these are for local use only.
    `API_KEYS=${SHARED_STACK_API_KEY}`,
    `TRACKING_SECRET=${SHARED_STACK_TRACKING_SECRET}`,
  ].join(' ');
}
