import { Controller, Get, Header, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyRoutes } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { ReputationService } from './reputation.service';
import type { ReputationView } from './reputation-view';

const BODY =
  '`{ state, since, reason, resumedBy?, pausedCategories?, thresholds, windows: { 24h, 7d }, ' +
  'categories: { <name>: { 24h, 7d } } }`; each window `{ sent, delivered, bounced, ' +
  'bouncedPermanent, complained, volume, bounceRate, complaintRate }`, rates as fractions ' +
  '(bounceRate = hard bounces ÷ volume, volume = delivered + bounced; null without volume)';

/** `GET /v1/reputation` and `POST /v1/reputation/resume`: the reputation guard, for operators. */
@ApiTags('reputation')
@ApiKeyRoutes()
@Controller('v1/reputation')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class ReputationController {
  constructor(private readonly reputation: ReputationService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Bounce and complaint rates over 24 h and 7 days, and the guard state',
    description:
      'State `healthy`, `warning` (a window reached a warning rate) or `paused` (the 24 h ' +
      'window reached a guard rate: every category but transactional stays queued).',
  })
  @ApiOkResponse({ description: BODY })
  view(): Promise<ReputationView> {
    return this.reputation.view();
  }

  @Post('resume')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'End a pause by hand',
    description:
      'Held-back mail goes out again. The guard pauses again only when the sends made after ' +
      'this resume reach a guard rate (with the minimum volume behind them). Not paused: no change.',
  })
  @ApiOkResponse({ description: `The state after the resume: ${BODY}` })
  resume(): Promise<ReputationView> {
    return this.reputation.resume();
  }
}
