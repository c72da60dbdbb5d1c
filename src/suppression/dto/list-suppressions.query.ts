import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DEFAULT_SUPPRESSION_PAGE, MAX_SUPPRESSION_PAGE } from '../suppression.service';

/** The query of `GET /v1/suppressions`. */
export class ListSuppressionsQuery {
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_SUPPRESSION_PAGE,
    default: DEFAULT_SUPPRESSION_PAGE,
  })
  @IsOptional()
  @Max(MAX_SUPPRESSION_PAGE)
  @Min(1)
  @IsInt({ message: '$property must be an integer' })
  @Type(() => Number)
  limit?: number;
}
