import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../../core/unsafe-text';

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
}
