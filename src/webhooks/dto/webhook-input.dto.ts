import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { NoControlCharacters } from '../../core/text-rules.decorators';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import { MAX_WEBHOOK_URL_LENGTH } from '../webhook-target';

const EVENTS_DESCRIPTION = 'The event types it gets; absent: all of them';
const MAX_DESCRIPTION = 500;

/** `POST /v1/webhooks`. */
export class CreateWebhookDto {
  @ApiProperty({
    description:
      'http(s) URL ases posts events to; loopback and private addresses are refused unless ' +
      'WEBHOOK_ALLOW_PRIVATE=true (checked again on every delivery, after DNS resolution)',
    example: 'https://hooks.example.com/ases',
    maxLength: MAX_WEBHOOK_URL_LENGTH,
  })
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url!: string;

  @ApiPropertyOptional({
    description: EVENTS_DESCRIPTION,
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2)
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each of $property must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  events?: string[];

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION)
  @NoControlCharacters()
  description?: string;
}

/** `PATCH /v1/webhooks/:id`: any of these. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto) {
  @ApiPropertyOptional({
    description: 'false stops deliveries; true starts them again and forgets past failures',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
