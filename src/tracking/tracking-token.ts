import { createHmac, timingSafeEqual } from 'node:crypto';

/** Purposes keep tokens for one use from being replayed as another (o = open pixel). */
export type TrackingTokenPurpose = 'o' | 'c';

const MAC_LENGTH = 22;
const MAX_TOKEN_LENGTH = 512;
const MAX_MESSAGE_ID_LENGTH = 256;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;

// 22 base64url characters carry 132 bits of the HMAC: unforgeable, and short enough for a URL.
function mac(purpose: TrackingTokenPurpose, messageId: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`${purpose}:${messageId}`, 'utf8')
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/** Signs a message id into a URL-path-safe token: `base64url(messageId).mac`. */
export function signTrackingToken(
  purpose: TrackingTokenPurpose,
  messageId: string,
  secret: string,
): string {
  if (secret === '') {
    throw new Error('secret must not be empty: expected the tracking secret');
  }
  if (messageId === '' || messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new Error(
      `messageId has ${messageId.length} characters; expected 1 to ${MAX_MESSAGE_ID_LENGTH}`,
    );
  }
  const encoded = Buffer.from(messageId, 'utf8');
  // A lone surrogate would come back as U+FFFD, so the token would name another id.
  if (encoded.toString('utf8') !== messageId) {
    throw new Error('messageId is not well-formed Unicode: expected no unpaired surrogates');
  }
  const token = `${encoded.toString('base64url')}.${mac(purpose, messageId, secret)}`;
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new Error(
      `messageId is too long to track: its token has ${token.length} characters; expected at most ${MAX_TOKEN_LENGTH}`,
    );
  }
  return token;
}

/** Returns the message id a token was signed for, or null for any token that is not genuine. */
export function verifyTrackingToken(
  purpose: TrackingTokenPurpose,
  token: string,
  secret: string,
): string | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || secret === '') {
    return null;
  }
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) {
    return null;
  }
  const [, encodedId, givenMac] = match;
  const messageId = Buffer.from(encodedId, 'base64url').toString('utf8');
  // Node decodes leniently (stray bits, invalid UTF-8); only the one canonical spelling is accepted.
  if (Buffer.from(messageId, 'utf8').toString('base64url') !== encodedId) {
    return null;
  }
  if (messageId === '' || messageId.length > MAX_MESSAGE_ID_LENGTH) {
    return null;
  }
  const expectedMac = Buffer.from(mac(purpose, messageId, secret), 'ascii');
  return timingSafeEqual(Buffer.from(givenMac, 'ascii'), expectedMac) ? messageId : null;
}
