import { Controller, Get, Header, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyRoutes } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { parseStatsQuery } from './stats-query';
import type { StatsResponse } from './stats-response';
import { StatsService } from './stats.service';

/** `GET /v1/stats`: the fleet-wide time series, per minute or per hour. */
@ApiTags('stats')
@ApiKeyRoutes()
@Controller('v1/stats')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'What happened, per minute or per hour',
    description:
      'Fleet-wide counts per bucket (sent recipients; delivered, bounced by type, complained, ' +
      'failed and suppressed changes; opens and clicks, all and human), with the queue depth, ' +
      'the send rate in force and the feedback lag. Minutes are kept 48 hours, hours 15 days.',
  })
  @ApiQuery({ name: 'resolution', enum: ['minute', 'hour'], required: false })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'RFC 3339 with its zone; default: 1 hour (minute) or 14 days (hour) before until',
  })
  @ApiQuery({ name: 'until', required: false, description: 'RFC 3339 with its zone; default now' })
  @ApiQuery({ name: 'category', required: false, description: 'only this category' })
  @ApiOkResponse({
    description:
      '`{ resolution, stepSeconds, since, until, category, categories, points: [{ at, sent, ' +
      'delivered, bounced, bouncedPermanent, bouncedTransient, bouncedUndetermined, complained, ' +
      'opened, openedHuman, clicked, clickedHuman, failed, suppressed, queueDepth, ' +
      'sendRateLimit, feedbackLagSeconds }], totals }`',
  })
  @ApiErrors({ 400: '`INVALID_REQUEST`, its message naming the parameter at fault' })
  read(@Query() query: Record<string, unknown>): Promise<StatsResponse> {
    return this.stats.read(parseStatsQuery(query, Date.now()));
  }
}
