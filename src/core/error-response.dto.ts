import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AsesErrorCode } from './ases.exception';

/** One field of a refused request and what is wrong with it. */
export class FieldProblemDto {
  @ApiProperty({ example: 'to' })
  field!: string;

  @ApiProperty({ type: [String], example: ['to must be an email address'] })
  problems!: string[];
}

/**
 * The body of every error ases's own routes answer (see AsesExceptionFilter). Some codes add
 * fields of their own, named in each answer's description (`id`, `status`, `suppressed`, …).
 */
export class ErrorResponseDto {
  @ApiProperty({ description: 'The HTTP status, repeated', example: 400 })
  statusCode!: number;

  @ApiProperty({
    enum: AsesErrorCode,
    enumName: 'AsesErrorCode',
    description: 'What went wrong, for a program to act on',
    example: AsesErrorCode.INVALID_REQUEST,
  })
  code!: AsesErrorCode;

  @ApiProperty({ description: 'What went wrong, for a person to read' })
  message!: string;

  @ApiPropertyOptional({
    type: [FieldProblemDto],
    description: 'INVALID_MESSAGE and INVALID_REQUEST of a body or query: each field at fault',
  })
  errors?: FieldProblemDto[];
}
