import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { freePort } from '../test/helpers/free-port';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENVIRONMENT_VARIABLES } from '../src/config/environment';
import { isRunning, stopChild, trackChild } from './children';

/** The Node options of `npm run start:prod`, the documented production command. */
const START_PROD_NODE_ARGS = ['--max-semi-space-size=32'];

/** The bearer key the bench's app processes accept. */
export const BENCH_API_KEY = 'bench-api-key-0123456789';

/** The TRACKING_SECRET of the bench's app processes, with which the bench signs tracking URLs. */
export const BENCH_TRACKING_SECRET = 'bench-tracking-secret-0123456789abcdef';

const REGION = 'us-east-1';
const HEALTH_TIMEOUT_MS = 60_000;
// Longer than the app's own shutdown budget (15 s by default) for in-flight sends.
const STOP_TIMEOUT_MS = 30_000;

/**
 * The build the app processes run: `$BENCH_DIST` when set (relative to the repository root), or
 * `<root>/dist`. A separate build keeps a long run on one version of the code while src/ changes.
 */
export function benchDist(root: string): string {
  const dist = process.env.BENCH_DIST;
  return dist === undefined || dist === '' ? join(root, 'dist') : resolve(root, dist);
}

// A port nobody listens on right now: the tests' helper, for the benchmarks too.
export { freePort };

function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Options of {@link Fleet}. */
export interface FleetOptions {
  /** Repository root: where the processes run. */
  root: string;
  /** The build whose `main.js` the app processes run. Default {@link benchDist}(root). */
  dist?: string;
  /** Scenario name, for log file names. */
  scenario: string;
  /** Unique per scenario run; names the queues and the Redis key prefix. */
  runId: string;
  /** Where `<scenario>-p<n>.log` and `<scenario>-fauxqs.log` go. */
  logDir: string;
  redisUrl: string;
  sesEndpoint: string;
  /** SEND_RATE of each app process. */
  sendRate: number;
}

/** One app process. */
export interface AppProcess {
  /** `p1`, `p2`, ...: its AWS_SDK_UA_APP_ID, so the SES stub can tell the processes apart. */
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
}

/** The queue names of one scenario run. */
export type BenchQueues = Record<'sendmail' | 'bounces' | 'complaints' | 'deliveries', string>;

/**
 * The processes of one scenario run: fauxqs (SQS) in a child process of its own, so its CPU does
 * not count against the harness, the run's queues, and the app processes (`node dist/main`).
 */
export class Fleet {
  /** The sending processes, p1, p2, ... */
  readonly apps: AppProcess[] = [];
  /** The process that takes the API requests and does not send (SEND_POLLERS=0), if started. */
  api?: AppProcess;
  readonly queues: BenchQueues;
  readonly redisKeyPrefix: string;
  private fauxqs?: ChildProcess;
  private sqsEndpoint?: string;
  private sqs?: SQSClient;
  private sendmailQueueUrl?: string;

