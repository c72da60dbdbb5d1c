import { createRedisConnection, getRedisConnectionToken } from '@nestjs-modules/ioredis';
import type { FactoryProvider } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import type { ResolvedAsesOptions } from './ases-options';
import type { AsesRedis } from './ases-redis';
import { ASES_OPTIONS, ASES_REDIS_CONNECTION } from './ases.tokens';

/** The token `InjectAsesRedis()` resolves: ases's own named connection, never the host's default. */
export const ASES_REDIS = getRedisConnectionToken(ASES_REDIS_CONNECTION);

/**
 * Longest wait for one Redis command: a hung server (paused, or busy with a long script) fails the
 * command, so an API request answers 503 within 2 s instead of hanging (the bound).
 */
export const STORE_COMMAND_TIMEOUT_MS = 1500;

/** Settings of every connection ases opens, to one server or to each node of a cluster. */
const CONNECTION_OPTIONS = {
  // Fail a command after a few reconnect attempts rather than hold a request for long; once the
  // connection has been ready, StoreMonitor turns the offline queue off so it fails at once.
  maxRetriesPerRequest: 3,
  commandTimeout: STORE_COMMAND_TIMEOUT_MS,
  connectionName: 'ases',
} satisfies RedisOptions;

/**
 * ases's Redis connection: an ioredis `Cluster` when `redis.cluster` is given, one `Redis`
 * otherwise. It connects on first use: a start-up that fails on a queue then leaves no socket open.
 */
export function createAsesRedis(options: ResolvedAsesOptions): AsesRedis {
  const { url, cluster } = options.redis;
  if (cluster !== undefined) {
    return createRedisConnection({
      type: 'cluster',
      nodes: cluster.nodes,
      options: {
        lazyConnect: true,
        // No auto-pipelining, as for one server (see below); ioredis's default, said explicitly.
        enableAutoPipelining: false,
        redisOptions: CONNECTION_OPTIONS,
      },
    });
  }
  return createRedisConnection({
    type: 'single',
    url,
    options: {
      ...CONNECTION_OPTIONS,
      lazyConnect: true,
      // No auto-pipelining: at thousands of pixel loads a second it made the young generation
      // keep (and promote) about half of what it allocated, 5-10 ms scavenges and a full
      // collection a second; without it the pixel answers 1.5x as many requests, and the
      // sender at 500/s was no slower (docs/decisions.md).
      enableAutoPipelining: false,
    },
  });
}

/**
 * The provider of ases's connection. Not through `RedisModule.forRootAsync`: its RedisCoreModule
 * keeps the connection tokens of every `forRoot` in one static set, and the first instance to shut
 * down quits only its own and clears the set, so the host's `RedisModule.forRoot` connection would
 * never be closed.
 */
export const asesRedisProvider: FactoryProvider<AsesRedis> = {
  provide: ASES_REDIS,
  useFactory: createAsesRedis,
  inject: [ASES_OPTIONS],
};
