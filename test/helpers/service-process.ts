/**
 * The standalone service (`src/main.ts`) as a child process, for the e2e specs that test it the
 * way a newcomer runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { ENVIRONMENT_VARIABLES } from '../../src/config/environment';

/** The repository root: the child runs `src/main.ts` from there, as a newcomer would. */
const ROOT = resolve(__dirname, '..', '..');
// Start-up (ts-node transpiling, the local stack, Nest) takes about 2 s on an idle machine; Jest
// runs other suites in parallel, hence the margin.
export const START_DEADLINE_MS = 45_000;

/**
 * Variables removed from the child's environment: the Jest global setup's AWS endpoints (the SDK
 * would prefer them to the child's own stack) and every variable the service reads, so the child
 * sees only what a test gives it.
 */
const INHERITED_AWAY = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'ASES_LOCAL_STACK',
  ...ENVIRONMENT_VARIABLES,
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node -r ts-node/register/transpile-only src/main.ts` as a child process, with its output. */
export class ServiceProcess {
  private out = '';
  private err = '';
  private exit: Exit | null = null;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;

  constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    this.exited = new Promise((resolveExit) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
      });
      // 'close' comes after the output streams have ended, so stdout and stderr are complete.
      child.on('close', () => resolveExit(this.exit ?? { code: null, signal: null }));
    });
  }

  static start(variables: Record<string, string>): ServiceProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of INHERITED_AWAY) {
      delete env[name];
    }
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      { cwd: ROOT, env: { ...env, ...variables }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const service = new ServiceProcess(child);
    running.add(service);
    void service.exited.then(() => running.delete(service));
    return service;
  }

  /** Standard output without ANSI colours. */
  get stdout(): string {
    return this.out.replace(ANSI, '');
  }

  get stderr(): string {
    return this.err.replace(ANSI, '');
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs, and waits for it to go. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** Resolves with how the process exited, or rejects when `timeoutMs` passes first. */
  async exitWithin(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the service did not exit within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Every child still running: killed after each test that leaves one, and after the file. */
const running = new Set<ServiceProcess>();

/** Kills every child still running and waits for them to go. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill()));
}
