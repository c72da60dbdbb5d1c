import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsObject,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';

/** Largest `html` body in UTF-8 bytes (Gmail clips messages past ~102 KB anyway). */
export const MAX_HTML_BYTES = 128 * 1024;
/** Largest `text` body in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** Longest subject, in characters (RFC 5322's line limit). */
export const MAX_SUBJECT_LENGTH = 998;
/** Most tags one message may carry. */
export const MAX_TAGS = 10;

// Header values must not smuggle a CR/LF (header injection) or other control characters.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
/**
 * What a localMessageId (or Idempotency-Key) may hold. Not the shape of ases's own ids (20
 * lowercase letters and digits starting with 0), which say where their record is kept.
 */
export const LOCAL_MESSAGE_ID = /^(?!0[0-9a-z]{19}$)[A-Za-z0-9._:@-]{1,128}$/;
const TAG_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

function NoControlCharacters(): PropertyDecorator {
  return Matches(NO_CONTROL_CHARACTERS, {
    message: '$property must not contain CR, LF or other control characters',
  });
}

function MaxUtf8Bytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => `$property must be at most ${max} bytes (UTF-8)`,
      },
    },
    options,
  );
}

function IsTagMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isTagMap',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return false;
        }
        const entries = Object.entries(value);
        return (
          entries.length <= MAX_TAGS &&
          entries.every(
            ([name, tag]) =>
              TAG_NAME.test(name) &&
              typeof tag === 'string' &&
              tag.length <= 256 &&
              NO_CONTROL_CHARACTERS.test(tag),
          )
        );
      },
      defaultMessage: () =>
        `$property must be an object of at most ${MAX_TAGS} string values (names of 1-64 ` +
        'letters, digits, "_", ".", ":" or "-"; values up to 256 characters)',
    },
  });
}

/** Which tracking a message gets; an absent field takes the service's default. */
export class TrackOptionsDto {
  @ApiPropertyOptional({ description: 'Put the open pixel in the HTML. Default: TRACK_OPENS' })
  @IsOptional()
  @IsBoolean()
  opens?: boolean;

  @ApiPropertyOptional({
    description: 'Rewrite the http(s) links of the HTML. Default: TRACK_CLICKS',
  })
  @IsOptional()
  @IsBoolean()
  clicks?: boolean;
}

/**
 * One message to send: `POST /v1/messages`, or `AsesService.sendmail`. class-validator runs a
 * property's decorators from the bottom up and stops at the first failure, so each property lists
 * its type check last.
 */
export class SendMessageDto {
  @ApiProperty({ example: 'news@example.com', description: 'Sender, `addr` or `Name <addr>`' })
  @IsEmail({ allow_display_name: true }, { message: '$property must be an email address' })
  @NoControlCharacters()
  @IsString()
  from!: string;

  @ApiProperty({
    example: 'bounce@simulator.amazonses.com',
    description: 'The one recipient, `addr` or `Name <addr>`',
  })
  @IsEmail({ allow_display_name: true }, { message: '$property must be one email address' })
  @NoControlCharacters()
  @IsString()
  to!: string;

  @ApiProperty({ example: 'hi', maxLength: MAX_SUBJECT_LENGTH })
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @NoControlCharacters()
  @IsString()
  subject!: string;

  @ApiPropertyOptional({
    example: '<p>hello</p>',
    description: `HTML body, at most ${MAX_HTML_BYTES} bytes; html, text or both`,
  })
  @ValidateIf((message: SendMessageDto) => message.html !== undefined || message.text === undefined)
  @MaxUtf8Bytes(MAX_HTML_BYTES)
  @IsNotEmpty()
  @IsString({ message: 'html or text is required: give html, text or both' })
  html?: string;

  @ApiPropertyOptional({ description: `Plain-text body, at most ${MAX_TEXT_BYTES} bytes` })
  @IsOptional()
  @MaxUtf8Bytes(MAX_TEXT_BYTES)
  @IsNotEmpty()
  @IsString()
  text?: string;

  @ApiPropertyOptional({
    example: 'order-1234-confirmation',
    description:
      'Your own id for the message (1-128 of A-Z a-z 0-9 . _ : @ -, not 20 lowercase letters and ' +
      "digits starting with 0: the shape of ases's own ids). It becomes the message id; " +
      'sending the same id again returns the first message and sends nothing.',
  })
  @IsOptional()
  @Matches(LOCAL_MESSAGE_ID, {
    message:
      '$property must be 1-128 characters of letters, digits, ".", "_", ":", "@" or "-", ' +
      "and not 20 lowercase letters and digits starting with 0 (the shape of ases's own ids)",
  })
  @IsString()
  localMessageId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { campaign: 'welcome' },
    description: `Up to ${MAX_TAGS} string tags kept with the status`,
  })
  @IsOptional()
  @IsTagMap()
  tags?: Record<string, string>;

  @ApiPropertyOptional({
    type: TrackOptionsDto,
    example: { opens: true, clicks: false },
    description:
      'Open and click tracking of this message (HTML only; text-only mail is never changed). ' +
      'Absent fields take the service defaults (TRACK_OPENS, TRACK_CLICKS).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TrackOptionsDto)
  @IsObject({ message: '$property must be an object such as { "opens": true, "clicks": false }' })
  track?: TrackOptionsDto;
}
