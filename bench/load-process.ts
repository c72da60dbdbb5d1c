import autocannon from 'autocannon';
import { ChildProcess, fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
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
  | { type: 'done'; run: LoadRun }
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
): Promise<{ warmup?: LoadRun; measured: LoadRun }> {
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
            resolve({ warmup, measured: message.run });
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

function runChild(): void {
  const post = (message: ChildMessage): void => {
    process.send?.(message);
  };
  // The harness is gone (however it died): nobody will read the result.
  process.on('disconnect', () => process.exit(0));
  let options: LoadOptions | undefined;
  let next = 0;
  const once = (seconds: number): Promise<LoadRun> => {
    const { url, paths, headers, connections } = options as LoadOptions;
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
              setupRequest: (request) => {
                request.path = paths[next % paths.length];
                next += 1;
                return request;
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
      once(options.seconds).then((run) => {
        process.send?.({ type: 'done', run } satisfies ChildMessage, undefined, {}, () =>
          process.exit(0),
        );
      }, fail);
    }
  });
  post({ type: 'ready' });
}

if (require.main === module) {
  runChild();
}
