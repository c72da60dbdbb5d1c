import { CONTROL_CHARACTER, hasLoneSurrogate } from '../core/unsafe-text';
import { kindOf, quoted } from './rule-text';

/** Most attachments one message may carry. */
export const MAX_ATTACHMENTS = 50;
/** Largest attachment, decoded (10 MiB); the whole message must still fit SES's size limit. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Longest attachment file name, in characters (SES's limit for a FileName). */
export const MAX_FILENAME_LENGTH = 255;
/** Longest attachment content type (RFC 6838 allows 127 characters for type and subtype each). */
export const MAX_CONTENT_TYPE_LENGTH = 127;
/** Longest content id of an inline attachment. */
export const MAX_CONTENT_ID_LENGTH = 250;

/** One attachment as a send request gives it (see `AttachmentDto`). */
export interface AttachmentInput {
  filename: string;
  content: string;
  contentType?: string;
  contentId?: string;
}

const ATTACHMENT_KEYS: ReadonlySet<string> = new Set([
  'filename',
  'content',
  'contentType',
  'contentId',
]);

/**
 * The file extensions SES refuses to send, lower-case, without the dot. From "Amazon SES
 * unsupported attachment types", https://docs.aws.amazon.com/ses/latest/dg/mime-types.html
 * (90 extensions; AWS asks senders to check the page for updates).
 */
export const SES_REFUSED_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp ' +
    'its js jse ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz ' +
    'msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr ' +
    'sct shb shs sys ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst ' +
    'vsw vxd ws wsc wsf wsh xnk'
  ).split(' '),
);

// RFC 2045 token: US-ASCII but space, controls and tspecials ()<>@,;:\"/[]?=
const TOKEN = "[!#$%&'*+.^_`{|}~0-9A-Za-z-]+";
// type/subtype and at most a charset parameter (ases writes name= and filename= itself).
const CONTENT_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})(?:; ?charset=(${TOKEN}))?$`);
// A dot-atom-like id: what may stand between < and > of a Content-ID, and in a cid: URL.
const CONTENT_ID = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+$/;

/** The extension SES refuses in `filename` (its last one, lower-case), or null. */
export function refusedExtension(filename: string): string | null {
  const dot = filename.lastIndexOf('.');
  const extension = dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
  return SES_REFUSED_EXTENSIONS.has(extension) ? extension : null;
}

/** What is wrong with an attachment's file name (without the field name); null when it is fine. */
export function filenameProblem(filename: string): string | null {
  if (filename.length === 0 || filename.length > MAX_FILENAME_LENGTH) {
    return `must be 1-${MAX_FILENAME_LENGTH} characters long, not ${filename.length}`;
  }
  if (CONTROL_CHARACTER.test(filename)) {
    return 'must not contain CR, LF or other control characters';
  }
  if (hasLoneSurrogate(filename)) {
    return 'must be valid Unicode: it holds a lone UTF-16 surrogate (such as \\ud800)';
  }
  if (/[/\\]/.test(filename)) {
    return 'must be a file name, without "/" or "\\"';
  }
  // Windows drops trailing dots and spaces: "setup.exe." would open as setup.exe.
  if (/[.\s]$/.test(filename)) {
    return 'must not end with a dot or a space';
  }
  const extension = refusedExtension(filename);
  if (extension !== null) {
    return `${quoted(filename)}: SES does not accept .${extension} attachments`;
  }
  return null;
}

/** How many bytes a padded base64 string decodes to. */
export function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/**
 * What is wrong with an attachment's content (without the field name); null when it is fine.
 * The content is standard base64 (RFC 4648 §4) with its "=" padding, on one line: no spaces and
 * no line breaks, as RFC 4648 §3.1 has it unless a format says otherwise, and as JSON encoders
 * produce it (Buffer#toString('base64'), btoa, Python's b64encode, `base64 -w0`). The checks
 * are on characters and length only: nothing is decoded here.
 */
export function base64Problem(content: string): string | null {
  if (content.length === 0) {
    return 'must not be empty';
  }
  // Before reading a long string: 4 characters carry 3 bytes.
  if (content.length > Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4) {
    return `must decode to at most ${MAX_ATTACHMENT_BYTES} bytes (10 MiB)`;
  }
  const bad = /[^A-Za-z0-9+/=]/.exec(content);
  if (bad) {
    const [character] = bad;
    if (/\s/.test(character)) {
      return 'must be base64 on one line, without spaces or line breaks';
    }
    if (character === '-' || character === '_') {
      return 'must be standard base64 (with "+" and "/"), not base64url (with "-" and "_")';
    }
    return `must be base64 (RFC 4648): ${quoted(character)} at ${bad.index} is not a base64 character`;
  }
  if (content.length % 4 !== 0) {
    return `must be padded base64: its length must be a multiple of 4 (pad with "="), not ${content.length}`;
  }
  const pad = content.indexOf('=');
  if (pad >= 0 && (pad < content.length - 2 || !/^=+$/.test(content.slice(pad)))) {
    return 'must be base64 with "=" only as padding at the end';
  }
  const bytes = decodedLength(content);
  if (bytes > MAX_ATTACHMENT_BYTES) {
    return `must decode to at most ${MAX_ATTACHMENT_BYTES} bytes (10 MiB), not ${bytes}`;
  }
  return null;
}

/** The bytes of an attachment's content; call it on checked content only (see base64Problem). */
export function decodeAttachment(content: string): Buffer {
  return Buffer.from(content, 'base64');
}

/** What is wrong with an attachment's content type (without the field name); null if fine. */
export function contentTypeProblem(contentType: string): string | null {
  if (contentType.length === 0 || contentType.length > MAX_CONTENT_TYPE_LENGTH) {
    return `must be 1-${MAX_CONTENT_TYPE_LENGTH} characters long, not ${contentType.length}`;
  }
  const match = CONTENT_TYPE.exec(contentType);
  if (!match) {
    return (
      `${quoted(contentType)} must be a MIME type, type/subtype (such as application/pdf), ` +
      'with at most a charset parameter (text/csv; charset=utf-8)'
    );
  }
  const type = match[1].toLowerCase();
  if (type === 'multipart') {
    return `${quoted(contentType)}: an attachment cannot be multipart/*, which the MIME builder owns`;
  }
  return null;
}

/** What is wrong with an inline attachment's content id (without the field name); null if fine. */
export function contentIdProblem(contentId: string): string | null {
  if (contentId.length === 0 || contentId.length > MAX_CONTENT_ID_LENGTH) {
    return `must be 1-${MAX_CONTENT_ID_LENGTH} characters long, not ${contentId.length}`;
  }
  if (!CONTENT_ID.test(contentId)) {
    return (
      `${quoted(contentId)} must be letters, digits and !#$%&'*+/=?^_\`{|}~.@- only ` +
      '(no "<", ">" or spaces: ases adds the angle brackets)'
    );
  }
  return null;
}

