import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { MessageStatusDto } from './dto/message-status.dto';
import { FailedMessagesDto, StaleMessagesDto } from './dto/message-status.dto';
import { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import { STALE_REASONS, StalePage, StaleReason } from './stale-rules';
import { FailedPage } from './status.repository';
import { StatusService } from './status.service';

/** Most messages on one page of a listing. */
export const MAX_PAGE = 500;

/** `status=STALE`: messages QUEUED far too long, or PUSHED with no outcome (not a stored status). */
const STALE = 'STALE';

/**
 * `GET /v1/messages/:id`: a message's status by ases id or SES message id;
 * `GET /v1/messages?status=FAILED|STALE`: the failed or stale messages, a page at a time.
 */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  @ApiQuery({ name: 'status', enum: [MessageStatus.FAILED, STALE], required: true })
  @ApiQuery({
    name: 'reason',
    enum: STALE_REASONS,
    required: false,
    description: 'status=STALE only: the messages stale for this reason (default both)',
  })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_PAGE}, default 100` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiExtraModels(FailedMessagesDto, StaleMessagesDto)
  @ApiOkResponse({
    description: 'status=FAILED: newest failure first; status=STALE: newest stale first',
    schema: {
      oneOf: [FailedMessagesDto, StaleMessagesDto].map((dto) => ({ $ref: getSchemaPath(dto) })),
    },
  })
  @ApiBadRequestResponse({ description: '`{ code: "INVALID_REQUEST", message }`' })
  list(
    @Query('status') status: unknown,
    @Query('limit') limit: unknown,
    @Query('cursor') cursor: unknown,
    @Query('reason') reason: unknown,
  ): Promise<FailedPage | StalePage> {
    if (status !== MessageStatus.FAILED && status !== STALE) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'status must be FAILED or STALE: failed and stale messages are the ones listed (look others up by id)',
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
    if (status === MessageStatus.FAILED) {
      if (reason !== undefined) {
        throw new AsesException(
          AsesErrorCode.INVALID_REQUEST,
          'reason goes with status=STALE only',
        );
      }
      return this.status.listFailed(cursor, size);
    }
    if (reason !== undefined && !STALE_REASONS.includes(reason as StaleReason)) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        `reason must be one of ${STALE_REASONS.join(', ')}`,
      );
    }
    return this.status.listStale(cursor, size, reason as StaleReason | undefined);
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
