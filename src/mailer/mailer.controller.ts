import {
  Body,
  Controller,
  Delete,
  Header,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  ApiErrors,
  ApiJsonBodyErrors,
  ApiKeyRoutes,
  BAD_JSON,
  STORE_OR_QUEUE_UNAVAILABLE,
} from '../core/api-errors.decorator';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { assertJsonBody } from '../core/request-body';
import { AcceptedMessageDto, BatchResultDto, SendBatchDto } from './dto/send-batch.dto';
import { LOCAL_MESSAGE_ID, SendMessageDto } from './dto/send-message.dto';
import { BatchItemResult, MailerService } from './mailer.service';

/** `POST /v1/messages` and `POST /v1/messages/batch`: accept mail for sending. */
@ApiTags('messages')
@ApiKeyRoutes()
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class MailerController {
  constructor(private readonly mailer: MailerService) {}

  // Bodies are checked by MailerService, the same code that checks `AsesService.sendmail` calls.
  // The standalone service's request gate has refused non-JSON bodies already; in a host app,
  // whose parsers may have read a form into an object, the controller refuses them itself.
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue one message',
    description:
      'To up to 50 recipients (to, cc and bcc together), with attachments, custom headers, ' +
      'a one-click unsubscribe link, a stored template or a send time (sendAt).',
  })
  @ApiBody({ type: SendMessageDto })
  @ApiAcceptedResponse({ type: AcceptedMessageDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400:
      '`INVALID_MESSAGE` with `errors: [{ field, problems }]`, also for a template that does not ' +
      'render (`field: "template.data"`); `INVALID_REQUEST`: a malformed Idempotency-Key, or one ' +
      `that differs from localMessageId; ${BAD_JSON}`,
    409: '`IDEMPOTENCY_CONFLICT`: localMessageId already used for a different message',
    422:
      '`RECIPIENT_SUPPRESSED` with `suppressed: [{ email, reason, source, since, category? }]` ' +
      '(send with `skipSuppressed: true` to leave them out); `TEMPLATE_NOT_FOUND`',
    503: STORE_OR_QUEUE_UNAVAILABLE,
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      "Alias of the body's localMessageId (same characters). A repeated request replays the " +
      'first answer (header Idempotent-Replayed: true) and sends nothing; a different body is 409.',
  })
  async send(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedMessageDto> {
    assertJsonBody(request);
    const { replayed, ...accepted } = await this.mailer.sendmail(
      withIdempotencyKey(body, idempotencyKey),
    );
    if (replayed) {
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return accepted;
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Queue up to 500 messages',
    description:
      'One answer per message, in order: accepted (its id and status) or refused (its error), ' +
      'a bad message sinking no other. Give each message its own localMessageId to make a ' +
      'repeated batch safe.',
  })
  @ApiBody({ type: SendBatchDto })
  @ApiAcceptedResponse({ type: BatchResultDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400:
      '`INVALID_REQUEST`: not `{ "messages": [ ... ] }` with 1 to 500 messages, or an ' +
      `Idempotency-Key header; ${BAD_JSON}`,
    503: STORE_OR_QUEUE_UNAVAILABLE,
  })
  async sendBatch(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: Request,
  ): Promise<{ results: BatchItemResult[] }> {
    assertJsonBody(request);
    if (idempotencyKey !== undefined) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'Idempotency-Key applies to POST /v1/messages; give each message of a batch its own localMessageId',
      );
    }
    const { messages, ...rest } = (body ?? {}) as { messages?: unknown };
    if (!Array.isArray(messages) || Object.keys(rest).length > 0) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'body must be { "messages": [ ... ] } with 1 to 500 messages and no other field',
      );
    }
    return { results: await this.mailer.sendmailBatch(messages) };
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Send a FAILED message again',
    description:
      'Queued again with its attempts reset, from the job kept when it failed. A message SES ' +
      'refused after accepting it has no job left: 409 NOT_RETRYABLE.',
  })
  @ApiAcceptedResponse({ type: AcceptedMessageDto })
  @ApiErrors({
    404: '`MESSAGE_NOT_FOUND` with `id`',
    409: '`NOT_RETRYABLE` with `id, status`: not FAILED, or failed after SES took it',
    503: `${STORE_OR_QUEUE_UNAVAILABLE} (the message stays FAILED)`,
  })
  retry(@Param('id') id: string): Promise<AcceptedMessageDto> {
    return this.mailer.retry(id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a message not sent yet',
    description:
      'A QUEUED message (scheduled with sendAt or waiting its turn) becomes CANCELED and is never ' +
      'sent. A message being sent right now, or sent already, is 409 NOT_CANCELABLE.',
  })
  @ApiOkResponse({
    type: AcceptedMessageDto,
    description: '`{ id, status: "CANCELED" }`',
  })
  @ApiErrors({
    404: '`MESSAGE_NOT_FOUND` with `id`',
    409: '`NOT_CANCELABLE` with `id, status`: being sent, or sent already',
  })
  cancel(@Param('id') id: string): Promise<AcceptedMessageDto> {
    return this.mailer.cancel(id);
  }
}

/**
 * The body with the Idempotency-Key header as its localMessageId. The two may both be given only
 * when they agree; a malformed key is refused here, under its own name.
 */
function withIdempotencyKey(body: unknown, key: string | undefined): unknown {
  if (key === undefined) {
    return body;
  }
  if (!LOCAL_MESSAGE_ID.test(key)) {
    throw new AsesException(
      AsesErrorCode.INVALID_REQUEST,
      'Idempotency-Key must be 1-128 characters of letters, digits, ".", "_", ":", "@" or "-"',
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return body;
  }
  const given = (body as { localMessageId?: unknown }).localMessageId;
  if (given !== undefined && given !== key) {
    throw new AsesException(
      AsesErrorCode.INVALID_REQUEST,
      'Idempotency-Key and localMessageId differ; give one of them, or the same value in both',
    );
  }
  return { ...body, localMessageId: key };
}
