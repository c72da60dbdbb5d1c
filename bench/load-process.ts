import autocannon from 'autocannon';
import { ChildProcess, fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { exited, isRunning, stopChild, trackChild } from './children';

const START_TIMEOUT_MS = 30_000;

/** What the load process is to do. */
export interface LoadOptions {
  /** The app's origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The request paths, requested in turn (one per request, round robin over all connections). */
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  /** A run of its own before the measured one; 0: none. */
  warmupSeconds: number;
  seconds: number;
  /** After the measured run: requests at this fixed rate, for the latency at that rate. */
  fixedRate?: { perSecond: number; seconds: number };
}

/**
 * A run at a fixed rate, open loop: each request is due at its own time whether or not the
 * earlier ones were answered, and its latency counts from that time (so a stall shows up in full,
 * not hidden by the requests it held back).
 */
export interface FixedRateRun {
  perSecond: number;
  durationSeconds: number;
  /** Requests due, all sent. */
  sent: number;
  /** Answered requests per second over the run. */
  achievedPerSecond: number;
  statusCodes: Record<string, number>;
  errors: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number };
  /** The client's own event-loop delay: how late it may have sent a request, or read an answer. */
  clientLoopDelayMs: { p99: number; max: number };
  cpuSeconds: number;
}

/** One autocannon run, as the bench reads it. */
export interface LoadRun {
  durationSeconds: number;
  /** Mean of autocannon's 1-s samples of answered requests. */
  requestsPerSecond: number;
  /** The slowest 1-s sample. */
  slowestSecond: number;
  /** Answered requests in each second, in order. */
  perSecond: number[];
  /** Requests written to a socket, answered or not. */
  sent: number;
  /** Responses by status code. */
  statusCodes: Record<string, number>;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Of every response (autocannon counts non-2xx too unless told otherwise). */
  latencyMs: { mean: number; p50: number; p97_5: number; p99: number; max: number };
  /** CPU seconds the load process used during the run. */
  cpuSeconds: number;
}

/** Hooks of {@link runLoad}. */
export interface LoadHooks {
  /** Awaited after the warm-up, before the measured run starts. */
  afterWarmup?: (warmup: LoadRun | undefined) => Promise<void>;
  /** Called right before the measured run starts. */
  onMeasuredStart?: () => void;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'warmed'; run?: LoadRun }
  | { type: 'started' }
  | { type: 'done'; run: LoadRun; fixed?: FixedRateRun }
  | { type: 'failed'; message: string };

type ParentMessage = { type: 'run'; options: LoadOptions } | { type: 'go' };

/**
 * Runs autocannon in a process of its own: the warm-up, then the measured run. Its event loop does
 * nothing but the load, so the harness's own work (sampling /proc, Redis reads) cannot stall the
 * requests and show up as latency.
 */
