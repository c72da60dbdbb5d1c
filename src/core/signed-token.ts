import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed tokens of ases's public links (open pixel, tracked link, one-click unsubscribe):
 * `base64url(payload).mac`, the MAC an HMAC-SHA256 of `<purpose>:<payload>` keyed with the
 * tracking secret. The purpose letter keeps a token of one kind from passing for another.
 */

const MAC_LENGTH = 22;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;

// 22 base64url characters carry 132 bits of the HMAC: unforgeable, and short enough for a URL.
function mac(purpose: string, payload: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`${purpose}:${payload}`, 'utf8')
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/**
 * Signs `payload` for `purpose`. Throws for an empty secret, a payload that is not well-formed
 * Unicode (naming it `what`), or a token over `maxLength` characters.
 */
export function signPayload(
  purpose: string,
  payload: string,
  secret: string,
  maxLength: number,
  what: string,
): string {
  if (secret === '') {
    throw new Error('secret must not be empty: expected the tracking secret');
  }
  const encoded = Buffer.from(payload, 'utf8');
  // A lone surrogate would come back as U+FFFD, so the token would name something else.
  if (encoded.toString('utf8') !== payload) {
    throw new Error(`${what} is not well-formed Unicode: expected no unpaired surrogates`);
  }
  const token = `${encoded.toString('base64url')}.${mac(purpose, payload, secret)}`;
  if (token.length > maxLength) {
    throw new Error(
      `${what} is too long: its token has ${token.length} characters; expected at most ${maxLength}`,
    );
  }
  return token;
}

/** The payload a genuine token of `purpose` carries, or null. */
export function verifyPayload(
  purpose: string,
  token: string,
  secret: string,
  maxLength: number,
): string | null {
  if (typeof token !== 'string' || token.length > maxLength || secret === '') {
    return null;
  }
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) {
    return null;
  }
  const [, encoded, givenMac] = match;
  const payload = Buffer.from(encoded, 'base64url').toString('utf8');
  // Node decodes leniently (stray bits, invalid UTF-8); only the one canonical spelling is accepted.
  if (Buffer.from(payload, 'utf8').toString('base64url') !== encoded) {
    return null;
  }
  const expectedMac = Buffer.from(mac(purpose, payload, secret), 'ascii');
  return timingSafeEqual(Buffer.from(givenMac, 'ascii'), expectedMac) ? payload : null;
}
