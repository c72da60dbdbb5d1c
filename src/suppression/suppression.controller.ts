import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors, ApiJsonBodyErrors, ApiKeyRoutes, BAD_JSON } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { ListSuppressionsQuery } from './dto/list-suppressions.query';
import { PutSuppressionDto } from './dto/put-suppression.dto';
import { RemoveSuppressionQuery } from './dto/remove-suppression.query';
import {
  SuppressionDetailDto,
  SuppressionEntryDto,
  SuppressionPageDto,
} from './dto/suppression-entry.dto';
import {
  AddressSuppressions,
  CategoryUnsubscribe,
  SuppressionEntry,
  SuppressionPage,
} from './suppression-entry';
import { checkRequest } from '../core/request-validation';
import { SuppressionService } from './suppression.service';

const EMAIL_PARAM = {
  name: 'email',
  description:
    'The address, URL-encoded (`user%40example.com`); its domain is compared case-insensitively',
  example: 'user@example.com',
};
const BAD_REQUEST = '`INVALID_REQUEST` with `errors: [{ field, problems }]`';

/** `/v1/suppressions`: read and edit the suppression list. */
@ApiTags('suppressions')
@ApiKeyRoutes()
@Controller('v1/suppressions')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class SuppressionController {
  constructor(private readonly suppressions: SuppressionService) {}

  @Get()
  @ApiOperation({
    summary: 'List the suppressed addresses, a page at a time',
    description: 'Entries for all mail and unsubscribes from a category, each as its own item.',
  })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..1000, default 100' })
  @ApiOkResponse({ type: SuppressionPageDto })
  @ApiErrors({ 400: `${BAD_REQUEST}: a bad cursor or limit` })
  list(@Query() query: unknown): Promise<SuppressionPage> {
    const { cursor, limit } = checkRequest(ListSuppressionsQuery, query, 'query');
    return this.suppressions.list(cursor, limit);
  }

  // Before `:email`, which would take `count` for an address.
  @Get('count')
  @ApiOperation({ summary: 'Count the suppression list' })
  @ApiOkResponse({
    description:
      '`{ count }`: how many items the list holds (entries for all mail and category ' +
      'unsubscribes, as GET /v1/suppressions pages them)',
  })
  async count(): Promise<{ count: number }> {
    return { count: await this.suppressions.count() };
  }

  @Get(':email')
  @ApiOperation({
    summary: "Read an address's suppression and category unsubscribes",
  })
  @ApiParam(EMAIL_PARAM)
  @ApiOkResponse({ type: SuppressionDetailDto })
  @ApiErrors({
    400: `${BAD_REQUEST}: not an email address`,
    404: '`SUPPRESSION_NOT_FOUND` with `email`: neither suppressed nor unsubscribed from anything',
  })
  async find(@Param('email') email: string): Promise<SuppressionDetail> {
    const found = await this.suppressions.findAll(email);
    if (!found) {
      throw notFound(email);
    }
    return detailOf(found);
  }

  @Put(':email')
  @ApiOperation({
    summary: 'Suppress an address, or unsubscribe it from a category',
    description: 'With `category`, only mail of that category is held back from it.',
  })
  @ApiParam(EMAIL_PARAM)
  @ApiBody({ type: PutSuppressionDto })
  @ApiCreatedResponse({ type: SuppressionEntryDto, description: 'Added to the list' })
  @ApiOkResponse({
    type: SuppressionEntryDto,
    description:
      'Was on the list: its entry is replaced (reason, source manual, since now); with `category`, ' +
      'its unsubscribe from that category is (source unsubscribe)',
  })
  @ApiJsonBodyErrors()
  @ApiErrors({ 400: `${BAD_REQUEST}: not an email address, or a bad body; ${BAD_JSON}` })
  async put(
    @Param('email') email: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SuppressionEntry> {
    const { reason, category } = checkRequest(PutSuppressionDto, body, 'body');
    const { created, entry } = await this.suppressions.suppress(
      category === undefined
        ? { email, reason, source: 'manual' }
        : { email, reason, source: 'unsubscribe', category, replace: true },
    );
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return entry;
  }

  @Delete(':email')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Take an address off the list, or off one category' })
  @ApiParam(EMAIL_PARAM)
  @ApiQuery({
    name: 'category',
    required: false,
    type: String,
    description: 'Remove only the unsubscribe from this category',
  })
  @ApiNoContentResponse({
    description:
      'Taken off the list: the entry and every unsubscribe, or only the unsubscribe of `category`',
  })
  @ApiErrors({
    400: `${BAD_REQUEST}: not an email address, or a bad category`,
    404:
      '`SUPPRESSION_NOT_FOUND` with `email` (and `category`): not on the list, or not ' +
      'unsubscribed from `category`',
  })
  async remove(@Param('email') email: string, @Query() query: unknown): Promise<void> {
    const { category } = checkRequest(RemoveSuppressionQuery, query, 'query');
    if (!(await this.suppressions.remove(email, category))) {
      throw notFound(email, category);
    }
  }
}

/** The answer of `GET /v1/suppressions/:email` (see {@link SuppressionDetailDto}). */
type SuppressionDetail = Partial<SuppressionEntry> & {
  email: string;
  unsubscribes?: CategoryUnsubscribe[];
};

// The entry's own fields at the top, as before unsubscribes existed, so a client that reads
// `source` or `reason` keeps working; `unsubscribes` only when there are some.
function detailOf(found: AddressSuppressions): SuppressionDetail {
  const detail: SuppressionDetail = found.entry ? { ...found.entry } : { email: found.email };
  if (found.unsubscribes.length > 0) {
    detail.unsubscribes = found.unsubscribes;
  }
  return detail;
}

function notFound(email: string, category?: string): AsesException {
  return category === undefined
    ? new AsesException(
        AsesErrorCode.SUPPRESSION_NOT_FOUND,
        `${email} is not on the suppression list`,
        { email },
      )
    : new AsesException(
        AsesErrorCode.SUPPRESSION_NOT_FOUND,
        `${email} has not unsubscribed from ${category} mail`,
        { email, category },
      );
}