function attachmentProblem(path: string, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return (
      `${path} must be an object such as { "filename": "invoice.pdf", "content": "<base64>" }, ` +
      `not ${kindOf(value)}`
    );
  }
  const attachment = value as Record<string, unknown>;
  const unknown = Object.keys(attachment).find((key) => !ATTACHMENT_KEYS.has(key));
  if (unknown !== undefined) {
    return (
      `${path}.${unknown} should not exist: an attachment has filename, content, contentType ` +
      'and contentId'
    );
  }
  const checks: Array<[string, boolean, (text: string) => string | null]> = [
    ['filename', true, filenameProblem],
    ['content', true, base64Problem],
    ['contentType', false, contentTypeProblem],
    ['contentId', false, contentIdProblem],
  ];
  for (const [key, required, check] of checks) {
    const item = attachment[key];
    if (item === undefined) {
      if (required) {
        return `${path}.${key} is required`;
      }
      continue;
    }
    if (typeof item !== 'string') {
      return `${path}.${key} must be a string, not ${kindOf(item)}`;
    }
    const problem = check(item);
    if (problem !== null) {
      return `${path}.${key} ${problem}`;
    }
  }
  return null;
}

/**
 * What is wrong with an `attachments` value, naming the attachment and its field
 * (`attachments[1].filename ...`); null when it is fine. Content ids, which html refers to as
 * `cid:<id>`, must be unique within the message.
 */
export function attachmentsProblem(value: unknown, field = 'attachments'): string | null {
  if (!Array.isArray(value)) {
    return (
      `${field} must be an array of attachments such as ` +
      `[{ "filename": "invoice.pdf", "content": "<base64>" }], not ${kindOf(value)}`
    );
  }
  if (value.length > MAX_ATTACHMENTS) {
    return `${field} must hold at most ${MAX_ATTACHMENTS} attachments, not ${value.length}`;
  }
  const contentIds = new Map<string, number>();
  for (const [index, item] of value.entries()) {
    const path = `${field}[${index}]`;
    const problem = attachmentProblem(path, item);
    if (problem !== null) {
      return problem;
    }
    const { contentId } = item as AttachmentInput;
    if (contentId !== undefined) {
      const first = contentIds.get(contentId);
      if (first !== undefined) {
        return (
          `${path}.contentId "${contentId}" is already the content id of ${field}[${first}]: ` +
          'each inline attachment needs its own'
        );
      }
      contentIds.set(contentId, index);
    }
  }
  return null;
}
