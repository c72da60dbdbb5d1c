import { isEmail } from 'class-validator';
import { emailAddressOf } from '../core/email-address';

/**
 * The key an address is suppressed under: the bare address of `addr` or `Name <addr>`, with the
 * domain lower-cased and the local part as written (domains are case-insensitive, local parts
 * strictly are not). Null when `value` is not exactly one plausible address: lists, groups,
 * surrounding spaces, control characters and bare IP domains are refused, as `to` is when sending.
 */
export function suppressionKeyOf(value: string): string | null {
  if (typeof value !== 'string' || !isEmail(value, { allow_display_name: true })) {
    return null;
  }
  const address = emailAddressOf(value);
  return isEmail(address) ? address : null;
}

/** The opaque paging cursor that continues after `key` (base64url of the key). */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The key a cursor from {@link encodeCursor} continues after, or null when `cursor` is not one:
 * not strict base64url, or not the encoding of a suppression key.
 */
export function decodeCursor(cursor: string): string | null {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return null;
  }
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer ignores trailing bits and invalid UTF-8 silently: only a cursor that round-trips counts.
  if (encodeCursor(key) !== cursor) {
    return null;
  }
  return suppressionKeyOf(key) === key ? key : null;
}
