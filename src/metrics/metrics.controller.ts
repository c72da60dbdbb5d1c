import { Controller, Get, Header, Next, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { ApiErrors, UNAUTHORIZED } from '../core/api-errors.decorator';
import { ApiKeyCheck } from '../core/api-key.guard';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { InjectAsesOptions } from '../core/ases.tokens';
import { AsesMetrics } from './ases-metrics';

/**
 * `GET /metrics` on the API port: ases's Prometheus metrics, behind the API key. With
 * `metrics.apiRoute` false (the default when the metrics have a port of their own) the request is
 * passed on as if the route did not exist: a 404, or a host's own `/metrics`.
 */
@ApiTags('metrics')
@ApiBearerAuth()
@Controller('metrics')
@UseFilters(AsesExceptionFilter)
export class MetricsController {
  private readonly keys: ApiKeyCheck;
  private readonly open: boolean;

  constructor(
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    this.keys = new ApiKeyCheck(options.apiKeys);
    this.open = options.metrics.apiRoute;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: "ases's Prometheus metrics" })
  @ApiOkResponse({
    description: 'The metrics in the Prometheus text exposition format (version 0.0.4)',
  })
  @ApiErrors({ 401: UNAUTHORIZED })
  // Not ases's error body: the request is passed on, to Nest's 404 or a host's own /metrics.
  @ApiNotFoundResponse({ description: 'The route is off: METRICS_PORT (metrics.port) is set' })
  async scrape(
    @Req() request: Request,
    @Res() response: Response,
    @Next() next: NextFunction,
  ): Promise<void> {
    // Checked here rather than by a guard, which could only refuse, not pass the request on.
    if (!this.open) {
      next();
      return;
    }
    const refusal = this.keys.refusal(request.headers.authorization);
    if (refusal) {
      throw refusal;
    }
    const text = await this.metrics.scrape();
    // Written as is: Express's send() would rewrite the Content-Type's parameters.
    response.status(200).setHeader('Content-Type', this.metrics.contentType);
    response.end(text);
  }
}
