import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { SendRateLimiter, SendingState } from './send-rate.limiter';

/** `GET /v1/sending`: the shared send rate and pause, for operators. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1/sending')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class SendingController {
  constructor(private readonly limiter: SendRateLimiter) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    description:
      '`{ ceiling, rate, paused }`: SEND_RATE (or MaxSendRate), the rate in force after ' +
      'throttling, and `{ leftMs, reason }` while sending is paused',
  })
  state(): Promise<SendingState> {
    return this.limiter.snapshot();
  }
}
