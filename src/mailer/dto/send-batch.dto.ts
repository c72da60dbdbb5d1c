import { ApiProperty } from '@nestjs/swagger';
import { MessageStatus } from '../../status/message-status';
import { SendMessageDto } from './send-message.dto';

/** `POST /v1/messages/batch` body. */
export class SendBatchDto {
  @ApiProperty({ type: [SendMessageDto], minItems: 1, maxItems: 500 })
  messages!: SendMessageDto[];
}

/** A recipient left out because it is suppressed (`skipSuppressed: true`). */
export class SkippedRecipientDto {
  @ApiProperty({ example: 'gone@example.com' }) email!: string;
  @ApiProperty({ example: 'Permanent bounce (General)' }) reason!: string;
  @ApiProperty({ example: 'bounce', description: 'bounce, complaint, unsubscribe, …' })
  source!: string;
  @ApiProperty({ example: '2026-11-30T10:00:00.000Z' }) since!: string;
  @ApiProperty({ required: false, example: 'marketing', description: 'For an unsubscribe' })
  category?: string;
}

/** A message accepted: its id and status. */
export class AcceptedMessageDto {
  @ApiProperty({ example: '0mabcdefgh1234567890' }) id!: string;
  @ApiProperty({ enum: MessageStatus, example: MessageStatus.QUEUED }) status!: MessageStatus;
  @ApiProperty({
    required: false,
    example: '2026-12-24T08:00:00.000Z',
    description: 'When it is sent, for a message with sendAt',
  })
  scheduledFor?: string;
  @ApiProperty({
    required: false,
    type: [SkippedRecipientDto],
    description: 'Suppressed recipients left out (with skipSuppressed: true)',
  })
  skipped?: SkippedRecipientDto[];
}

class BatchErrorDto {
  @ApiProperty({ example: 'INVALID_MESSAGE' }) code!: string;
  @ApiProperty() message!: string;
}

/** One item of the batch answer: `{ id, status }`, or `{ error }` for a refused message. */
export class BatchItemDto {
  @ApiProperty({ required: false }) id?: string;
  @ApiProperty({ required: false, enum: MessageStatus }) status?: MessageStatus;
  @ApiProperty({ required: false, type: BatchErrorDto }) error?: BatchErrorDto;
}

/** `POST /v1/messages/batch` answer: one result per message, in order. */
export class BatchResultDto {
  @ApiProperty({ type: [BatchItemDto] }) results!: BatchItemDto[];
}
