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
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { ListTemplatesQuery } from './dto/list-templates.query';
import { PutTemplateDto } from './dto/put-template.dto';
import { PutTemplateResultDto, TemplateDto, TemplatePageDto } from './dto/template.dto';
import { StoredTemplate, TemplatePage } from './stored-template';
// The generic body check of the suppression routes: refuses unknown fields, one problem per field.
import { checkRequest } from '../core/request-validation';
import {
  DEFAULT_TEMPLATE_PAGE,
  MAX_TEMPLATE_PAGE,
  TemplateService,
  templateNotFound,
} from './template.service';

const NAME_PARAM = {
  name: 'name',
  description: '1-64 of A-Z a-z 0-9 _ . - (not only dots); case-sensitive',
  example: 'welcome',
};
const BAD_REQUEST = '`INVALID_REQUEST` with `errors: [{ field, problems }]`';
const NOT_FOUND = '`TEMPLATE_NOT_FOUND` with `template`';

/** `/v1/templates`: stored Mustache templates that messages name instead of a subject and body. */
@ApiTags('templates')
@ApiKeyRoutes()
@Controller('v1/templates')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class TemplatesController {
  constructor(private readonly templates: TemplateService) {}

  @Get()
  @ApiOperation({ summary: 'List the templates (names and update times), in name order' })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    description: `1..${MAX_TEMPLATE_PAGE}, default ${DEFAULT_TEMPLATE_PAGE}`,
  })
  @ApiOkResponse({ type: TemplatePageDto })
  @ApiErrors({ 400: `${BAD_REQUEST}: a bad cursor or limit` })
  list(@Query() query: unknown): Promise<TemplatePage> {
    const { cursor, limit } = checkRequest(ListTemplatesQuery, query, 'query');
    return this.templates.list(cursor, limit);
  }

  @Get(':name')
  @ApiOperation({ summary: 'Read a template' })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: TemplateDto })
  @ApiErrors({ 400: `${BAD_REQUEST}: a name no template can have`, 404: NOT_FOUND })
  get(@Param('name') name: string): Promise<StoredTemplate> {
    return this.templates.get(name);
  }

  @Put(':name')
  @ApiOperation({
    summary: 'Create or replace a template',
    description:
      'Each part is a Mustache template, parsed now: a syntax error is refused with its field ' +
      'and position. Partials are not supported. Sending `template: { name, data }` in a message ' +
      'renders it: `{{x}}` is HTML-escaped in html only, and every variable needs a value.',
  })
  @ApiParam(NAME_PARAM)
  @ApiBody({
    type: PutTemplateDto,
    examples: {
      welcome: {
        value: {
          subject: 'Welcome, {{firstName}}!',
          html: '<p>Hello {{firstName}},</p>{{#items}}<p>{{name}}</p>{{/items}}',
          text: 'Hello {{firstName}},\n{{#items}}- {{name}}\n{{/items}}',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: PutTemplateResultDto, description: 'Created (`created: true`)' })
  @ApiOkResponse({
    type: PutTemplateResultDto,
    description: 'Replaced whole: a part left out is removed (`created: false`)',
  })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400:
      `${BAD_REQUEST}: a bad name or body, e.g. "html: Unclosed tag at 12 (line 1, column 13)"; ` +
      BAD_JSON,
  })
  async put(
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StoredTemplate & { created: boolean }> {
    const { created, template } = await this.templates.put(name, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { ...template, created };
  }

  @Delete(':name')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a template' })
  @ApiParam(NAME_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 400: `${BAD_REQUEST}: a name no template can have`, 404: NOT_FOUND })
  async remove(@Param('name') name: string): Promise<void> {
    if (!(await this.templates.remove(name))) {
      throw templateNotFound(name);
    }
  }
}
