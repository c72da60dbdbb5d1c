import { Redis } from 'ioredis';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exited, isRunning, stopChild, trackChild } from './children';
import { ownRedisArgs } from '../test/helpers/own-redis';
import { freePort } from './fleet';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Options of {@link FaultRedis}. */
export interface FaultRedisOptions {
  /** Append-only file with `appendfsync always`; otherwise nothing is kept on disk. */
  aof: boolean;
  /** The server's log, appended to across restarts. */
  logFile: string;
}

/**
 * A redis-server of a fault scenario's own, on a free port and a temporary directory, that the
 * scenario can stop (`SHUTDOWN NOSAVE`), start again on the same port (with the same directory,
 * so an AOF is read back), pause (SIGSTOP), resume (SIGCONT) and flush, without touching the
 * shared Redis on 6379 or the test cluster.
 */
export class FaultRedis {
  readonly url: string;
  private child?: ChildProcess;
  private paused = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: FaultRedisOptions,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** Starts a server on a free port; resolves once it answers PING. */
  static async start(options: FaultRedisOptions): Promise<FaultRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'ases-faults-redis-'));
    const server = new FaultRedis(await freePort(), dir, options);
    try {
      await server.startServer();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** `appendonly no` or `appendonly yes, appendfsync always`. */
  get persistence(): string {
    return this.options.aof ? 'AOF, appendfsync always' : 'none (--save "", appendonly no)';
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.child && isRunning(this.child) ? this.child.pid : undefined;
  }

  /** True while the server process runs (paused or not). */
  get running(): boolean {
    return this.child !== undefined && isRunning(this.child);
  }

  /** `redis-cli -p P shutdown nosave`, then waits for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !isRunning(child)) {
      return;
    }
    this.resume();
    try {
      await this.cli('shutdown', 'nosave');
    } catch {
      // SHUTDOWN closes the connection without a reply; redis-cli may report that as an error.
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  }

  /** Starts the server again on the same port and directory; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.running) {
      throw new Error(`FaultRedis.restart: the server on port ${this.port} still runs`);
    }
    await this.startServer();
  }

  /** SIGSTOP: the server keeps its connections open and answers nothing. */
  pause(): void {
    const pid = this.pid;
    if (pid === undefined) {
      throw new Error(`FaultRedis.pause: the server on port ${this.port} does not run`);
    }
    process.kill(pid, 'SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT, if paused. */
  resume(): void {
    const pid = this.pid;
    if (this.paused && pid !== undefined) {
      process.kill(pid, 'SIGCONT');
    }
    this.paused = false;
  }

  /** FLUSHALL: every key of every database is gone. */
  async flushAll(): Promise<void> {
    const { stdout } = await this.cli('flushall');
    if (stdout.trim() !== 'OK') {
      throw new Error(`FLUSHALL on port ${this.port} answered ${JSON.stringify(stdout.trim())}`);
    }
  }

  /** DBSIZE: how many keys the server holds. */
  async dbsize(): Promise<number> {
    const { stdout } = await this.cli('dbsize');
    const keys = Number(stdout.trim());
    if (!Number.isInteger(keys)) {
      throw new Error(`DBSIZE on port ${this.port} answered ${JSON.stringify(stdout.trim())}`);
    }
    return keys;
  }

  /** The server's version, from INFO server. */
  async version(): Promise<string> {
    const { stdout } = await this.cli('info', 'server');
    return /^redis_version:(\S+)/m.exec(stdout)?.[1] ?? 'unknown';
  }

  /** A client for the harness: it reconnects after a restart and fails fast meanwhile. */
  client(): Redis {
    const redis = new Redis(this.url, { maxRetriesPerRequest: 2 });
    // Refused connections while the server is down are expected; commands report their own.
    redis.on('error', () => undefined);
    return redis;
  }

  /** Resumes and stops the server, and removes its directory. */
  async close(): Promise<void> {
    try {
      this.resume();
      if (this.child && isRunning(this.child)) {
        await this.stop().catch(() => stopChild(this.child as ChildProcess, 'SIGKILL', 0));
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], {
      timeout: 5000,
    });
  }

  private async startServer(): Promise<void> {
    const args = [
      ...ownRedisArgs(this.port, this.dir, this.options.aof),
      '--daemonize',
      'no',
      '--logfile',
      this.options.logFile,
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    trackChild(child);
    this.child = child;
    this.paused = false;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!isRunning(child)) {
        throw new Error(
          `redis-server on port ${this.port} exited with ${child.exitCode ?? child.signalCode} ` +
            `while starting; see ${this.options.logFile}`,
        );
      }
      try {
        const { stdout } = await this.cli('ping');
        // While it loads an AOF the server answers LOADING instead of PONG.
        if (stdout.trim() === 'PONG') {
          return;
        }
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await stopChild(child, 'SIGKILL', 0);
        throw new Error(
          `redis-server on port ${this.port} did not answer PING within ` +
            `${READY_TIMEOUT_MS / 1000} s; see ${this.options.logFile}`,
        );
      }
      await sleep(50);
    }
  }
}
