import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { QueueDirectory } from '../core/queue-directory';
import { StoreHealth, StoreHealthError } from '../core/store-health';

/**
 * `GET /health`: 200 when Redis (one server, or a cluster whose state is ok and whose masters all
 * answer) and every queue answer, 503 naming what failed. No key needed.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly store: StoreHealth,
    private readonly queues: QueueDirectory,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOkResponse({
    description:
      '`{ status: "ok", info: { redis: { status, mode, state, nodes }, queues } }`; ' +
      '`mode` is `single` or `cluster`, `nodes` the servers that answered PING',
  })
  @ApiServiceUnavailableResponse({
    description: '`{ status: "error", error: { ... } }` naming what failed',
  })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.checkRedis(), () => this.checkQueues()]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        // Answered here, not by a filter, so the body is terminus's report whatever the host does.
        response.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  private async checkRedis(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    try {
      return indicator.up({ ...(await this.store.check()) });
    } catch (error) {
      return error instanceof StoreHealthError
        ? indicator.down({ mode: error.mode, message: error.message })
        : indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async checkQueues(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('queues');
    const problems = await this.queues.check();
    return Object.keys(problems).length === 0 ? indicator.up() : indicator.down(problems);
  }
}
