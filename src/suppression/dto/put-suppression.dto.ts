import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../../core/unsafe-text';
import { MAIL_CATEGORY_PATTERN } from '../suppression-entry';

/** Longest reason an operator may give, in characters. */
export const MAX_REASON_LENGTH = 500;

/**
 * The body of `PUT /v1/suppressions/:email`. class-validator runs a property's decorators from the
 * bottom up and stops at the first failure, so the type check is last.
 */
export class PutSuppressionDto {
  @ApiProperty({ example: 'asked to stop by phone', minLength: 1, maxLength: MAX_REASON_LENGTH })
  @MaxLength(MAX_REASON_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @ValidateBy({
    name: 'plainText',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'string' || (!CONTROL_CHARACTER.test(value) && !hasLoneSurrogate(value)),
      defaultMessage: () =>
        '$property must not contain line breaks, other control characters or lone surrogates',
    },
  })
  @IsString()
  reason!: string;

  @ApiPropertyOptional({
    example: 'marketing',
    pattern: MAIL_CATEGORY_PATTERN.source,
    description:
      'Record an unsubscribe from this category of mail only (source `unsubscribe`), as if the ' +
      'address had used an unsubscribe link; without it, the address gets no mail at all',
  })
  @IsOptional()
  @Matches(MAIL_CATEGORY_PATTERN, { message: '$property must be 1 to 64 of a-z 0-9 _ . -' })
  @IsString()
  category?: string;
}
