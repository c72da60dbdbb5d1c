import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SUPPRESSION_SOURCES, SuppressionSource } from '../suppression-entry';

/** An entry of the suppression list (OpenAPI description of `SuppressionEntry`). */
export class SuppressionEntryDto {
  @ApiProperty({
    example: 'User@example.com',
    description: 'The address as keyed: domain lower-cased, local part as written',
  })
  email!: string;

  @ApiProperty({ example: 'smtp; 550 5.1.1 user unknown' })
  reason!: string;

  @ApiProperty({ example: '2025-01-31T12:00:00.000Z', description: 'When it went on the list' })
  since!: string;

  @ApiPropertyOptional({ description: 'The ases id of the message whose feedback suppressed it' })
  messageId?: string;

  @ApiProperty({ enum: SUPPRESSION_SOURCES })
  source!: SuppressionSource;

  @ApiPropertyOptional({
    example: 'marketing',
    description: 'Only for source `unsubscribe`: the category of mail the address no longer gets',
  })
  category?: string;
}

/** One category an address unsubscribed from. */
export class CategoryUnsubscribeDto {
  @ApiProperty({ example: 'marketing' })
  category!: string;

  @ApiProperty({ example: 'one-click unsubscribe from marketing mail' })
  reason!: string;

  @ApiProperty({ example: '2025-01-31T12:00:00.000Z' })
  since!: string;

  @ApiPropertyOptional({ description: 'The ases id of the message whose unsubscribe link it used' })
  messageId?: string;
}

/**
 * The answer of `GET /v1/suppressions/:email`: the entry that stops all mail to the address (its
 * fields, when there is one), and the categories it unsubscribed from (when there are any).
 */
export class SuppressionDetailDto {
  @ApiProperty({ example: 'User@example.com' })
  email!: string;

  @ApiPropertyOptional({ description: 'Present when the address gets no mail at all' })
  reason?: string;

  @ApiPropertyOptional({ description: 'Present when the address gets no mail at all' })
  since?: string;

  @ApiPropertyOptional()
  messageId?: string;

  @ApiPropertyOptional({
    enum: SUPPRESSION_SOURCES.filter((source) => source !== 'unsubscribe'),
    description: 'Present when the address gets no mail at all',
  })
  source?: SuppressionSource;

  @ApiPropertyOptional({
    type: [CategoryUnsubscribeDto],
    description: 'The categories the address unsubscribed from; absent when none',
  })
  unsubscribes?: CategoryUnsubscribeDto[];
}

/** The answer of `GET /v1/suppressions`. */
export class SuppressionPageDto {
  @ApiProperty({ type: [SuppressionEntryDto] })
  items!: SuppressionEntryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}
