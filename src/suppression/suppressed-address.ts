import { isEmail } from 'class-validator';
import { emailAddressOf } from '../core/email-address';
import { isMailCategory } from './suppression-entry';

// Sorts below every printable character, so an address's unsubscribes follow its global entry in
// the index. A quoted local part may hold a tab too, but a key always ends in `@domain` and a
// category never holds `@`: the text after a member's last tab tells the two apart.
const MEMBER_SEPARATOR = '\t';

/** One member of the suppression index: an address's global entry, or one of its unsubscribes. */
export interface IndexMember {
  key: string;
  /** Set for an unsubscribe member. */
  category?: string;
}

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

/** The index member of `key`'s global entry, or of its unsubscribe from `category`. */
export function indexMemberOf(key: string, category?: string): string {
  return category === undefined ? key : `${key}${MEMBER_SEPARATOR}${category}`;
}

/** What an index member stands for, or null when `member` is none (neither a key nor key + category). */
export function parseIndexMember(member: string): IndexMember | null {
  const split = member.lastIndexOf(MEMBER_SEPARATOR);
  if (split > 0 && isMailCategory(member.slice(split + 1))) {
    const key = member.slice(0, split);
    return suppressionKeyOf(key) === key ? { key, category: member.slice(split + 1) } : null;
  }
  return suppressionKeyOf(member) === member ? { key: member } : null;
}

/** The opaque paging cursor that continues after index member `member` (base64url of it). */
export function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

/**
 * The index member a cursor from {@link encodeCursor} continues after, or null when `cursor` is
 * not one: not strict base64url, or not the encoding of an index member.
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
  return parseIndexMember(key) === null ? null : key;
}
