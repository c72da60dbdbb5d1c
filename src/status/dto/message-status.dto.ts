import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MessageStatus } from '../message-status';

class BounceDto {
  @ApiProperty({ example: 'Permanent' }) type!: string;
  @ApiProperty({ example: 'General' }) subType!: string;
  @ApiPropertyOptional({ example: 'smtp; 550 5.1.1 user unknown' }) diagnosticCode?: string;
  @ApiPropertyOptional({ example: '5.1.1' }) status?: string;
}

class ComplaintDto {
  @ApiPropertyOptional({ example: 'abuse' }) feedbackType?: string;
  @ApiPropertyOptional({ example: 'OnAccountSuppressionList' }) subType?: string;
}

class DelayDto {
  @ApiProperty({ example: 'MailboxFull' }) type!: string;
  @ApiPropertyOptional() expiresAt?: string;
  @ApiPropertyOptional({ example: '4.2.2' }) status?: string;
  @ApiPropertyOptional() diagnosticCode?: string;
}

class BySourceDto {
  @ApiPropertyOptional({ description: "ases's own pixel" }) ases?: number;
  @ApiPropertyOptional({ description: "SES's open and click tracking" }) ses?: number;
}

class TrackingCounterDto {
  @ApiProperty() count!: number;
  @ApiProperty() firstAt!: string;
  @ApiProperty() lastAt!: string;
  @ApiProperty({ type: BySourceDto }) bySource!: BySourceDto;
}

class TimelineEventDto {
  @ApiProperty({
    example: 'bounce',
    description:
      'queued, pushed, failed, suppressed (ases) or send, reject, rendering-failure, ' +
      'delivery-delay, delivery, bounce, auto-reply, complaint, open, click, subscription (SES)',
  })
  type!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional() recipient?: string;
  @ApiPropertyOptional({ maxLength: 200 }) detail?: string;
  @ApiPropertyOptional({ enum: ['ases', 'ses'] }) source?: string;
}

class SendErrorDto {
  @ApiProperty({ example: 'MessageRejected' }) code!: string;
  @ApiProperty() message!: string;
}

/** The answer of `GET /v1/messages/:id` (OpenAPI description of `MessageRecord`). */
export class MessageStatusDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: MessageStatus }) status!: MessageStatus;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() subject!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  tags?: Record<string, string>;
  @ApiProperty() queuedAt!: string;
  @ApiPropertyOptional({ description: 'Sends tried so far; a retry of a FAILED message resets it' })
  attempts?: number;
  @ApiPropertyOptional() sesMessageId?: string;
  @ApiPropertyOptional() pushedAt?: string;
  @ApiPropertyOptional() delayedAt?: string;
  @ApiPropertyOptional({ type: DelayDto }) delay?: DelayDto;
  @ApiPropertyOptional() deliveredAt?: string;
  @ApiPropertyOptional() bouncedAt?: string;
  @ApiPropertyOptional({ type: BounceDto }) bounce?: BounceDto;
  @ApiPropertyOptional() complainedAt?: string;
  @ApiPropertyOptional({ type: ComplaintDto }) complaint?: ComplaintDto;
  @ApiPropertyOptional() failedAt?: string;
  @ApiPropertyOptional() suppressedAt?: string;
  @ApiPropertyOptional({ type: SendErrorDto }) error?: SendErrorDto;
  @ApiPropertyOptional({ type: TrackingCounterDto }) opens?: TrackingCounterDto;
  @ApiPropertyOptional({ type: TrackingCounterDto }) clicks?: TrackingCounterDto;
  @ApiPropertyOptional({
    type: [TimelineEventDto],
    description: 'the latest 50 events, oldest first',
  })
  events?: TimelineEventDto[];
}

/** A page of `GET /v1/messages?status=FAILED`. */
export class FailedMessagesDto {
  @ApiProperty({ type: [MessageStatusDto], description: 'Newest failure first, without timelines' })
  messages!: MessageStatusDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last' })
  nextCursor?: string;
}
