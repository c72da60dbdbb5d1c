import { AsesErrorCode, AsesException } from './ases.exception';

/** The STORE_UNAVAILABLE error of a Redis failure, naming what did not answer. */
export function storeUnavailable(what: string, error: unknown): AsesException {
  const reason = error instanceof Error ? error.message : String(error);
  return new AsesException(
    AsesErrorCode.STORE_UNAVAILABLE,
    `${what} (Redis) did not answer: ${reason}`,
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
