import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DEFAULT_TEMPLATE_PAGE, MAX_TEMPLATE_PAGE } from '../template.service';

/** The query of `GET /v1/templates`. */
export class ListTemplatesQuery {
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TEMPLATE_PAGE,
    default: DEFAULT_TEMPLATE_PAGE,
  })
  @IsOptional()
  @Max(MAX_TEMPLATE_PAGE)
  @Min(1)
  @IsInt({ message: '$property must be an integer' })
  @Type(() => Number)
  limit?: number;
}
