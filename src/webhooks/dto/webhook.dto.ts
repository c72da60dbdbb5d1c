import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import { KEPT_ATTEMPTS } from '../webhook.repository';

/** An endpoint as the API shows it (never its secret). */
export class WebhookDto {
  @ApiProperty({ example: 'wh_9mQk3V0cTz1nL5aY' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: 'Absent: all' })
  events?: string[];

  @ApiPropertyOptional()
  description?: string;

  @ApiProperty()
  enabled!: boolean;

  @ApiPropertyOptional({ enum: ['gone', 'failing', 'manual'] })
  disabledReason?: string;

  @ApiPropertyOptional()
  disabledAt?: string;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  @ApiPropertyOptional({ enum: ['env'], description: 'Set by WEBHOOK_URL' })
  source?: string;
}

/** A new endpoint or a rotated secret: the secret is shown this once. */
export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    description: 'Standard Webhooks secret (`whsec_` + base64): verify `webhook-signature` with it',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

/** One delivery attempt. */
export class WebhookAttemptDto {
  @ApiProperty({ description: "The event's webhook-id: the same for every attempt of one event" })
  webhookId!: string;

  @ApiProperty({ example: 'message.delivered' })
  type!: string;

  @ApiProperty({ description: '1 for the first attempt' })
  attempt!: number;

  @ApiProperty()
  at!: string;

  @ApiProperty({
    enum: ['delivered', 'retrying', 'failed', 'gone', 'test-delivered', 'test-failed'],
  })
  outcome!: string;

  @ApiPropertyOptional({ description: 'HTTP status of the answer' })
  status?: number;

  @ApiProperty()
  latencyMs!: number;

  @ApiPropertyOptional({
    description: 'Network error, timeout, refused address, or the start of the answer',
  })
  error?: string;

  @ApiPropertyOptional()
  nextAttemptAt?: string;
}

/** The query of `GET /v1/webhooks/:id/deliveries`. */
export class ListAttemptsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: KEPT_ATTEMPTS, default: 50 })
  @IsOptional()
  @Max(KEPT_ATTEMPTS)
  @Min(1)
  @IsInt({ message: '$property must be an integer' })
  @Type(() => Number)
  limit?: number;
}
