import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { MAIL_CATEGORY_PATTERN } from '../suppression-entry';

/** The query of `DELETE /v1/suppressions/:email`. */
export class RemoveSuppressionQuery {
  @ApiPropertyOptional({
    example: 'marketing',
    pattern: MAIL_CATEGORY_PATTERN.source,
    description:
      'Remove only the unsubscribe from this category; without it, the entry and every unsubscribe go',
  })
  @IsOptional()
  @Matches(MAIL_CATEGORY_PATTERN, { message: '$property must be 1 to 64 of a-z 0-9 _ . -' })
  @IsString()
  category?: string;
}
