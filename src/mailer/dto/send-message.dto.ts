import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MaxUtf8Bytes,
  NoControlCharacters,
  WellFormedUnicode,
} from '../../core/text-rules.decorators';
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
  ValidationArguments,
} from 'class-validator';
import { mailboxProblem } from '../../core/email-address';
import { RESERVED_KEYS } from '../../core/request-validation';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../../core/unsafe-text';
import { DEFAULT_MAIL_CATEGORY, MAIL_CATEGORY_PATTERN } from '../../suppression/suppression-entry';
import { MAX_ATTACHMENTS, attachmentsProblem } from '../attachment-rules';
import { MAX_HEADERS, MAX_HEADER_VALUE_BYTES, headersProblem } from '../header-rules';
import {
  MAX_RECIPIENTS,
  MAX_REPLY_TO,
  RecipientField,
  mailboxListProblem,
  recipientListProblem,
} from '../recipient-rules';
import { MAX_SCHEDULE_DAYS, sendAtProblem } from '../schedule-rules';
import { CONFIGURATION_SET_NAME, MAX_SES_TAGS, sesTagsProblem } from '../ses-tag-rules';
import { templateRefProblem } from '../template-rules';
import { AttachmentDto } from './attachment.dto';
import { TemplateRefDto } from './template-ref.dto';

export { MAX_ATTACHMENTS } from '../attachment-rules';
export { MAX_RECIPIENTS, recipientsOf } from '../recipient-rules';
export type { Recipients } from '../recipient-rules';
export { MAX_SCHEDULE_DAYS, sendAtProblem } from '../schedule-rules';
export { AttachmentDto } from './attachment.dto';
export { TemplateRefDto } from './template-ref.dto';

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

/**
 * Checks a property with a function that returns the whole refusal, naming the field and the
 * item at fault (`cc[2] ...`, `attachments[1].filename ...`), or null when the value is fine.
 * The function sees the whole message too, for rules across fields.
 */
function Satisfies(
  name: string,
  problemOf: (value: unknown, message: SendMessageDto, field: string) => string | null,
): PropertyDecorator {
  const problem = (args: ValidationArguments): string | null =>
    problemOf(args.value, args.object as SendMessageDto, args.property);
  return ValidateBy({
    name,
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) => !args || problem(args) === null,
      // Computed again: a rule that reads the clock (sendAt) may pass by now; say what it was.
      defaultMessage: (args?: ValidationArguments) =>
        (args && problem(args)) ?? '$property is not valid',
    },
  });
}

/** A recipient list (`to`, `cc`, `bcc`), checked against the lists before it. */
function IsRecipientList(): PropertyDecorator {
  return Satisfies('isRecipientList', (_value, message, field) =>
    recipientListProblem(field as RecipientField, message),
  );
}

/** Refuses a field that a `template` supplies: subject, html, text. */
function AbsentWithTemplate(): PropertyDecorator {
  return ValidateBy({
    name: 'absentWithTemplate',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as SendMessageDto | undefined)?.template === undefined,
      defaultMessage: () =>
        '$property must be left out when template is given: give either template or ' +
        'subject/html/text',
    },
  });
}

