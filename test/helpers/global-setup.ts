import { startLocalStack, type LocalStack } from '../../src/local/local-stack';
import { readLocalStackConfig } from '../../src/local/local-stack.config';
import { LOCAL_STACK_ENV } from './local-aws';

/** Where the stack waits for the global teardown (both run in Jest's main process). */
const holder = globalThis as typeof globalThis & { __asesLocalStack?: LocalStack };

/**
 * Starts one local AWS stack (free ports) in Jest's main process for every e2e worker, and puts
 * the standard AWS SDK settings in the environment the workers inherit.
 */
export default async function globalSetup(): Promise<void> {
  const stack = await startLocalStack({
    // The service's own reading of AWS_REGION and the queue names; free ports, not 4566/8005.
    ...readLocalStackConfig(process.env),
    sqsPort: 0,
    sesPort: 0,
    logger: { log: () => undefined, warn: (message) => console.warn(message) },
  });
  holder.__asesLocalStack = stack;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: stack.snsEndpoint,
    AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    S3_BUCKET: stack.s3Bucket,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    [LOCAL_STACK_ENV]: JSON.stringify({ queueUrls: stack.queueUrls, topicArns: stack.topicArns }),
  });
}
