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
    ...stack.env,
    [LOCAL_STACK_ENV]: JSON.stringify({ queueUrls: stack.queueUrls, topicArns: stack.topicArns }),
  });
}
