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
