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
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { ListSuppressionsQuery } from './dto/list-suppressions.query';
import { PutSuppressionDto } from './dto/put-suppression.dto';
import { SuppressionEntryDto, SuppressionPageDto } from './dto/suppression-entry.dto';
import { SuppressionEntry, SuppressionPage } from './suppression-entry';
import { checkRequest } from './suppression-request.validator';
import { SuppressionService } from './suppression.service';

const EMAIL_PARAM = {
  name: 'email',
  description:
    'The address, URL-encoded (`user%40example.com`); its domain is compared case-insensitively',
  example: 'user@example.com',
};
const BAD_REQUEST = '`{ statusCode: 400, code: "INVALID_REQUEST", message, errors: [{ field }] }`';

/** `/v1/suppressions`: read and edit the suppression list. */
@ApiTags('suppressions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong API key' })
@Controller('v1/suppressions')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class SuppressionController {
  constructor(private readonly suppressions: SuppressionService) {}

  @Get()
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..1000, default 100' })
  @ApiOkResponse({ type: SuppressionPageDto })
  @ApiBadRequestResponse({ description: `${BAD_REQUEST}: a bad cursor or limit` })
  list(@Query() query: unknown): Promise<SuppressionPage> {
    const { cursor, limit } = checkRequest(ListSuppressionsQuery, query, 'query');
    return this.suppressions.list(cursor, limit);
  }

  @Get(':email')
  @ApiParam(EMAIL_PARAM)
  @ApiOkResponse({ type: SuppressionEntryDto })
  @ApiBadRequestResponse({ description: `${BAD_REQUEST}: not an email address` })
  @ApiNotFoundResponse({ description: '`{ statusCode: 404, code: "SUPPRESSION_NOT_FOUND" }`' })
  async find(@Param('email') email: string): Promise<SuppressionEntry> {
    const entry = await this.suppressions.find(email);
    if (!entry) {
      throw notFound(email);
    }
    return entry;
  }

  @Put(':email')
  @ApiParam(EMAIL_PARAM)
  @ApiBody({ type: PutSuppressionDto })
  @ApiCreatedResponse({ type: SuppressionEntryDto, description: 'Added to the list' })
  @ApiOkResponse({
    type: SuppressionEntryDto,
    description: 'Was on the list: its entry is replaced (reason, source manual, since now)',
  })
  @ApiBadRequestResponse({ description: `${BAD_REQUEST}: not an email address, or a bad body` })
  async put(
    @Param('email') email: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SuppressionEntry> {
    const { reason } = checkRequest(PutSuppressionDto, body, 'body');
    const { created, entry } = await this.suppressions.suppress({
      email,
      reason,
      source: 'manual',
    });
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return entry;
  }

  @Delete(':email')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiParam(EMAIL_PARAM)
  @ApiNoContentResponse({ description: 'Taken off the list' })
  @ApiBadRequestResponse({ description: `${BAD_REQUEST}: not an email address` })
  @ApiNotFoundResponse({ description: 'Not on the list: `code: "SUPPRESSION_NOT_FOUND"`' })
  async remove(@Param('email') email: string): Promise<void> {
    if (!(await this.suppressions.remove(email))) {
      throw notFound(email);
    }
  }
}

function notFound(email: string): AsesException {
  return new AsesException(
    AsesErrorCode.SUPPRESSION_NOT_FOUND,
    `${email} is not on the suppression list`,
    { email },
  );
}
