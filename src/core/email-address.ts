import addressparser from 'nodemailer/lib/addressparser';
import { isEmail } from 'class-validator';
import { CONTROL_CHARACTER, hasLoneSurrogate } from './unsafe-text';

/**
 * The bare address of `Name <addr@example.com>` or `addr@example.com`, with the domain lower-cased
 * (domains are case-insensitive; local parts, strictly, are not). Empty when there is none.
 */
export function emailAddressOf(value: string): string {
  const [first] = addressparser(value, { flatten: true });
  const address = first?.address?.trim() ?? '';
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}

/** Whether two addresses name the same mailbox (case-insensitive, as SES compares them). */
export function sameMailbox(a: string, b: string): boolean {
  return emailAddressOf(a).toLowerCase() === emailAddressOf(b).toLowerCase();
}

// RFC 5322 specials that an unquoted display name may not hold ('.' is allowed: obs-phrase, and
// "John Q. Public" is common).
const DISPLAY_NAME_SPECIAL = /[()<>[\]:;@\\,"]/;

/**
 * What is wrong with a field that must hold exactly one mailbox, in one of the forms SES reads as
 * one: `addr@example.com`, `Name <addr@example.com>` or `"Any, Name" <addr@example.com>`; null
 * when it is fine. The value goes to SES as it is (Source, Destinations), so anything SES could
 * read as two mailboxes or a group (an unquoted comma, a semicolon, a colon) is refused rather
 * than guessed at. Quoted local parts (`"john doe"@example.com`) are valid and accepted.
 */
export function mailboxProblem(value: string): string | null {
  if (hasLoneSurrogate(value)) {
    return 'must not contain a lone UTF-16 surrogate (not valid Unicode)';
  }
  if (CONTROL_CHARACTER.test(value)) {
    return 'must not contain CR, LF or other control characters';
  }
  const trimmed = value.trim();
  if (!trimmed.endsWith('>')) {
    if (isEmail(trimmed)) {
      return null;
    }
    return /[,;]/.test(trimmed)
      ? 'must be one email address, not a list'
      : 'must be an email address (addr@example.com or Name <addr@example.com>)';
  }
  const open = angleStart(trimmed);
  if (open === 'unclosed-quote') {
    return 'has a display name with an unterminated quote';
  }
  if (open < 0) {
    return 'must be an email address (addr@example.com or Name <addr@example.com>)';
  }
  const address = trimmed.slice(open + 1, -1).trim();
  if (!isEmail(address)) {
    return `must be an email address: "${address}" between < and > is not one`;
  }
  const name = trimmed.slice(0, open).trim();
  const unquoted = unquotedParts(name);
  if (unquoted === null) {
    return 'has a display name with an unterminated quote';
  }
  const special = DISPLAY_NAME_SPECIAL.exec(unquoted);
  if (special) {
    const quoted = `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
    return (
      `has a display name holding "${special[0]}" outside quotes, which SES would not read as ` +
      `one mailbox: quote the name, as in ${quoted}`
    );
  }
  return null;
}

/**
 * Calls `visit` with each character of `value` outside its quoted strings (a backslash quotes
 * the next character inside them); false when a quote is left open.
 */
function scanUnquoted(value: string, visit: (ch: string, index: number) => void): boolean {
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') {
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      }
    } else if (ch === '"') {
      quoted = true;
    } else {
      visit(ch, i);
    }
  }
  return !quoted;
}

/** Where the `<` of the final `<addr>` is: the last one outside a quoted string (-1: none). */
function angleStart(value: string): number | 'unclosed-quote' {
  let last = -1;
  const closed = scanUnquoted(value, (ch, index) => {
    if (ch === '<') {
      last = index;
    }
  });
  return closed ? last : 'unclosed-quote';
}

/** The display name with its quoted strings taken out; null when a quote is left open. */
function unquotedParts(name: string): string | null {
  let out = '';
  const closed = scanUnquoted(name, (ch) => {
    out += ch;
  });
  return closed ? out : null;
}
