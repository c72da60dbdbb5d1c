import addressparser from 'nodemailer/lib/addressparser';

/** One header of a mail, as SES reports it in `mail.headers`. */
export interface MailHeader {
  name: string;
  value: string;
}

/**
 * The top-level header fields of a MIME message (up to the first empty line), unfolded, in order.
 * Values keep their encoded words: SES reports headers as they were sent.
 */
export function parseHeaderBlock(mime: string): MailHeader[] {
  const end = mime.search(/\r?\n\r?\n/);
  const block = end === -1 ? mime : mime.slice(0, end);
  const headers: MailHeader[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return headers;
}

/** The value of the first header with this name (case-insensitive). */
export function headerValue(headers: MailHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((header) => header.name.toLowerCase() === lower)?.value;
}

/**
 * Splits an RFC 5322 address list (`"Doe, Jane" <jane@x>, bob@y, Team: a@z;`) into mailboxes,
 * ignoring commas inside quotes, angle brackets and comments, and dropping group names.
 */
export function splitAddressList(value: string): string[] {
  const mailboxes: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  let comment = 0;
  const flush = (): void => {
    if (current.trim()) {
      mailboxes.push(current.trim());
    }
    current = '';
  };
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i];
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) {
        current += value[(i += 1)];
      } else if (ch === '"') {
        quoted = false;
      }
    } else if (comment > 0) {
      current += ch;
      comment += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === '(') {
      comment = 1;
      current += ch;
    } else if (ch === '<') {
      angle = true;
      current += ch;
    } else if (ch === '>') {
      angle = false;
      current += ch;
    } else if (!angle && ch === ':') {
      // A group display name ("Team:"): what precedes it is not a mailbox.
      current = '';
    } else if (!angle && (ch === ',' || ch === ';')) {
      flush();
    } else {
      current += ch;
    }
  }
  flush();
  return mailboxes;
}

/**
 * The bare address of a mailbox: `"Jane" <jane@example.com>` → `jane@example.com`, and a quoted
 * local part kept whole: `"john doe"@example.com` stays as it is (nodemailer's RFC 5322 parser).
 */
export function bareAddress(mailbox: string): string {
  const [first] = addressparser(mailbox, { flatten: true });
  return first?.address?.trim() ?? '';
}

/** The bare addresses of every mailbox in these address-list header values. */
export function addressesOf(values: Array<string | undefined>): string[] {
  return values
    .flatMap((value) => (value ? splitAddressList(value) : []))
    .map(bareAddress)
    .filter((address) => address.includes('@'));
}
