import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TEMPLATE_NAME } from '../../templates/template-name';
import { MAX_TEMPLATE_DATA_BYTES } from '../template-rules';

/**
 * A stored template to render the subject and bodies from, with the values of its placeholders.
 * Checked as a whole by `templateRefProblem` (template-rules.ts).
 */
export class TemplateRefDto {
  @ApiProperty({
    example: 'welcome',
    pattern: TEMPLATE_NAME.source,
    description: 'Name of a stored template: 1-64 of A-Z a-z 0-9 _ . -, not only dots',
  })
  name!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { firstName: 'Jane', order: { id: 'A-1001', total: '42.00 EUR' } },
    description:
      `Values for the template's placeholders: a JSON object, at most ${MAX_TEMPLATE_DATA_BYTES} ` +
      'bytes as JSON (no nulls: leave a key out instead)',
  })
  data?: Record<string, unknown>;
}
