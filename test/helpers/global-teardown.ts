import type { LocalStack } from '../../src/local/local-stack';

const holder = globalThis as typeof globalThis & { __asesLocalStack?: LocalStack };

/** Stops the local AWS stack the global setup started. */
export default async function globalTeardown(): Promise<void> {
  const stack = holder.__asesLocalStack;
  holder.__asesLocalStack = undefined;
  await stack?.stop();
}