  constructor(private readonly options: FleetOptions) {
    const queue = (role: string): string => `bench-${options.runId}-${role}`;
    this.queues = {
      sendmail: queue('sendmail'),
      bounces: queue('bounces'),
      complaints: queue('complaints'),
      deliveries: queue('deliveries'),
    };
    this.redisKeyPrefix = `bench:${options.runId}:`;
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Starts fauxqs and creates the run's queues. */
  async startSqs(): Promise<void> {
    const logFile = join(this.options.logDir, `${this.options.scenario}-fauxqs.log`);
    const log = openSync(logFile, 'w');
    // fauxqs is ESM-only; a real import() in an eval script loads it. Closing our end of its
    // stdin (which also happens when this harness dies, however it dies) stops it.
    const script =
      `import('fauxqs').then((m) => m.startFauxqs({ port: 0, host: '127.0.0.1', logger: false, ` +
      `defaultRegion: '${REGION}' })).then((server) => {` +
      `process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');` +
      `process.stdin.on('end', () => process.exit(0)); process.stdin.resume();` +
      `}, (error) => { console.error(error); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: this.options.root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['pipe', 'pipe', log],
    });
    closeSync(log);
    trackChild(child);
    this.fauxqs = child;
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error('fauxqs did not start in 30 s')), 30_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const line = output.split('\n')[0];
        if (output.includes('\n')) {
          clearTimeout(timer);
          try {
            resolve((JSON.parse(line) as { port: number }).port);
          } catch {
            reject(new Error(`fauxqs printed ${JSON.stringify(line)} instead of its port`));
          }
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fauxqs exited with ${code} while starting:\n${logTail(logFile)}`));
      });
    });
    this.sqsEndpoint = `http://127.0.0.1:${port}`;

    const sqs = new SQSClient({
      region: REGION,
      endpoint: this.sqsEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // Otherwise the SDK sends to the QueueUrl's own host, sqs.<region>.localhost.
      useQueueUrlAsEndpoint: false,
    });
    this.sqs = sqs;
    for (const [role, name] of Object.entries(this.queues)) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      if (role === 'sendmail') {
        this.sendmailQueueUrl = QueueUrl;
      }
    }
  }

  /**
   * The sendmail queue's messages: visible, in hand (received, not deleted: also those of a
   * killed process until their visibility timeout) and delayed. All 0: nothing is left to send.
   */
  async sendmailDepth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    if (this.sqs === undefined || this.sendmailQueueUrl === undefined) {
      throw new Error('Fleet.sendmailDepth: call startSqs first');
    }
    const { Attributes: attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.sendmailQueueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /**
   * Starts app process p<n> and waits until its `/health` answers 200. `api`: the process that
   * takes the feeder's requests instead, with SEND_POLLERS=0, so that the CPU of accepting mail
   * does not count against the senders measured (as when API and workers are separate). `env`:
   * variables of this process only, over the bench's (e.g. WEBHOOK_CONCURRENCY).
   */
  async startApp({
    api = false,
    env = {},
  }: { api?: boolean; env?: Record<string, string> } = {}): Promise<AppProcess> {
    if (this.sqsEndpoint === undefined) {
      throw new Error('Fleet.startApp: call startSqs first: the app checks its queues at start');
    }
    const name = api ? 'api' : `p${this.apps.length + 1}`;
    const port = await freePort();
    const logFile = join(this.options.logDir, `${this.options.scenario}-${name}.log`);
    const log = openSync(logFile, 'w');
    // For profiling a run: BENCH_APP_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
    const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const main = join(this.options.dist ?? benchDist(this.options.root), 'main');
    const child = spawn(process.execPath, [...nodeArgs, ...START_PROD_NODE_ARGS, main], {
      cwd: this.options.root,
      env: { ...this.appEnvironment(name, port), ...(api ? { SEND_POLLERS: '0' } : {}), ...env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    trackChild(child);
    const app: AppProcess = { name, url: `http://127.0.0.1:${port}`, child, logFile };
    if (api) {
      this.api = app;
    } else {
      this.apps.push(app);
    }
    await this.waitHealthy(app);
    return app;
  }

  /** SIGKILLs one app: no shutdown hook runs, as when a machine dies. */
  async kill(app: AppProcess): Promise<void> {
    await stopChild(app.child, 'SIGKILL', 0);
  }

  /** Stops the apps (SIGTERM: they finish their in-flight sends), then fauxqs. */
  async stop(): Promise<void> {
    const all = this.api ? [this.api, ...this.apps] : this.apps;
    await Promise.all(all.map((app) => stopChild(app.child, 'SIGTERM', STOP_TIMEOUT_MS)));
    this.sqs?.destroy();
    this.sqs = undefined;
    if (this.fauxqs) {
      this.fauxqs.stdin?.end();
      await stopChild(this.fauxqs, 'SIGTERM', 5000);
    }
  }

  private appEnvironment(name: string, port: number): NodeJS.ProcessEnv {
    const { options } = this;
    // Every variable the app knows is set, to an empty value when the bench has no opinion:
    // dist/main loads ./.env, which never overrides a variable that is set, and the app reads an
    // empty value as unset. So neither the shell nor a developer's .env reaches the app.
    const blank = Object.fromEntries(ENVIRONMENT_VARIABLES.map((variable) => [variable, '']));
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // A build outside the repository (BENCH_DIST) finds the packages here.
      NODE_PATH: join(options.root, 'node_modules'),
      ...blank,
      LOCAL_STACK: 'false',
      PORT: String(port),
      API_KEYS: BENCH_API_KEY,
      TRACKING_BASE_URL: `http://localhost:${port}`,
      TRACKING_SECRET: BENCH_TRACKING_SECRET,
      REDIS_URL: options.redisUrl,
      REDIS_KEY_PREFIX: this.redisKeyPrefix,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: this.sqsEndpoint,
      AWS_ENDPOINT_URL_SES: options.sesEndpoint,
      AWS_SDK_UA_APP_ID: name,
      SES_SENDMAIL_QUEUE: this.queues.sendmail,
      SES_BOUNCES_QUEUE: this.queues.bounces,
      SES_COMPLAINTS_QUEUE: this.queues.complaints,
      SES_DELIVERIES_QUEUE: this.queues.deliveries,
      SEND_RATE: String(options.sendRate),
    };
  }

  private async waitHealthy(app: AppProcess): Promise<void> {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!isRunning(app.child)) {
        throw new Error(
          `app ${app.name} exited with ${app.child.exitCode ?? app.child.signalCode} while ` +
            `starting; last lines of ${app.logFile}:\n${logTail(app.logFile)}`,
        );
      }
      try {
        const response = await fetch(`${app.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) {
          return;
        }
        last = `HTTP ${response.status}: ${await response.text()}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(200);
    }
    throw new Error(
      `app ${app.name}: GET /health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s ` +
        `(last: ${last}); see ${app.logFile}`,
    );
  }
}
