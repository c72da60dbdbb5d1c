import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { QueueDirectory } from '../core/queue-directory';
import { StoreHealth, StoreHealthError } from '../core/store-health';

/**
 * ases's health for a host's own `@nestjs/terminus` check:
 * `health.check([() => ases.redis(), () => ases.queues()])`, or both under one key with
 * {@link isHealthy}. `GET /health` reports the same.
 */
@Injectable()
export class AsesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: StoreHealth,
    private readonly directory: QueueDirectory,
  ) {}

  /** ases's Redis (one server, or a cluster whose state is ok and whose masters all answer). */
  async redis(key = 'redis'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      return indicator.up({ ...(await this.store.check()) });
    } catch (error) {
      return error instanceof StoreHealthError
        ? indicator.down({ mode: error.mode, message: error.message })
        : indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Every queue ases uses: down, naming each that does not answer. */
  async queues(key = 'queues'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const problems = await this.directory.check();
    return Object.keys(problems).length === 0 ? indicator.up() : indicator.down(problems);
  }

  /** Redis and the queues under one key (`ases` by default): up only when both are. */
  async isHealthy(key = 'ases'): Promise<HealthIndicatorResult> {
    const [redis, queues] = await Promise.all([this.redis(), this.queues()]);
    const indicator = this.indicators.check(key);
    const details = { redis: redis.redis, queues: queues.queues };
    return redis.redis.status === 'up' && queues.queues.status === 'up'
      ? indicator.up(details)
      : indicator.down(details);
  }
}
