import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** Longest reason an operator may give, in characters. */
export const MAX_REASON_LENGTH = 500;

// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

/**
 * The body of `PUT /v1/suppressions/:email`. class-validator runs a property's decorators from the
 * bottom up and stops at the first failure, so the type check is last.
 */
export class PutSuppressionDto {
  @ApiProperty({ example: 'asked to stop by phone', minLength: 1, maxLength: MAX_REASON_LENGTH })
  @MaxLength(MAX_REASON_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @Matches(NO_CONTROL_CHARACTERS, {
    message: '$property must not contain line breaks or other control characters',
  })
  @IsString()
  reason!: string;
}
