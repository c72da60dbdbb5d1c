import { basename, extname } from 'node:path';
import { UsageError } from './cli-errors';

/** Reads a local file (the CLI's only file access; a fake in tests). */
export type ReadFile = (path: string) => Promise<Buffer>;

/** The flags of `ases send`, as commander gives them. */
export interface SendFlags {
  file?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  subject?: string;
  text?: string;
  textFile?: string;
  html?: string;
  htmlFile?: string;
  attach?: string[];
  tag?: string[];
  header?: string[];
  category?: string;
  sendAt?: string;
  template?: string;
  data?: string;
  localId?: string;
}

// The usual types by extension. Anything else is left out of the body, and ases guesses it from
// the file name as it does for any attachment without a contentType.
const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.ics': 'text/calendar',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The MIME type of a file name from its extension; undefined when the map does not know it. */
export function contentTypeOf(filename: string): string | undefined {
  return CONTENT_TYPES[extname(filename).toLowerCase()];
}

/** Splits a `name=value` flag value at its first `=`; the name may not be empty. */
export function parseKeyValue(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new UsageError(`${flag} "${text}" must be name=value`);
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * The body of `POST /v1/messages` from `ases send`'s flags: the `--file` message (the API's own
 * JSON) if given, then each flag over it. A flag replaces the file's field of the same name, but
 * `--tag` and `--header` set single names within the file's map and `--attach` adds files to its
 * attachments. Field values are checked by ases, not here; only what the CLI itself reads
 * (files, `name=value`, JSON) is.
 */
export async function buildSendBody(
  flags: SendFlags,
  readFile: ReadFile,
): Promise<Record<string, unknown>> {
  const body = flags.file ? await readMessageFile(flags.file, readFile) : {};
  setIf(body, 'from', flags.from);
  setIf(body, 'to', mailboxes(flags.to));
  setIf(body, 'cc', mailboxes(flags.cc));
  setIf(body, 'bcc', mailboxes(flags.bcc));
  setIf(body, 'replyTo', mailboxes(flags.replyTo));
  setIf(body, 'subject', flags.subject);
  setIf(body, 'text', await textOf(flags.text, flags.textFile, '--text', readFile));
  setIf(body, 'html', await textOf(flags.html, flags.htmlFile, '--html', readFile));
  setIf(body, 'category', flags.category);
  setIf(body, 'sendAt', flags.sendAt);
  setIf(body, 'localMessageId', flags.localId);
  mergeMap(body, 'tags', flags.tag, '--tag');
  mergeMap(body, 'headers', flags.header, '--header');
  if (flags.attach?.length) {
    const files = await Promise.all(flags.attach.map((path) => attachment(path, readFile)));
    body.attachments = [...listOf(body.attachments, 'attachments'), ...files];
  }
  await applyTemplate(body, flags, readFile);
  if (body.from === undefined) {
    throw new UsageError('no sender: give --from, or a --file whose message has "from"');
  }
  if (body.to === undefined) {
    throw new UsageError('no recipient: give --to, or a --file whose message has "to"');
  }
  return body;
}

/** Reads a JSON value given inline or as `@path` (`--data`). */
export async function readJsonArgument(
  value: string,
  flag: string,
  readFile: ReadFile,
): Promise<unknown> {
  const fromFile = value.startsWith('@');
  const text = fromFile ? await readText(value.slice(1), flag, readFile) : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const where = fromFile ? `${flag} ${value}` : flag;
    throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readMessageFile(path: string, readFile: ReadFile): Promise<Record<string, unknown>> {
  let message: unknown;
  try {
    message = JSON.parse(await readText(path, '--file', readFile)) as unknown;
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`--file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new UsageError(`--file ${path} must hold one JSON object: a message as the API takes it`);
  }
  return message as Record<string, unknown>;
}

async function applyTemplate(
  body: Record<string, unknown>,
  flags: SendFlags,
  readFile: ReadFile,
): Promise<void> {
  if (flags.template === undefined && flags.data === undefined) {
    return;
  }
  const current =
    typeof body.template === 'object' && body.template !== null
      ? (body.template as Record<string, unknown>)
      : undefined;
  const name = flags.template ?? current?.name;
  if (name === undefined) {
    throw new UsageError('--data needs a template: give --template <name>');
  }
  const template: Record<string, unknown> = { ...current, name };
  if (flags.data !== undefined) {
    const data = await readJsonArgument(flags.data, '--data', readFile);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new UsageError('--data must be a JSON object, such as {"name":"Jane"}');
    }
    template.data = data;
  }
  body.template = template;
}

async function attachment(path: string, readFile: ReadFile): Promise<Record<string, string>> {
  const content = await read(path, '--attach', readFile);
  const filename = basename(path);
  const contentType = contentTypeOf(filename);
  return {
    filename,
    content: content.toString('base64'),
    ...(contentType ? { contentType } : {}),
  };
}

async function textOf(
  inline: string | undefined,
  path: string | undefined,
  flag: string,
  readFile: ReadFile,
): Promise<string | undefined> {
  if (inline !== undefined && path !== undefined) {
    throw new UsageError(`give ${flag} or ${flag}-file, not both`);
  }
  return path === undefined ? inline : readText(path, `${flag}-file`, readFile);
}

async function readText(path: string, flag: string, readFile: ReadFile): Promise<string> {
  return (await read(path, flag, readFile)).toString('utf8');
}

async function read(path: string, flag: string, readFile: ReadFile): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read ${flag} ${path}: ${reason}`);
  }
}

function mailboxes(list: string[] | undefined): string | string[] | undefined {
  if (list === undefined || list.length === 0) {
    return undefined;
  }
  return list.length === 1 ? list[0] : list;
}

function mergeMap(
  body: Record<string, unknown>,
  field: string,
  pairs: string[] | undefined,
  flag: string,
): void {
  if (!pairs?.length) {
    return;
  }
  const current = body[field];
  const map: Record<string, string> =
    typeof current === 'object' && current !== null && !Array.isArray(current)
      ? { ...(current as Record<string, string>) }
      : {};
  for (const pair of pairs) {
    const [name, value] = parseKeyValue(pair, flag);
    map[name] = value;
  }
  body[field] = map;
}

function listOf(value: unknown, field: string): unknown[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new UsageError(`--file: "${field}" must be a list to add --attach files to it`);
  }
  return value;
}

function setIf(body: Record<string, unknown>, field: string, value: unknown): void {
  if (value !== undefined) {
    body[field] = value;
  }
}
