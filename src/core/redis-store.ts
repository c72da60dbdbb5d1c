import { AsesErrorCode, AsesException } from './ases.exception';
import { STORE_COMMAND_TIMEOUT_MS } from './redis-connection';

const storeErrorListeners = new Set<(what: string) => void>();

/**
 * Calls `listener` with the store's name (`what`) on every Redis failure reported through
 * {@link storeUnavailable}, so they can be counted; returns the call that stops it. Process-wide:
 * two ases modules in one process would each see the other's failures too.
 */
export function onStoreError(listener: (what: string) => void): () => void {
  storeErrorListeners.add(listener);
  return () => {
    storeErrorListeners.delete(listener);
  };
}

/** The STORE_UNAVAILABLE error of a Redis failure, naming what did not answer. */
export function storeUnavailable(what: string, error: unknown): AsesException {
  for (const listener of storeErrorListeners) {
    listener(what);
  }
  return new AsesException(
    AsesErrorCode.STORE_UNAVAILABLE,
    `${what} (Redis) did not answer: ${describeStoreError(error)}`,
  );
}

/**
 * Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE (an AsesException passes as it is),
 * so services and controllers never see ioredis errors. `what` names the data, e.g. "the status store".
 */
export async function inStore<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof AsesException ? error : storeUnavailable(what, error);
  }
}

/** A short reason for an ioredis failure, without its internals. */
export function describeStoreError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH/.test(message)) {
    return `not reachable (${message})`;
  }
  if (/enableOfflineQueue|Connection is closed|isn't ready/.test(message)) {
    return 'not connected';
  }
  if (/timed out/i.test(message)) {
    return `no answer within ${STORE_COMMAND_TIMEOUT_MS} ms`;
  }
  return message;
}
