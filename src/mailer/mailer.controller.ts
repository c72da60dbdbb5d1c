import {
  Body,
  Controller,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard } from '../core/api-key.guard';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { AcceptedMessageDto, BatchResultDto, SendBatchDto } from './dto/send-batch.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { BatchItemResult, MailerService } from './mailer.service';

/** `POST /v1/messages` and `POST /v1/messages/batch`: accept mail for sending. */
@ApiTags('messages')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong API key' })
@Controller('v1/messages')
@UseGuards(ApiKeyGuard)
@UseFilters(AsesExceptionFilter)
export class MailerController {
  constructor(private readonly mailer: MailerService) {}

  // Bodies are checked by MailerService, the same code that checks `AsesService.sendmail` calls.
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBody({ type: SendMessageDto })
  @ApiAcceptedResponse({ type: AcceptedMessageDto })
  @ApiBadRequestResponse({
    description: '`{ statusCode, code: "INVALID_MESSAGE", message, errors }`',
  })
  @ApiConflictResponse({ description: 'localMessageId already used for a different message' })
  async send(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AcceptedMessageDto> {
    const { id, status, replayed } = await this.mailer.sendmail(body);
    if (replayed) {
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return { id, status };
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @Header('Cache-Control', 'no-store')
  @ApiBody({ type: SendBatchDto })
  @ApiAcceptedResponse({ type: BatchResultDto })
  async sendBatch(@Body() body: unknown): Promise<{ results: BatchItemResult[] }> {
    const { messages, ...rest } = (body ?? {}) as { messages?: unknown };
    if (!Array.isArray(messages) || Object.keys(rest).length > 0) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'body must be { "messages": [ ... ] } with 1 to 500 messages and no other field',
      );
    }
    return { results: await this.mailer.sendmailBatch(messages) };
  }
}
