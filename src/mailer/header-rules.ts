import { RESERVED_KEYS } from '../core/request-validation';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../core/unsafe-text';
import { kindOf, quoted } from './rule-text';

/** Most custom header fields one message may carry. */
export const MAX_HEADERS = 50;
/** Longest custom header name: with ": " it still fits RFC 5322's 78-character line. */
export const MAX_HEADER_NAME_LENGTH = 76;
/** Longest custom header value in UTF-8 bytes (RFC 5322's line limit; the builder folds it). */
export const MAX_HEADER_VALUE_BYTES = 998;

// RFC 5322 §3.6.8 field-name: printable US-ASCII (33-126) except ':'.
const FIELD_NAME = /^[!-9;-~]+$/;

/**
 * Header fields a caller may not set, lower-cased, with what to use instead (or why not). ases
 * writes these itself (the envelope, the MIME structure, its id, the unsubscribe headers), or
 * SES or the receiving servers do, so a caller's copy would be a second, conflicting field:
 * - Return-Path: SES puts its own bounce address there; bounces and complaints come back to
 *   ases only through it.
 * - Sender: sending is from `from`; a Sender field is one more identity SES checks against the
 *   verified ones.
 * - DKIM-Signature: SES signs the message as sent; a signature made before would not verify.
 * - Received: a trace field, added by each server the message passes.
 */
const OWNED_HEADERS: ReadonlyMap<string, string> = new Map([
  ['from', 'use from'],
  ['to', 'use to'],
  ['cc', 'use cc'],
  ['bcc', 'use bcc'],
  ['subject', 'use subject (or template)'],
  ['reply-to', 'use replyTo'],
  ['list-unsubscribe', 'use unsubscribe'],
  ['list-unsubscribe-post', 'use unsubscribe'],
  ['date', 'SES sets it when it accepts the message'],
  ['message-id', 'SES sets it when it accepts the message'],
  ['mime-version', 'the MIME builder sets it'],
  ['return-path', 'SES sets it to the address bounces come back to'],
  ['sender', 'ases sends from the from address alone'],
  ['dkim-signature', 'SES signs the message'],
  ['received', 'it is a trace field, added by the servers a message passes'],
]);

/**
 * Why ases does not take a header field of this name from a caller (a reason that says what to
 * use instead where something does); null when a caller may set it. Names compare
 * case-insensitively.
 */
export function ownedHeaderReason(name: string): string | null {
  const lower = name.toLowerCase();
  const owned = OWNED_HEADERS.get(lower);
  if (owned !== undefined) {
    return owned;
  }
  if (lower.startsWith('content-')) {
    return 'the MIME builder writes the Content-* fields of each part (use attachments for files)';
  }
  if (lower.startsWith('x-ases-')) {
    return "X-Ases-* fields are ases's own";
  }
  if (lower === 'x-ses-configuration-set') {
    return 'use configurationSet';
  }
  if (lower === 'x-ses-message-tags') {
    return 'use sesTags';
  }
  if (lower.startsWith('x-ses-')) {
    // SES reads X-SES-* fields of a raw message as instructions (sending authorization ARNs,
    // configuration set, tags) and removes them.
    return 'SES reads X-SES-* fields as instructions to itself';
  }
  return null;
}

/** What is wrong with one header field, naming it as `field.name`; null when it is fine. */
function headerProblem(field: string, name: string, value: unknown): string | null {
  const path = `${field}.${name}`;
  if (RESERVED_KEYS.has(name)) {
    return (
      `${field} must not have a field named ${quoted(name)}: it names a property every JavaScript ` +
      'object has; choose another name'
    );
  }
  if (name.length === 0 || name.length > MAX_HEADER_NAME_LENGTH || !FIELD_NAME.test(name)) {
    return (
      `${field} has a bad field name ${quoted(name)}: names are 1-${MAX_HEADER_NAME_LENGTH} ` +
      'printable US-ASCII characters other than ":" and space (such as X-Campaign)'
    );
  }
  const owned = ownedHeaderReason(name);
  if (owned !== null) {
    return `${path} cannot be set here: ${owned}`;
  }
  if (typeof value !== 'string') {
    return `${path} must be a string, not ${kindOf(value)}`;
  }
  if (!/\S/.test(value)) {
    return `${path} must not be empty: leave the field out instead`;
  }
  if (CONTROL_CHARACTER.test(value)) {
    return `${path} must not contain CR, LF or other control characters (tab is allowed)`;
  }
  if (hasLoneSurrogate(value)) {
    return `${path} must be valid Unicode: it holds a lone UTF-16 surrogate (such as \\ud800)`;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_HEADER_VALUE_BYTES) {
    return `${path} must be at most ${MAX_HEADER_VALUE_BYTES} bytes (UTF-8), not ${bytes}`;
  }
  return null;
}

/**
 * What is wrong with a `headers` value (custom header fields, name → value), naming the field
 * (`headers.X-Foo ...`); null when it is fine. Values may hold any Unicode but line breaks and
 * other control characters (tab is folding white space, so it stays allowed); the MIME builder
 * encodes non-ASCII ones (RFC 2047). Two names that differ only in case are one field, refused.
 */
export function headersProblem(value: unknown, field = 'headers'): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${field} must be an object of header fields, such as { "X-Campaign": "spring" }`;
  }
  const names = Object.keys(value);
  if (names.length > MAX_HEADERS) {
    return `${field} must hold at most ${MAX_HEADERS} fields, not ${names.length}`;
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const problem = headerProblem(field, name, (value as Record<string, unknown>)[name]);
    if (problem !== null) {
      return problem;
    }
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      return (
        `${field}.${name} repeats ${field}.${first}: header names are case-insensitive, so ` +
        'give each field once'
      );
    }
    seen.set(name.toLowerCase(), name);
  }
  return null;
}
