import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MaxUtf8Bytes,
  NoControlCharacters,
  WellFormedUnicode,
} from '../../core/text-rules.decorators';
import {
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import {
  MAX_HTML_BYTES,
  MAX_SUBJECT_LENGTH,
  MAX_TEXT_BYTES,
} from '../../mailer/dto/send-message.dto';
import { TemplatePart, templateProblems } from '../template-render';

/** A Mustache template ases can render: see `templateProblems`. */
function IsMustacheTemplate(): PropertyDecorator {
  const problems = (value: unknown, property: string): string[] =>
    typeof value === 'string' ? templateProblems(property as TemplatePart, value) : [];
  return ValidateBy({
    name: 'isMustacheTemplate',
    validator: {
      validate: (value: unknown, args) => problems(value, args?.property ?? '').length === 0,
      defaultMessage: (args) => problems(args?.value, args?.property ?? '').join('; '),
    },
  });
}

/**
 * The body of `PUT /v1/templates/:name`, or `TemplateService.put`: each part a Mustache template,
 * with the limits of a message's own subject, html and text. class-validator runs a property's
 * decorators from the bottom up and stops at the first failure, so the type check is last and the
 * Mustache parse first.
 */
export class PutTemplateDto {
  @ApiProperty({
    example: 'Welcome, {{firstName}}!',
    maxLength: MAX_SUBJECT_LENGTH,
    description: 'Mustache; rendered without HTML escaping. Its values must not hold line breaks.',
  })
  @IsMustacheTemplate()
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @NoControlCharacters()
  @WellFormedUnicode()
  @IsString()
  subject!: string;

  @ApiPropertyOptional({
    example: '<p>Hello {{firstName}}, your code is <b>{{code}}</b>.</p>',
    description:
      `Mustache, at most ${MAX_HTML_BYTES} bytes; html, text or both. \`{{x}}\` is HTML-escaped, ` +
      '`{{{x}}}` is not.',
  })
  @ValidateIf(
    (template: PutTemplateDto) => template.html !== undefined || template.text === undefined,
  )
  @IsMustacheTemplate()
  @MaxUtf8Bytes(MAX_HTML_BYTES)
  @WellFormedUnicode()
  @IsNotEmpty()
  @IsString({ message: 'html or text is required: give html, text or both' })
  html?: string;

  @ApiPropertyOptional({
    example: 'Hello {{firstName}}, your code is {{code}}.',
    description: `Mustache, at most ${MAX_TEXT_BYTES} bytes; rendered without HTML escaping`,
  })
  @IsOptional()
  @IsMustacheTemplate()
  @MaxUtf8Bytes(MAX_TEXT_BYTES)
  @WellFormedUnicode()
  @IsNotEmpty()
  @IsString()
  text?: string;
}
