import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors, ApiKeyRoutes } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { InjectAsesOptions } from '../core/ases.tokens';
import {
  FailedMessagesDto,
  MessageStatusDto,
  SearchMessagesDto,
  StaleMessagesDto,
} from './dto/message-status.dto';
import { MessageRecord } from './message-record';
import {
  DEFAULT_PAGE,
  MAX_PAGE,
  MAX_SEARCH_TERMS,
  parseMessageListing,
  SEARCHABLE_STATUSES,
  SearchPage,
  STALE,
} from './message-query';
import { STALE_REASONS, StalePage } from './stale-rules';
import { FailedPage } from './status.repository';
import { StatusService } from './status.service';

/**
 * `GET /v1/messages/:id`: a message's status by ases id or SES message id;
 * `GET /v1/messages?status=&to=&tag=&since=&until=`: a search, newest queued first, a page at a
 * time (`status=FAILED` alone and `status=STALE` are the failed and stale listings).
 */
@ApiTags('messages')
@ApiKeyRoutes()
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class StatusController {
  constructor(
    private readonly status: StatusService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Search messages, or list the failed or stale ones',
    description:
      'Every filter given must hold. Newest queued first (status=FAILED alone: newest failure ' +
      'first; status=STALE: newest stale first). A page reads a bounded part of the index and ' +
      'of the records: a sparse search over weeks may answer several pages, some of them empty, ' +
      'each with a nextCursor; narrowing since and until makes it faster.',
  })
  @ApiQuery({
    name: 'status',
    enum: [...SEARCHABLE_STATUSES, STALE],
    required: false,
    description:
      "the message's status now; FAILED with no other filter is the failed listing, STALE the " +
      'stale listing (both as before: no to, tag, since or until)',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    isArray: true,
    type: String,
    description: `a recipient (to, cc or bcc), case-insensitive; repeat for each (at most ${MAX_SEARCH_TERMS}), all must be recipients. Not with statusDetail lean`,
  })
  @ApiQuery({
    name: 'tag',
    required: false,
    isArray: true,
    type: String,
    description: `name:value (the name ends at the first ":"), exact; repeat for each (at most ${MAX_SEARCH_TERMS}), all must be tags of the message. Not with statusDetail lean`,
  })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'queued at or after this RFC 3339 time with its zone (default: the retention)',
    example: '2026-12-01T08:00:00Z',
  })
  @ApiQuery({
    name: 'until',
    required: false,
    description: 'queued before this RFC 3339 time with its zone (default: now)',
    example: '2026-12-01T09:00:00Z',
  })
  @ApiQuery({
    name: 'reason',
    enum: STALE_REASONS,
    required: false,
    description: 'status=STALE only: the messages stale for this reason (default both)',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `1-${MAX_PAGE}, default ${DEFAULT_PAGE}`,
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'nextCursor of the previous page (of the same search)',
  })
  @ApiExtraModels(FailedMessagesDto, StaleMessagesDto, SearchMessagesDto)
  @ApiOkResponse({
    description:
      'a search: newest queued first; status=FAILED alone: newest failure first; ' +
      'status=STALE: newest stale first',
    schema: {
      oneOf: [SearchMessagesDto, FailedMessagesDto, StaleMessagesDto].map((dto) => ({
        $ref: getSchemaPath(dto),
      })),
    },
  })
  @ApiErrors({ 400: '`INVALID_REQUEST`, its message naming the parameter at fault' })
  list(@Query() query: Record<string, unknown>): Promise<SearchPage | FailedPage | StalePage> {
    return this.status.list(parseMessageListing(query, this.options.statusDetail));
  }

  @Get(':id')
  @ApiOperation({
    summary: "Read a message's status",
    description: 'By the id ases answered when it took the message, or by its SES message id.',
  })
  @ApiOkResponse({ type: MessageStatusDto })
  @ApiErrors({ 404: '`MESSAGE_NOT_FOUND` with `id` and `status: "UNKNOWN"`' })
  getStatus(@Param('id') id: string): Promise<MessageRecord> {
    return this.status.getStatus(id);
  }
}
