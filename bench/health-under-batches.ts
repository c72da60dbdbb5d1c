/**
 * `/health` latency while big batches are accepted: the service (one process, SEND_POLLERS=0, an
 * API instance) on a local AWS stack of its own (another process, as SQS is in production), then
 * `CONCURRENT` batches of 500 messages of ~19.5 KB HTML each posted at once, `ROUNDS` times, while
 * `/health` is called back to back. Prints p50/p99/max of `/health` idle and under load, the
 * batches' times and the service's peak RSS. Not part of `npm test` (no timed assertions there).
 *
 *   npx ts-node --transpile-only bench/health-under-batches.ts [rounds=3] [concurrent=4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';
import { stopChild, trackChild } from './children';
import { freePort } from './fleet';

const ROOT = resolve(__dirname, '..');
const ROUNDS = Number(process.argv[2] ?? 3);
const CONCURRENT = Number(process.argv[3] ?? 4);
const MESSAGES = 500;
// 500 of them fit the 10 MB body limit (the outside fuzz's batch was 9.7 MB).
const HTML_BYTES = 19 * 1024;

function start(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; out: () => string } {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...flags, '-r', 'ts-node/register/transpile-only', script],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  trackChild(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return { child, out: () => out };
}

async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await delay(200);
  }
}

/** About `HTML_BYTES` of HTML with a link every paragraph, as a newsletter has. */
function newsletter(seed: number): string {
  const paragraphs: string[] = [];
  let size = 0;
  for (let i = 0; size < HTML_BYTES; i += 1) {
    const paragraph =
      `<p style="font-family:Arial;color:#333">Paragraph ${i} of mail ${seed}: lorem ipsum dolor ` +
      'sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et ' +
      `dolore magna aliqua. <a href="https://shop.example.com/item/${seed}/${i}?utm_source=mail">` +
      'See the offer</a> &amp; more.</p>\n';
    paragraphs.push(paragraph);
    size += paragraph.length;
  }
  return `<html><body><table><tr><td>${paragraphs.join('')}</td></tr></table></body></html>`;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return (
    `n=${sorted.length} p50=${percentile(sorted, 0.5).toFixed(1)} ms ` +
    `p99=${percentile(sorted, 0.99).toFixed(1)} ms max=${(sorted.at(-1) ?? NaN).toFixed(1)} ms`
  );
}

/** Calls `path` one after the other until `stop` is set; returns each call's latency. */
async function probe(url: string, stop: { done: boolean }): Promise<number[]> {
  const latencies: number[] = [];
  while (!stop.done) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    await delay(5);
  }
  return latencies;
}

function peakRssMb(pid: number | undefined): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return `${Math.round(kb / 1024)} MB`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const [sqsPort, sesPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const run = `hb-${randomBytes(3).toString('hex')}`;
  const queues = {
    SES_SENDMAIL_QUEUE: `${run}-sendmail`,
    SES_BOUNCES_QUEUE: `${run}-bounces`,
    SES_COMPLAINTS_QUEUE: `${run}-complaints`,
    SES_DELIVERIES_QUEUE: `${run}-deliveries`,
  };
  const stack = start('src/local/local-stack.cli.ts', {
    ...queues,
    LOCAL_SQS_PORT: String(sqsPort),
    LOCAL_SES_PORT: String(sesPort),
  });
  let service: ReturnType<typeof start> | undefined;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `ases-bench:${run}:`;
  try {
    await until('the local stack', () => stack.out().includes('Run the service against it with:'));
    const envLine = /Run the service against it with:\s*\n\s*(.+)\n/.exec(stack.out())?.[1] ?? '';
    const stackEnv = Object.fromEntries(
      envLine
        .split(' ')
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    const apiKey = stackEnv.API_KEYS;
    service = start('src/main.ts', {
      ...stackEnv,
      ...queues,
      PORT: String(apiPort),
      REDIS_KEY_PREFIX: keyPrefix,
      SEND_POLLERS: '0',
      TRACKING_BASE_URL: 'https://track.example.com',
    });
    const base = `http://127.0.0.1:${apiPort}`;
    await until('the service', async () => {
      try {
        return (await fetch(`${base}/health`)).status === 200;
      } catch {
        return false;
      }
    });

    // The pixel needs no I/O for a token that is not genuine: its latency is the event loop's.
    const pixel = `${base}/t/o/not-a-token.gif`;
    const idle = { done: false };
    const idleProbes = [probe(`${base}/health`, idle), probe(pixel, idle)];
    await delay(3000);
    idle.done = true;
    const [idleHealth, idlePixel] = await Promise.all(idleProbes);
    console.log(`/health idle:               ${summary(idleHealth)}`);
    console.log(`pixel idle:                 ${summary(idlePixel)}`);

    const batches = Array.from({ length: CONCURRENT }, (_, b) =>
      JSON.stringify({
        messages: Array.from({ length: MESSAGES }, (_, i) => ({
          from: 'News <news@example.com>',
          to: `reader-${b}-${i}@example.org`,
          subject: `Newsletter ${b}/${i}`,
          html: newsletter(b * MESSAGES + i),
          tags: { campaign: 'bench' },
        })),
      }),
    );
    console.log(
      `${CONCURRENT} batches of ${MESSAGES} messages, ${(batches[0].length / 1e6).toFixed(1)} MB each, ${ROUNDS} rounds`,
    );
    const loaded = { done: false };
    const loadedProbes = [probe(`${base}/health`, loaded), probe(pixel, loaded)];
    const batchTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await Promise.all(
        batches.map(async (body) => {
          const started = performance.now();
          const response = await fetch(`${base}/v1/messages/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body,
          });
          const answer = (await response.json()) as { results?: Array<{ id?: string }> };
          const accepted = answer.results?.filter((result) => result.id !== undefined).length ?? 0;
          if (response.status !== 202 || accepted !== MESSAGES) {
            throw new Error(`batch answered ${response.status}, ${accepted} accepted`);
          }
          batchTimes.push(performance.now() - started);
        }),
      );
    }
    loaded.done = true;
    const [loadedHealth, loadedPixel] = await Promise.all(loadedProbes);
    console.log(`/health under load:         ${summary(loadedHealth)}`);
    console.log(`pixel under load:           ${summary(loadedPixel)}`);
    console.log(`batch answer time:          ${summary(batchTimes)}`);
    console.log(`service peak RSS (VmHWM):   ${peakRssMb(service.child.pid)}`);
  } finally {
    if (service) {
      await stopChild(service.child, 'SIGTERM', 20_000);
    }
    await stopChild(stack.child, 'SIGTERM', 10_000);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.del(...keys);
      }
    } while (cursor !== '0');
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
