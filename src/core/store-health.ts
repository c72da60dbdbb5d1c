import { Injectable } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import type { AsesRedis } from './ases-redis';
import { InjectAsesRedis } from './ases.tokens';
import { STORE_COMMAND_TIMEOUT_MS } from './redis-connection';

/** How long a health check waits for Redis before it reports it down: as long as one command. */
const STORE_TIMEOUT_MS = STORE_COMMAND_TIMEOUT_MS;

/** What the health check saw of Redis. */
export interface StoreHealthDetail {
  /** One server (`redis.url`) or a Redis Cluster (`redis.cluster.nodes`). */
  mode: 'single' | 'cluster';
  /** `ok` (a cluster's `cluster_state`). */
  state: 'ok';
  /** Servers that answered PING: 1, or every master of the cluster. */
  nodes: number;
}

/** Thrown by {@link StoreHealth.check}: why Redis is not usable, and in which mode. */
export class StoreHealthError extends Error {
  constructor(
    message: string,
    readonly mode: StoreHealthDetail['mode'],
  ) {
    super(message);
    this.name = 'StoreHealthError';
  }
}

/** Whether ases's Redis (one server or a Redis Cluster) answers, for `GET /health`. */
@Injectable()
export class StoreHealth {
  constructor(@InjectAsesRedis() private readonly redis: AsesRedis) {}

  /**
   * One server: PING. A cluster: `CLUSTER INFO` says `cluster_state:ok` and every master answers
   * PING. Throws a {@link StoreHealthError} naming what failed, or that nothing answered in 3 s.
   */
  async check(): Promise<StoreHealthDetail> {
    const redis = this.redis;
    const mode = redis instanceof Cluster ? 'cluster' : 'single';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)),
        STORE_TIMEOUT_MS,
      );
      timer.unref();
    });
    try {
      return await Promise.race([
        redis instanceof Cluster ? checkCluster(redis) : checkServer(redis),
        timeout,
      ]);
    } catch (error) {
      throw new StoreHealthError(error instanceof Error ? error.message : String(error), mode);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function checkServer(redis: Redis): Promise<StoreHealthDetail> {
  await redis.ping();
  return { mode: 'single', state: 'ok', nodes: 1 };
}

async function checkCluster(cluster: Cluster): Promise<StoreHealthDetail> {
  // Also connects a lazy client; only then does it know the masters.
  const info = String(await cluster.cluster('INFO'));
  const state = /^cluster_state:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  if (state !== 'ok') {
    throw new Error(`cluster_state is ${state}, not ok`);
  }
  const masters = cluster.nodes('master');
  if (masters.length === 0) {
    throw new Error('the cluster client knows no master');
  }
  const failed: string[] = [];
  await Promise.all(
    masters.map((node) =>
      node.ping().catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        failed.push(`${node.options.host}:${node.options.port} (${reason})`);
      }),
    ),
  );
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${masters.length} masters did not answer PING: ${failed.sort().join(', ')}`,
    );
  }
  return { mode: 'cluster', state: 'ok', nodes: masters.length };
}
