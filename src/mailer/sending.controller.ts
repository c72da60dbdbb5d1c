import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyRoutes } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import type { StaleCounts } from '../status/stale-rules';
import { StatusService } from '../status/status.service';
import { SendRateLimiter, SendingState } from './send-rate.limiter';

/** `GET /v1/sending`: the shared send rate, the pause, and the stale messages, for operators. */
@ApiTags('messages')
@ApiKeyRoutes()
@Controller('v1/sending')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class SendingController {
  constructor(
    private readonly limiter: SendRateLimiter,
    private readonly status: StatusService,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The send rate in force, the pause, and how many messages are stale' })
  @ApiOkResponse({
    description:
      '`{ ceiling, rate, paused, stale: { queued, pushed } }`: SEND_RATE (or MaxSendRate), the ' +
      'rate in force after throttling, `{ leftMs, reason }` while sending is paused, and how many ' +
      'messages are listed as stale (`GET /v1/messages?status=STALE`)',
  })
  async state(): Promise<SendingState & { stale: StaleCounts }> {
    const [sending, stale] = await Promise.all([this.limiter.snapshot(), this.status.countStale()]);
    return { ...sending, stale };
  }
}
