import { ApiProperty } from '@nestjs/swagger';
import { MessageStatus } from '../../status/message-status';
import { SendMessageDto } from './send-message.dto';

/** `POST /v1/messages/batch` body. */
export class SendBatchDto {
  @ApiProperty({ type: [SendMessageDto], minItems: 1, maxItems: 500 })
  messages!: SendMessageDto[];
}

/** A message accepted: its id and status. */
export class AcceptedMessageDto {
  @ApiProperty({ example: '3f1c2d9e-8a4b-4f7e-9c51-0d2b6a7e9f10' }) id!: string;
  @ApiProperty({ enum: MessageStatus, example: MessageStatus.QUEUED }) status!: MessageStatus;
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
