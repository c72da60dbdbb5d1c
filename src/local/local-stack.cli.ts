#!/usr/bin/env node
import { errorMessage } from './local-logger';
import { startLocalStack } from './local-stack';
import { localStackBanner } from './local-stack.banner';
import { readLocalStackConfig, type LocalStackCliConfig } from './local-stack.config';

async function main(): Promise<void> {
  let config: LocalStackCliConfig;
  try {
    config = readLocalStackConfig(process.env);
  } catch (error) {
    console.error(`local stack: ${errorMessage(error)}`);
    process.exitCode = 1;
    return;
  }
  const stack = await startLocalStack({ ...config, logger: console });
  console.log(localStackBanner(stack));
  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(`local stack: ${signal}, stopping`);
    stack.stop().then(
      () => console.log('local stack: stopped'),
      (error: unknown) => {
        console.error(`local stack: stopping failed: ${errorMessage(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`local stack: failed to start: ${errorMessage(error)}`);
  process.exitCode = 1;
});
