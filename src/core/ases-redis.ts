import type { Cluster, Redis } from 'ioredis';

/** ases's Redis connection: one server (`redis.url`), or a Redis Cluster (`redis.cluster.nodes`). */
export type AsesRedis = Redis | Cluster;
