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
}

class OpensDto {
  @ApiProperty() count!: number;
  @ApiProperty() firstAt!: string;
  @ApiProperty() lastAt!: string;
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
  @ApiPropertyOptional() sesMessageId?: string;
  @ApiPropertyOptional() pushedAt?: string;
  @ApiPropertyOptional() deliveredAt?: string;
  @ApiPropertyOptional() bouncedAt?: string;
  @ApiPropertyOptional({ type: BounceDto }) bounce?: BounceDto;
  @ApiPropertyOptional() complainedAt?: string;
  @ApiPropertyOptional({ type: ComplaintDto }) complaint?: ComplaintDto;
  @ApiPropertyOptional() failedAt?: string;
  @ApiPropertyOptional({ type: SendErrorDto }) error?: SendErrorDto;
  @ApiPropertyOptional({ type: OpensDto }) opens?: OpensDto;
}
