import { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { AsesModuleOptions, AsesRedisNode } from '../../src/core/ases-options';
import type { AsesRedis } from '../../src/core/ases-redis';
import { parseRedisNode } from '../../src/core/resolve-options';
import { recordLocation } from '../../src/status/record-location';

/** Which Redis the tests run against: `cluster` when ASES_TEST_REDIS=cluster (the e2e-cluster project), else one server. */
export const TEST_REDIS_MODE: 'single' | 'cluster' =
  process.env.ASES_TEST_REDIS === 'cluster' ? 'cluster' : 'single';

/** The test server: REDIS_URL, default `redis://127.0.0.1:6379`. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The test cluster: REDIS_CLUSTER_NODES, default the three masters of scripts/ensure-redis-cluster.sh. */
export const TEST_CLUSTER_NODES: AsesRedisNode[] = (
  process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002'
)
  .split(',')
  .filter((node) => node.trim() !== '')
  .map((node) => {
    const parsed = parseRedisNode(node);
    if (parsed === null) {
      throw new Error(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
    }
    return parsed;
  });

/** The `redis` part of AsesModule options for the test mode (add a `keyPrefix` of the test's own). */
export function testRedisOptions(): NonNullable<AsesModuleOptions['redis']> {
  return TEST_REDIS_MODE === 'cluster'
    ? { cluster: { nodes: TEST_CLUSTER_NODES.map((node) => ({ ...node })) } }
    : { url: TEST_REDIS_URL };
}

/**
 * The variables that point a spawned service (`node dist/main`, `src/main.ts`) at the test mode's
 * Redis: REDIS_CLUSTER_NODES in cluster mode, REDIS_URL otherwise.
 */
export function testRedisEnv(): Record<string, string> {
  return TEST_REDIS_MODE === 'cluster'
    ? {
        REDIS_CLUSTER_NODES: TEST_CLUSTER_NODES.map(({ host, port }) => `${host}:${port}`).join(
          ',',
        ),
      }
    : { REDIS_URL: TEST_REDIS_URL };
}

/** A plain ioredis client (a `Redis`, or a `Cluster` in cluster mode) for a test to look at keys; disconnect it after. */
export function createTestRedis(): AsesRedis {
  return TEST_REDIS_MODE === 'cluster'
    ? new Cluster(TEST_CLUSTER_NODES.map((node) => ({ ...node })))
    : new Redis(TEST_REDIS_URL);
}

/** The two kinds of Redis the repository specs run their scripts against: one server, the cluster. */
export const REDIS_TARGETS: ReadonlyArray<[string, () => AsesRedis]> = [
  ['a single Redis', () => new Redis(TEST_REDIS_URL)],
  ['a Redis Cluster', () => new Cluster(TEST_CLUSTER_NODES.map((node) => ({ ...node })))],
];

/**
 * The Redis of a repository spec's describe block: connected once for the block, and for each test
 * a fresh key prefix, handed to `onEach` before the test, whose keys are removed after it.
 */
export function useSpecRedis(
  connect: () => AsesRedis,
  onEach: (redis: AsesRedis, prefix: string) => void,
): void {
  let redis: AsesRedis;
  let prefix = '';
  beforeAll(async () => {
    redis = connect();
    await redis.ping();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `ases-spec:${randomUUID()}:`;
    onEach(redis, prefix);
  });
  afterEach(async () => {
    // One DEL per key: a cluster refuses a DEL of keys in several slots.
    await Promise.all((await keysWithPrefix(redis, prefix)).map((key) => redis.del(key)));
  });
}

/** The hash slot of `key`, as the test cluster computes it (CLUSTER KEYSLOT). */
export async function slotOf(key: string): Promise<number> {
  const node = new Redis({ ...TEST_CLUSTER_NODES[0] });
  try {
    return await node.cluster('KEYSLOT', key);
  } finally {
    node.disconnect();
  }
}

/** The servers that hold keys: the one server, or every master of the cluster (connected first). */
async function keyHolders(redis: AsesRedis): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) {
    return [redis];
  }
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: unknown): void => {
        redis.off('ready', onReady);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onReady = (): void => {
        redis.off('error', onError);
        resolve();
      };
      redis.once('ready', onReady).once('error', onError);
      if (redis.status === 'wait') {
        redis.connect().catch(onError);
      }
    });
  }
  return redis.nodes('master');
}

/** Every key that starts with `prefix`, from the one server or from every master of the cluster. */
export async function keysWithPrefix(redis: AsesRedis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of await keyHolders(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(
        cursor,
        'MATCH',
        `${escapeGlob(prefix)}*`,
        'COUNT',
        500,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Removes every key that starts with `prefix`, on the test mode's Redis (each master of a cluster). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const redis = createTestRedis();
  try {
    // One DEL per key: a DEL of keys in different slots is CROSSSLOT on a cluster.
    await Promise.all((await keysWithPrefix(redis, prefix)).map((key) => redis.del(key)));
  } finally {
    redis.disconnect();
  }
}

/** A prefix as a literal SCAN MATCH pattern. */
function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * The packed record of message `id` as it is stored (src/status/record-codec.ts): the string key
 * of a caller-given id, or its field in a time bucket hash. Null when there is none.
 */
export async function storedRecord(prefix: string, id: string): Promise<string | null> {
  const redis = createTestRedis();
  try {
    const { key, field } = recordLocation(prefix, id);
    return await (field === '' ? redis.get(key) : redis.hget(key, field));
  } finally {
    redis.disconnect();
  }
}
