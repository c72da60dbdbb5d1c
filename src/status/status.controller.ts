import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { MessageStatusDto } from './dto/message-status.dto';
import { FailedMessagesDto } from './dto/message-status.dto';
import { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import { FailedPage } from './status.repository';
import { StatusService } from './status.service';

/** Most messages on one page of a listing. */
export const MAX_PAGE = 500;

/** `GET /v1/messages/:id`: a message's status by ases id or SES message id. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  @ApiQuery({ name: 'status', enum: [MessageStatus.FAILED], required: true })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_PAGE}, default 100` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: FailedMessagesDto })
  @ApiBadRequestResponse({ description: '`{ code: "INVALID_REQUEST", message }`' })
  list(
    @Query('status') status: unknown,
    @Query('limit') limit: unknown,
    @Query('cursor') cursor: unknown,
  ): Promise<FailedPage> {
    if (status !== MessageStatus.FAILED) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'status must be FAILED: failed messages are the ones listed (look others up by id)',
      );
    }
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE || typeof limit === 'object') {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        `limit must be an integer from 1 to ${MAX_PAGE}`,
      );
    }
    if (cursor !== undefined && (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor))) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'cursor must be the nextCursor of a previous page',
      );
    }
    return this.status.listFailed(cursor, size);
  }

  @Get(':id')
  @ApiOkResponse({ type: MessageStatusDto })
  @ApiNotFoundResponse({
    description: '`{ statusCode: 404, code: "MESSAGE_NOT_FOUND", id, status: "UNKNOWN" }`',
  })
  getStatus(@Param('id') id: string): Promise<MessageRecord> {
    return this.status.getStatus(id);
  }
}