/** OpenAPI for a field that takes one mailbox or a list of `min` to `max` of them. */
const mailboxesSchema = (min: number, max: number, example: string | string[]) => ({
  oneOf: [
    { type: 'string' },
    { type: 'array', items: { type: 'string' }, minItems: min, maxItems: max },
  ],
  example,
});

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
    ...mailboxesSchema(1, MAX_RECIPIENTS, ['Jane Doe <jane@example.org>', 'bob@example.org']),
    description:
      'Recipients: one mailbox (`addr`, `Name <addr>` or `"Any, Name" <addr>`) or a list of ' +
      `them; at least one, and at most ${MAX_RECIPIENTS} in to, cc and bcc together (SES's ` +
      'limit per message), each mailbox once across the three',
  })
  @IsRecipientList()
  to!: string | string[];

  @ApiPropertyOptional({
    ...mailboxesSchema(0, MAX_RECIPIENTS, ['carol@example.org']),
    description: 'Copy recipients: one mailbox or a list, possibly empty (see to for the limits)',
  })
  @IsOptional()
  @IsRecipientList()
  cc?: string | string[];

  @ApiPropertyOptional({
    ...mailboxesSchema(0, MAX_RECIPIENTS, ['audit@example.com']),
    description: 'Blind copy recipients, not shown to the others: one mailbox or a list',
  })
  @IsOptional()
  @IsRecipientList()
  bcc?: string | string[];

  @ApiPropertyOptional({
    ...mailboxesSchema(1, MAX_REPLY_TO, 'Support <support@example.com>'),
    description: `Where replies go: one mailbox or a list of 1-${MAX_REPLY_TO}`,
  })
  @IsOptional()
  @Satisfies('isMailboxList', (value, _message, field) =>
    mailboxListProblem(field, value, { min: 1, max: MAX_REPLY_TO }),
  )
  replyTo?: string | string[];

  @ApiPropertyOptional({
    example: 'hi',
    maxLength: MAX_SUBJECT_LENGTH,
    description: 'Required, unless template gives it (then leave it out)',
  })
  @ValidateIf(
    (message: SendMessageDto) => message.template === undefined || message.subject !== undefined,
  )
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(/\S/, { message: '$property must not be empty' })
  @NoControlCharacters()
  @WellFormedUnicode()
  @IsString()
  @AbsentWithTemplate()
  subject?: string;

  @ApiPropertyOptional({
    example: '<p>hello</p>',
    description: `HTML body, at most ${MAX_HTML_BYTES} bytes; html, text or both`,
  })
  @ValidateIf(
    (message: SendMessageDto) =>
      message.html !== undefined || (message.text === undefined && message.template === undefined),
  )
  @MaxUtf8Bytes(MAX_HTML_BYTES)
  @WellFormedUnicode()
  @IsNotEmpty()
  @IsString({ message: 'html or text is required: give html, text or both' })
  @AbsentWithTemplate()
  html?: string;

  @ApiPropertyOptional({ description: `Plain-text body, at most ${MAX_TEXT_BYTES} bytes` })
  @IsOptional()
  @MaxUtf8Bytes(MAX_TEXT_BYTES)
  @WellFormedUnicode()
  @IsNotEmpty()
  @IsString()
  @AbsentWithTemplate()
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

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: MAX_HEADERS,
    example: { 'X-Campaign': 'spring-sale', 'In-Reply-To': '<abc@example.com>' },
    description:
      `Up to ${MAX_HEADERS} custom header fields, name → value. Names: 1-76 printable ` +
      'US-ASCII characters but ":". Values: any Unicode text (non-ASCII is encoded), no line ' +
      `breaks or control characters but tab, at most ${MAX_HEADER_VALUE_BYTES} bytes. Not the ` +
      'fields ases or SES write: From, To, Cc, Bcc, Subject, Reply-To, Date, Message-ID, ' +
      'MIME-Version, Content-*, List-Unsubscribe(-Post), Return-Path, Sender, DKIM-Signature, ' +
      'Received, X-Ases-*, X-SES-*',
  })
  @IsOptional()
  @Satisfies('isHeaderMap', (value, _message, field) => headersProblem(value, field))
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    type: [AttachmentDto],
    maxItems: MAX_ATTACHMENTS,
    description:
      `Up to ${MAX_ATTACHMENTS} files; one with a contentId is inline (html refers to it as ` +
      'cid:<contentId>)',
  })
  @IsOptional()
  @Satisfies('isAttachmentList', (value, _message, field) => attachmentsProblem(value, field))
  attachments?: AttachmentDto[];

  @ApiPropertyOptional({
    example: 'marketing-events',
    pattern: CONFIGURATION_SET_NAME.source,
    description:
      'SES configuration set to send with (1-64 of A-Z a-z 0-9 _ -). Default: the one ' +
      'configured for ases, if any',
  })
  @IsOptional()
  @Matches(CONFIGURATION_SET_NAME, {
    message: '$property must be 1-64 ASCII letters, digits, "_" or "-" (an SES configuration set)',
  })
  @IsString()
  configurationSet?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: MAX_SES_TAGS,
    example: { campaign: 'spring-sale' },
    description:
      `Up to ${MAX_SES_TAGS} SES message tags, passed to SES for its event publishing; names ` +
      'and values 1-256 of A-Z a-z 0-9 _ - (unlike tags, which ases keeps with the status)',
  })
  @IsOptional()
  @Satisfies('isSesTagMap', (value, _message, field) => sesTagsProblem(value, field))
  sesTags?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'newsletter',
    pattern: MAIL_CATEGORY_PATTERN.source,
    description:
      'What kind of mail this is, for per-category unsubscribes: 1-64 of a-z 0-9 _ . -. ' +
      `Default: ${DEFAULT_MAIL_CATEGORY}`,
  })
  @IsOptional()
  @Matches(MAIL_CATEGORY_PATTERN, {
    message: '$property must be 1-64 lower-case letters, digits, "_", "." or "-"',
  })
  @IsString()
  category?: string;

  @ApiPropertyOptional({
    example: true,
    description:
      'Add one-click unsubscribe (RFC 8058 List-Unsubscribe and List-Unsubscribe-Post) for ' +
      'the category. Default: false',
  })
  @IsOptional()
  @IsBoolean()
  unsubscribe?: boolean;

  @ApiPropertyOptional({
    example: true,
    description:
      'Send to the recipients that are not suppressed and skip the others, instead of ' +
      'refusing the message. Default: false',
  })
  @IsOptional()
  @IsBoolean()
  skipSuppressed?: boolean;

  @ApiPropertyOptional({
    example: '2026-12-24T08:00:00Z',
    format: 'date-time',
    description:
      'When to send: a date and time with its time zone (Z or ±hh:mm), at most ' +
      `${MAX_SCHEDULE_DAYS} days ahead; a time past means now. Default: now`,
  })
  @IsOptional()
  @Satisfies('isSendAt', (value, _message, field) => sendAtProblem(value, Date.now(), field))
  sendAt?: string;

  @ApiPropertyOptional({
    type: TemplateRefDto,
    description:
      'A stored template that gives subject, html and text (leave those out), with its data',
  })
  @IsOptional()
  @Satisfies('isTemplateRef', (value, _message, field) => templateRefProblem(value, field))
  template?: TemplateRefDto;
}
