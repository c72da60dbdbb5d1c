import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from './free-port';

/**
 * A redis-server of a test's own, on a port of its own, which the test stops, pauses, flushes
 * and starts again without disturbing the shared one (../shared/MACHINE.md).
 */
export class OwnRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ases-own-redis-'));

  private constructor(
    readonly port: number,
    private readonly appendOnly: boolean,
  ) {}

  /** Starts one; `appendOnly` keeps every write in an AOF (fsync always) across restarts. */
  static async start({ appendOnly = false } = {}): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), appendOnly);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts the server (again, on the same port and directory) unless it runs; waits until it answers. */
  async restart(): Promise<void> {
    if (this.running) {
      return;
    }
    this.child = spawn('redis-server', ownRedisArgs(this.port, this.dir, this.appendOnly), {
      stdio: 'ignore',
    });
    const probe = this.client({ retryStrategy: () => null, lazyConnect: true });
    try {
      for (let i = 0; i < 200; i += 1) {
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') {
            return;
          }
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      throw new Error(`redis-server on port ${this.port} did not answer`);
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server at once, keeping nothing but what the AOF already holds. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async flush(): Promise<void> {
    const client = this.client();
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** A client of this server (the caller disconnects it). */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis({ port: this.port, host: '127.0.0.1', ...options });
    client.on('error', () => undefined);
    return client;
  }

  async close(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The arguments of a redis-server of a test's (or a benchmark's) own: on 127.0.0.1, no RDB
 * snapshots, and with `appendOnly` an AOF fsynced at every write, so a restart loses nothing.
 */
export function ownRedisArgs(port: number, dir: string, appendOnly: boolean): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    '--appendonly',
    appendOnly ? 'yes' : 'no',
    ...(appendOnly ? ['--appendfsync', 'always'] : []),
  ];
}
