import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A stored template (OpenAPI description of `StoredTemplate`). */
export class TemplateDto {
  @ApiProperty({ example: 'welcome', description: '1-64 of A-Z a-z 0-9 _ . - (case-sensitive)' })
  name!: string;

  @ApiProperty({ example: 'Welcome, {{firstName}}!' })
  subject!: string;

  @ApiPropertyOptional({ example: '<p>Hello {{firstName}}</p>' })
  html?: string;

  @ApiPropertyOptional({ example: 'Hello {{firstName}}' })
  text?: string;

  @ApiProperty({ example: '2025-01-31T12:00:00.000Z', description: 'When it was last put' })
  updatedAt!: string;
}

/** The answer of `PUT /v1/templates/:name`. */
export class PutTemplateResultDto extends TemplateDto {
  @ApiProperty({ description: 'Whether this request created the template (else it replaced it)' })
  created!: boolean;
}

/** A template in the answer of `GET /v1/templates`. */
export class TemplateSummaryDto {
  @ApiProperty({ example: 'welcome' })
  name!: string;

  @ApiProperty({ example: '2025-01-31T12:00:00.000Z' })
  updatedAt!: string;
}

/** The answer of `GET /v1/templates`. */
export class TemplatePageDto {
  @ApiProperty({ type: [TemplateSummaryDto], description: 'In name order (byte order)' })
  items!: TemplateSummaryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}
