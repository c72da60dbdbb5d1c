import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AsesRedis } from './ases-redis';
import { InjectAsesRedis } from './ases.tokens';
import { describeStoreError } from './redis-store';

/** How often the monitor PINGs Redis: a hung server (SIGSTOP, a long script) emits no event. */
export const STORE_HEARTBEAT_MS = 1000;

/**
 * Watches ases's Redis connection and says once when the store goes away and once when it is
 * back, instead of a stack trace per failed command. Once the connection has been ready, commands
 * sent while it is down fail at once (no offline queue), so the API answers 503 at once and the
 * consumers back off; a server that hangs is bounded by the command timeout.
 */
@Injectable()
export class StoreMonitor implements OnApplicationBootstrap {
  private readonly logger = new Logger('ases');
  private state: 'unknown' | 'up' | 'down' = 'unknown';
  private downSince = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private pinging = false;
  private stopped = false;

  constructor(@InjectAsesRedis() private readonly redis: AsesRedis) {
    // Without an 'error' listener ioredis prints every failed reconnect with its stack.
    redis.on('error', (error: Error) => this.down(error.message));
    redis.on('node error', (error: Error) => this.down(error.message));
    redis.on('ready', () => {
      // Commands queued while the connection is down would wait for it: fail them at once
      // instead. Only after the first connect, so that a lazy connection's first command waits.
      redis.options.enableOfflineQueue = false;
      this.up();
    });
  }

  /** False while Redis is known to be unreachable or hung. */
  get available(): boolean {
    return this.state !== 'down';
  }

  onApplicationBootstrap(): void {
    this.heartbeat = setInterval(() => void this.beat(), STORE_HEARTBEAT_MS);
    this.heartbeat.unref();
    void this.beat();
  }

  /** Stops watching, before the connection is closed on purpose. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
  }

  private async beat(): Promise<void> {
    if (this.pinging || this.stopped) {
      return;
    }
    this.pinging = true;
    try {
      await this.redis.ping();
      this.up();
    } catch (error) {
      this.down(describeStoreError(error));
    } finally {
      this.pinging = false;
    }
  }

  private down(reason: string): void {
    if (this.stopped || this.state === 'down') {
      return;
    }
    this.state = 'down';
    this.downSince = Date.now();
    this.logger.error(
      `Redis is unavailable (${reason}): the API answers 503 STORE_UNAVAILABLE and sending ` +
        'waits until it is back',
    );
  }

  private up(): void {
    if (this.state === 'down' && !this.stopped) {
      const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
      this.logger.log(`Redis is back after ${seconds} s`);
    }
    this.state = 'up';
  }
}
