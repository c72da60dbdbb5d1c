import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiJsonBodyErrors, ApiKeyRoutes, BAD_JSON } from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { checkRequest } from '../core/request-validation';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook-input.dto';
import {
  ListAttemptsQuery,
  WebhookAttemptDto,
  WebhookDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhookAttempt, WebhookView } from './stored-webhook';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhooksService, WebhookWithSecret } from './webhooks.service';

const BAD_REQUEST = '`INVALID_REQUEST` with `errors: [{ field, problems }]`';
const NOT_FOUND = '`WEBHOOK_NOT_FOUND` with `id`';
const FROM_ENV = '`WEBHOOK_CONFLICT`: the endpoint `env` comes from WEBHOOK_URL';

/** `/v1/webhooks`: endpoints that get ases's events, signed as Standard Webhooks specifies. */
@ApiTags('webhooks')
@ApiKeyRoutes()
@Controller('v1/webhooks')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Add an endpoint',
    description: 'Answers with its secret, shown this once. At most 50 endpoints.',
  })
  @ApiBody({ type: CreateWebhookDto })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: `${BAD_REQUEST}; ${BAD_JSON}`,
    409: '`WEBHOOK_CONFLICT`: 50 endpoints already',
  })
  create(@Body() body: unknown): Promise<WebhookWithSecret> {
    return this.webhooks.create(checkRequest(CreateWebhookDto, body, 'body'));
  }

  @Get()
  @ApiOperation({ summary: 'List the endpoints' })
  @ApiOkResponse({ type: WebhookDto, isArray: true })
  async list(): Promise<{ webhooks: WebhookView[] }> {
    return { webhooks: await this.webhooks.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors({ 404: NOT_FOUND })
  get(@Param('id') id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, description, or enabled' })
  @ApiBody({ type: UpdateWebhookDto })
  @ApiOkResponse({ type: WebhookDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: `${BAD_REQUEST}, or none of the fields; ${BAD_JSON}`,
    404: NOT_FOUND,
    409: FROM_ENV,
  })
  update(@Param('id') id: string, @Body() body: unknown): Promise<WebhookView> {
    const input = checkRequest(UpdateWebhookDto, body, 'body');
    if (Object.values(input).every((value) => value === undefined)) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'invalid body: give at least one of url, events, description, enabled',
      );
    }
    return this.webhooks.update(id, input);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete an endpoint; its pending deliveries are dropped' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: NOT_FOUND, 409: FROM_ENV })
  remove(@Param('id') id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({
    summary: 'Make a new secret',
    description: 'The secret before keeps signing beside the new one (space-separated) for 24 h.',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @ApiErrors({ 404: NOT_FOUND, 409: FROM_ENV })
  rotate(@Param('id') id: string): Promise<WebhookWithSecret> {
    return this.webhooks.rotateSecret(id);
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Post a `webhook.test` event now',
    description: 'One attempt, no retry; answers with what came of it (also in the deliveries).',
  })
  @ApiOkResponse({ type: WebhookAttemptDto })
  @ApiErrors({ 404: NOT_FOUND })
  test(@Param('id') id: string): Promise<WebhookAttempt> {
    return this.dispatcher.test(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's last attempts (at most 100), newest first" })
  @ApiOkResponse({ type: WebhookAttemptDto, isArray: true })
  @ApiErrors({ 400: `${BAD_REQUEST}: a bad limit`, 404: NOT_FOUND })
  async deliveries(
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<{ deliveries: WebhookAttempt[] }> {
    const { limit } = checkRequest(ListAttemptsQuery, query, 'query');
    return { deliveries: await this.webhooks.attempts(id, limit ?? 50) };
  }
}