export async function runLoad(
  options: LoadOptions,
  cwd: string,
  hooks: LoadHooks,
  signal?: AbortSignal,
): Promise<{ warmup?: LoadRun; measured: LoadRun; fixed?: FixedRateRun }> {
  signal?.throwIfAborted();
  const child: ChildProcess = fork(__filename, [], {
    cwd,
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChild(child);
  const send = (message: ParentMessage): void => {
    child.send(message);
  };
  try {
    return await new Promise((resolve, reject) => {
      let warmup: LoadRun | undefined;
      const startTimer = setTimeout(
        () => reject(new Error(`the load process did not start in ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      // An AbortError, as the harness's other waits throw: the run is reported as interrupted.
      const onAbort = (): void =>
        reject(
          Object.assign(new Error('the load run was interrupted', { cause: signal?.reason }), {
            name: 'AbortError',
          }),
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('message', (message: ChildMessage) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(startTimer);
            send({ type: 'run', options });
            break;
          case 'warmed':
            warmup = message.run;
            (hooks.afterWarmup?.(warmup) ?? Promise.resolve()).then(
              () => send({ type: 'go' }),
              reject,
            );
            break;
          case 'started':
            hooks.onMeasuredStart?.();
            break;
          case 'done':
            signal?.removeEventListener('abort', onAbort);
            resolve({ warmup, measured: message.run, fixed: message.fixed });
            break;
          case 'failed':
            reject(new Error(`the load process failed: ${message.message}`));
            break;
        }
      });
      child.once('exit', (code) => {
        clearTimeout(startTimer);
        reject(new Error(`the load process exited with ${code} before its result`));
      });
    });
  } finally {
    if (isRunning(child)) {
      await stopChild(child, 'SIGKILL', 0);
    }
    await exited(child);
  }
}

function toLoadRun(result: autocannon.Result, perSecond: number[], cpuSeconds: number): LoadRun {
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count ?? 0;
  }
  const { latency } = result;
  return {
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.average,
    slowestSecond: result.requests.min,
    perSecond,
    sent: result.requests.sent,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      mean: latency.average,
      p50: latency.p50,
      p97_5: latency.p97_5,
      p99: latency.p99,
      max: latency.max,
    },
    cpuSeconds,
  };
}

const FIXED_RATE_TIMEOUT_MS = 10_000;

function percentileOf(sorted: number[], fraction: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/**
 * Sends `perSecond` requests a second for `seconds`, on at most `connections` keep-alive
 * sockets, each request when it is due (checked every millisecond); see {@link FixedRateRun}.
 */
function fixedRate(
  options: LoadOptions,
  perSecond: number,
  seconds: number,
  nextPath: () => string,
): Promise<FixedRateRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const total = Math.round(perSecond * seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const cpuBefore = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = (): void => {
      settled += 1;
      if (settled < total) {
        return;
      }
      agent.destroy();
      loopDelay.disable();
      const cpu = process.cpuUsage(cpuBefore);
      const durationSeconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      const round = (ms: number): number => Math.round(ms * 10) / 10;
      resolve({
        perSecond,
        durationSeconds,
        sent,
        achievedPerSecond: latencies.length / durationSeconds,
        statusCodes,
        errors,
        latencyMs: {
          p50: round(percentileOf(latencies, 0.5)),
          p97_5: round(percentileOf(latencies, 0.975)),
          p99: round(percentileOf(latencies, 0.99)),
          max: round(latencies.at(-1) ?? 0),
        },
        clientLoopDelayMs: {
          p99: round(loopDelay.percentile(99) / 1e6),
          max: round(loopDelay.max / 1e6),
        },
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      });
    };
    const fire = (due: number): void => {
      sent += 1;
      const outgoing = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: nextPath(),
          headers: options.headers,
          timeout: FIXED_RATE_TIMEOUT_MS,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(performance.now() - due);
            const code = String(response.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            finish();
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
      outgoing.on('error', () => {
        errors += 1;
        finish();
      });
      outgoing.end();
    };
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * perSecond) / 1000));
      while (sent < due) {
        fire(start + (sent * 1000) / perSecond);
      }
      if (sent < total) {
        setTimeout(tick, 1);
      }
    };
    tick();
  });
}

function runChild(): void {
  const post = (message: ChildMessage): void => {
    process.send?.(message);
  };
  // The harness is gone (however it died): nobody will read the result.
  process.on('disconnect', () => process.exit(0));
  let options: LoadOptions | undefined;
  let next = 0;
  const nextPath = (): string => {
    const { paths } = options as LoadOptions;
    const path = paths[next % paths.length];
    next += 1;
    return path;
  };
  const once = (seconds: number): Promise<LoadRun> => {
    const { url, headers, connections } = options as LoadOptions;
    const cpuBefore = process.cpuUsage();
    const perSecond: number[] = [];
    return new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections,
          duration: seconds,
          headers,
          // Each request goes to the next message, whichever connection sends it.
          requests: [
            {
              method: 'GET',
              setupRequest: (outgoing) => {
                outgoing.path = nextPath();
                return outgoing;
              },
            },
          ],
        },
        (error: unknown, result: autocannon.Result) => {
          if (error) {
            reject(
              error instanceof Error ? error : new Error('autocannon failed', { cause: error }),
            );
            return;
          }
          const cpu = process.cpuUsage(cpuBefore);
          resolve(toLoadRun(result, perSecond, (cpu.user + cpu.system) / 1e6));
        },
      );
      // autocannon 8 passes the second's count to 'tick'; @types/autocannon (7) does not know it.
      (instance as unknown as EventEmitter).on('tick', ({ counter }: { counter: number }) =>
        perSecond.push(counter),
      );
    });
  };
  const fail = (error: unknown): void => {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'run') {
      options = message.options;
      const warmupSeconds = options.warmupSeconds;
      (warmupSeconds > 0 ? once(warmupSeconds) : Promise.resolve(undefined)).then(
        (run) => post({ type: 'warmed', run }),
        fail,
      );
    } else if (message.type === 'go' && options) {
      post({ type: 'started' });
      const { seconds, fixedRate: fixed } = options;
      const measure = async (): Promise<ChildMessage> => {
        const run = await once(seconds);
        return fixed === undefined
          ? { type: 'done', run }
          : {
              type: 'done',
              run,
              fixed: await fixedRate(
                options as LoadOptions,
                fixed.perSecond,
                fixed.seconds,
                nextPath,
              ),
            };
      };
      measure().then((done) => {
        process.send?.(done, undefined, {}, () => process.exit(0));
      }, fail);
    }
  });
  post({ type: 'ready' });
}

if (require.main === module) {
  runChild();
}
