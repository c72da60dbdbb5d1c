import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { ResolvedAsesOptions } from './ases-options';
import { InjectAsesOptions } from './ases.tokens';

/**
 * Counts handler calls in progress, so shutdown can wait for them before Redis is closed: a send
 * that SES accepted must get its PUSHED written.
 */
@Injectable()
export class InFlightTracker implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ases');
  private count = 0;
  private idle: Array<() => void> = [];

  constructor(
    @InjectAsesOptions() private readonly options: Pick<ResolvedAsesOptions, 'shutdownTimeoutMs'>,
  ) {}

  /** Runs `work`, counted as in flight until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await work();
    } finally {
      this.count -= 1;
      if (this.count === 0) {
        this.idle.splice(0).forEach((resolve) => resolve());
      }
    }
  }

  /** How many calls are in progress. */
  get size(): number {
    return this.count;
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) {
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idle.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Nest stops the consumers in onModuleDestroy; Redis closes in onApplicationShutdown, after this. */
  async beforeApplicationShutdown(): Promise<void> {
    const pending = this.count;
    if (!(await this.drain(this.options.shutdownTimeoutMs))) {
      this.logger.warn(
        `shutdown: ${this.count} of ${pending} message handlers still running after ` +
          `${this.options.shutdownTimeoutMs} ms; their messages will be received again`,
      );
    }
  }
}
