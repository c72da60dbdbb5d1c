import { Controller, Get, Param, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { MessageStatusDto } from './dto/message-status.dto';
import { MessageRecord } from './message-record';
import { StatusService } from './status.service';

/** `GET /v1/messages/:id`: a message's status by ases id or SES message id. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get(':id')
  @ApiOkResponse({ type: MessageStatusDto })
  @ApiNotFoundResponse({
    description: '`{ statusCode: 404, code: "MESSAGE_NOT_FOUND", id, status: "UNKNOWN" }`',
  })
  getStatus(@Param('id') id: string): Promise<MessageRecord> {
    return this.status.getStatus(id);
  }
}
