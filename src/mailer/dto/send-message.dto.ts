import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
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
import { mailboxProblem } from '../../core/email-address';
import { RESERVED_KEYS } from '../../core/request-validation';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../../core/unsafe-text';

/** Largest `html` body in UTF-8 bytes (Gmail clips messages past ~102 KB anyway). */
export const MAX_HTML_BYTES = 128 * 1024;
/** Largest `text` body in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** Longest subject, in characters (RFC 5322's line limit). */
export const MAX_SUBJECT_LENGTH = 998;
/** Most tags one message may carry. */
export const MAX_TAGS = 10;

/**
 * What a localMessageId (or Idempotency-Key) may hold. Not the shape of ases's own ids (20
 * lowercase letters and digits starting with 0), which say where their record is kept.
 */
export const LOCAL_MESSAGE_ID = /^(?!0[0-9a-z]{19}$)[A-Za-z0-9._:@-]{1,128}$/;
const TAG_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

function NoControlCharacters(): PropertyDecorator {
  return ValidateBy({
    name: 'noControlCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
      defaultMessage: () => '$property must not contain CR, LF or other control characters',
    },
  });
}

/** Refuses half a surrogate pair, which JSON can carry but UTF-8 (the queue, Redis, SES) cannot. */
function WellFormedUnicode(): PropertyDecorator {
  return ValidateBy({
    name: 'wellFormedUnicode',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasLoneSurrogate(value),
      defaultMessage: () =>
        '$property must be valid Unicode: it holds a lone UTF-16 surrogate (such as \\ud800)',
    },
  });
}

/** Exactly one mailbox, in a form SES reads as one (see `mailboxProblem`). */
function IsMailbox(): PropertyDecorator {
  return ValidateBy({
    name: 'isMailbox',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && mailboxProblem(value) === null,
      defaultMessage: (args) =>
        typeof args?.value === 'string'
          ? `$property ${mailboxProblem(args.value) ?? ''}`
          : '$property must be a string',
    },
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

/** What is wrong with a `tags` value, naming the tag; null when it is a valid tag map. */
function tagMapProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of string values, such as { "campaign": "welcome" }';
  }
  const names = Object.keys(value);
  if (names.length > MAX_TAGS) {
    return `must hold at most ${MAX_TAGS} tags, not ${names.length}`;
  }
  for (const name of names) {
    if (RESERVED_KEYS.has(name)) {
      return (
        `must not use "${name}" as a tag name: it names a property every JavaScript object ` +
        'has, which would not survive as a tag; choose another name'
      );
    }
    if (!TAG_NAME.test(name)) {
      return `has a bad tag name "${name}": names are 1-64 letters, digits, "_", ".", ":" or "-"`;
    }
    const tag: unknown = (value as Record<string, unknown>)[name];
    if (typeof tag !== 'string') {
      return `tag "${name}" must be a string, not ${tag === null ? 'null' : typeof tag}`;
    }
    if (tag.length > 256) {
      return `tag "${name}" must be at most 256 characters`;
    }
    if (CONTROL_CHARACTER.test(tag)) {
      return `tag "${name}" must not contain CR, LF or other control characters`;
    }
    if (hasLoneSurrogate(tag)) {
      return `tag "${name}" must be valid Unicode: it holds a lone UTF-16 surrogate`;
    }
  }
  return null;
}

function IsTagMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isTagMap',
    validator: {
      validate: (value: unknown) => tagMapProblem(value) === null,
      defaultMessage: (args) => `$property ${tagMapProblem(args?.value) ?? ''}`,
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
  @ApiProperty({
    example: 'news@example.com',
    description: 'Sender: `addr`, `Name <addr>` or `"Any, Name" <addr>` (one mailbox)',
  })
  @IsMailbox()
  @NoControlCharacters()
  @WellFormedUnicode()
  @IsString()
  from!: string;

  @ApiProperty({
    example: 'bounce@simulator.amazonses.com',
    description: 'The one recipient: `addr`, `Name <addr>` or `"Any, Name" <addr>`',
  })
  @IsMailbox()
  @NoControlCharacters()
  @WellFormedUnicode()
  @IsString()
  to!: string;

  @ApiProperty({ example: 'hi', maxLength: MAX_SUBJECT_LENGTH })
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @NoControlCharacters()
  @WellFormedUnicode()
  @IsString()
  subject!: string;

  @ApiPropertyOptional({
    example: '<p>hello</p>',
    description: `HTML body, at most ${MAX_HTML_BYTES} bytes; html, text or both`,
  })
  @ValidateIf((message: SendMessageDto) => message.html !== undefined || message.text === undefined)
  @MaxUtf8Bytes(MAX_HTML_BYTES)
  @WellFormedUnicode()
  @IsNotEmpty()
  @IsString({ message: 'html or text is required: give html, text or both' })
  html?: string;

  @ApiPropertyOptional({ description: `Plain-text body, at most ${MAX_TEXT_BYTES} bytes` })
  @IsOptional()
  @MaxUtf8Bytes(MAX_TEXT_BYTES)
  @WellFormedUnicode()
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
    description:
      `Up to ${MAX_TAGS} string tags kept with the status (names: 1-64 of A-Z a-z 0-9 _ . : -, ` +
      'not a name every JavaScript object has, such as constructor or __proto__)',
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
