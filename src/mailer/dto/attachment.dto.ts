import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_CONTENT_ID_LENGTH,
  MAX_CONTENT_TYPE_LENGTH,
  MAX_FILENAME_LENGTH,
} from '../attachment-rules';

/**
 * One file sent with a message. Checked as a whole by `attachmentsProblem` (attachment-rules.ts),
 * which names the attachment and its field in every refusal.
 */
export class AttachmentDto {
  @ApiProperty({
    example: 'invoice-2026-001.pdf',
    minLength: 1,
    maxLength: MAX_FILENAME_LENGTH,
    description:
      'File name shown to the recipient: no "/" or "\\", no control characters, not ending in ' +
      'a dot or a space, and not an extension SES refuses (.exe, .js, .bat, …: ' +
      'https://docs.aws.amazon.com/ses/latest/dg/mime-types.html)',
  })
  filename!: string;

  @ApiProperty({
    example: 'JVBERi0xLjQK',
    format: 'byte',
    description:
      `The file, in standard base64 (RFC 4648 §4) with "=" padding, on one line (no spaces or ` +
      `line breaks); not empty, at most ${MAX_ATTACHMENT_BYTES} bytes (10 MiB) once decoded`,
  })
  content!: string;

  @ApiPropertyOptional({
    example: 'application/pdf',
    maxLength: MAX_CONTENT_TYPE_LENGTH,
    description:
      'MIME type, type/subtype, with at most a charset parameter (text/csv; charset=utf-8); ' +
      'not multipart/*. Default: guessed from the file name',
  })
  contentType?: string;

  @ApiPropertyOptional({
    example: 'logo',
    maxLength: MAX_CONTENT_ID_LENGTH,
    description:
      'Makes the attachment inline: the html shows it as <img src="cid:logo">. 1-' +
      `${MAX_CONTENT_ID_LENGTH} of A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ \` { | } ~ . @ -, ` +
      'unique within the message',
  })
  contentId?: string;
}
