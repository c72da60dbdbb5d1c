import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { AsesHealthIndicator } from './ases.health-indicator';

/**
 * `GET /health`: 200 when Redis (one server, or a cluster whose state is ok and whose masters all
 * answer) and every queue answer, 503 naming what failed. No key needed.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly ases: AsesHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Whether Redis and every queue answer (no API key)' })
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
      return await this.health.check([() => this.ases.redis(), () => this.ases.queues()]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        // Answered here, not by a filter, so the body is terminus's report whatever the host does.
        response.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }
}
