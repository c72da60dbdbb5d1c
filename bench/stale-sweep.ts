// One sweep of a minute of 6 000 messages (N), on one Redis and on the test cluster: the time it
// takes and the Redis time it costs. Run: npx ts-node --transpile-only bench/stale-sweep.ts

import { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { ResolvedAsesOptions } from '../src/core/ases-options';
import type { AsesRedis } from '../src/core/ases-redis';
import { newMessageId } from '../src/status/message-id';
import { MessageStatus } from '../src/status/message-status';
import type { StaleAllowance } from '../src/status/stale-allowance';
import { StaleSweeper } from '../src/status/stale.sweeper';
import { StatusRepository } from '../src/status/status.repository';
import { StatusService } from '../src/status/status.service';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const N = Number(process.env.N ?? 6000);
const iso = (ms: number) => new Date(ms).toISOString();

async function usec(redis: AsesRedis): Promise<number> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let total = 0;
  for (const node of nodes) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/usec=(\d+)/g)) total += Number(m[1]);
  }
  return total;
}

async function run(label: string, redis: AsesRedis) {
  const prefix = `ases-bench-stale:${randomUUID()}:`;
  const options = {
    redis: { keyPrefix: prefix },
    statusTtlSeconds: 14 * 86400,
    statusDetail: 'full',
    staleAfterMs: 24 * HOUR,
    staleQueuedMs: HOUR,
  } as ResolvedAsesOptions;
  const repository = new StatusRepository(redis, options);
  const service = new StatusService(repository);
  const allowance = {
    queued: () => Promise.resolve({ ok: true, ms: HOUR, backlog: 0, ratePerSecond: 100 }),
  };
  const sweeper = new StaleSweeper(
    repository,
    service,
    allowance as unknown as StaleAllowance,
    options,
  );
  const now = Date.now();
  // One queue minute 2 h ago and one push minute 25 h ago, N messages each (100/s).
  const qMinute = Math.floor((now - 2 * HOUR) / MINUTE);
  const pMinute = Math.floor((now - 25 * HOUR) / MINUTE);
  const make = async (minute: number, push: boolean, staleShare: number) => {
    const ids: string[] = [];
    const batch = 200;
    for (let i = 0; i < N; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, N - i) }, async (_, k) => {
          const j = i + k;
          const at = minute * MINUTE + Math.floor((j * MINUTE) / N);
          const id = newMessageId(at - (push ? 30_000 : 0));
          await repository.create({
            id,
            from: 'Shop News <news@shop.example.com>',
            to: `customer${j}@customer-mail.example`,
            subject: 'Your order 1234 has shipped: track it here, and see what else is new',
            tags: { campaign: 'shipping', variant: 'b' },
            track: { opens: true, clicks: true },
            queuedAt: iso(at - (push ? 30_000 : 0)),
            fingerprint: 'fp',
          });
          const moveOn = j >= N * staleShare;
          if (push || moveOn) {
            const pAt = push ? at : at + 1000;
            await repository.markPushed(
              id,
              `0100${pAt.toString(16).padStart(12, '0')}-${randomUUID()}-000000`,
              iso(pAt),
            );
            if (push && moveOn) {
              await repository.apply(id, {
                status: MessageStatus.DELIVERED,
                change: { deliveredAt: iso(pAt + 2000) },
                event: {
                  type: 'delivery',
                  at: iso(pAt + 2000),
                  recipient: `customer${j}@customer-mail.example`,
                  detail: '250 ok',
                  source: 'ses',
                },
              });
            }
          }
          ids.push(id);
        }),
      );
    }
    return ids;
  };
  const measure = async (what: string, setup: () => Promise<void>, at: number) => {
    await setup();
    const before = await usec(redis);
    const t0 = performance.now();
    const summary = await sweeper.sweep(at);
    const ms = performance.now() - t0;
    const server = ((await usec(redis)) - before) / 1000;
    console.log(
      `${label}: ${what}: ${ms.toFixed(0)} ms (Redis CPU ${server.toFixed(1)} ms), found ${JSON.stringify(summary.found)}, minutes ${JSON.stringify(summary.minutes)}`,
    );
  };
  // Cursors such that only our minute is due (and the other kind has nothing to do).
  const queuedIds = await make(qMinute, false, 0.01);
  await repository.noteQueued(new Map([[qMinute, queuedIds]]));
  await repository.saveSweepCursor('pushed', Math.floor((now - 24 * HOUR) / MINUTE)); // nothing due
  const onlyQ = (qMinute + 1) * MINUTE + HOUR + 1;
  await repository.saveSweepCursor('pushed', Math.floor((onlyQ - 24 * HOUR) / MINUTE));
  await measure(
    `queued minute, ${N} noted, 1% still QUEUED`,
    () => repository.saveSweepCursor('queued', qMinute - 1),
    onlyQ,
  );
  // Only the push minute now.
  await make(pMinute, true, 0.01);
  const onlyP = (pMinute + 1) * MINUTE + 24 * HOUR + 1;
  await measure(
    `push minute, ${N} pushed, 1% with no outcome`,
    async () => {
      await repository.saveSweepCursor('queued', Math.floor((onlyP - HOUR) / MINUTE));
      await repository.saveSweepCursor('pushed', pMinute - 1);
    },
    onlyP,
  );
  // All of it stale (Delivery notifications not set up): the same minute again, listing empty.
  await redis.del(`${prefix}stale:pushed`);
  const pMinute2 = pMinute + 1;
  await make(pMinute2, true, 1);
  const onlyP2 = onlyP + MINUTE;
  await measure(
    `push minute, ${N} pushed, all with no outcome`,
    async () => {
      await repository.saveSweepCursor('queued', Math.floor((onlyP2 - HOUR) / MINUTE));
      await repository.saveSweepCursor('pushed', pMinute2 - 1);
    },
    onlyP2,
  );
  // Nothing due: lock, cursors, trim, and the check of 1000 listed entries of each reason.
  await measure(
    'nothing due (lock, cursors, trim, check of 1000 + 60 listed)',
    () => Promise.resolve(),
    onlyP2,
  );
  // cleanup
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) await redis.del(key);
    } while (cursor !== '0');
  }
}

async function main() {
  const single = new Redis('redis://127.0.0.1:6379');
  await run('single Redis', single);
  single.disconnect();
  const cluster = new Cluster([
    { host: '127.0.0.1', port: 7000 },
    { host: '127.0.0.1', port: 7001 },
    { host: '127.0.0.1', port: 7002 },
  ]);
  await cluster.ping();
  await run('Redis Cluster', cluster);
  cluster.disconnect();
}
void main();
