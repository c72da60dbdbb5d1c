import { signPayload, verifyPayload } from '../core/signed-token';

/** Purposes keep tokens for one use from being replayed as another (o = open pixel, c = link). */
export type TrackingTokenPurpose = 'o' | 'c';

/** A tracked link, as its token carries it. */
export interface LinkTarget {
  messageId: string;
  /** 0-based position among the message's tracked links. */
  index: number;
  /** Where the link goes: an absolute http(s) URL. */
  url: string;
}

const MAX_TOKEN_LENGTH = 512;
const MAX_MESSAGE_ID_LENGTH = 256;
/** Longest link target a token carries; a longer link is left untracked. */
export const MAX_TRACKED_URL_LENGTH = 2048;
// base64url of id + index + URL with the separators, plus the MAC: well under Node's 16 KB of
// request line and headers.
const MAX_LINK_TOKEN_LENGTH = 3200;
const INDEX_PATTERN = /^(0|[1-9][0-9]{0,5})$/;
// The link payload is "id\nindex\nurl": a message id never holds a line break (the sign side
// refuses one), and the URL is the rest.
const SEPARATOR = '\n';

function checkMessageId(messageId: string): void {
  if (messageId === '' || messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new Error(
      `messageId has ${messageId.length} characters; expected 1 to ${MAX_MESSAGE_ID_LENGTH}`,
    );
  }
  if (messageId.includes(SEPARATOR)) {
    throw new Error('messageId must not contain a line break');
  }
}

/** Signs a message id into a URL-path-safe token: `base64url(messageId).mac`. */
export function signTrackingToken(
  purpose: TrackingTokenPurpose,
  messageId: string,
  secret: string,
): string {
  checkMessageId(messageId);
  return signPayload(purpose, messageId, secret, MAX_TOKEN_LENGTH, 'messageId');
}

/** Returns the message id a token was signed for, or null for any token that is not genuine. */
export function verifyTrackingToken(
  purpose: TrackingTokenPurpose,
  token: string,
  secret: string,
): string | null {
  const messageId = verifyPayload(purpose, token, secret, MAX_TOKEN_LENGTH);
  // A line break would make it a link token's payload, which is not a message id.
  return messageId === null ||
    messageId === '' ||
    messageId.length > MAX_MESSAGE_ID_LENGTH ||
    messageId.includes(SEPARATOR)
    ? null
    : messageId;
}

/** Whether a link target can go into a token: an absolute http(s) URL of at most 2048 characters. */
export function isTrackableUrl(url: string): boolean {
  if (url.length > MAX_TRACKED_URL_LENGTH || !/^https?:\/\//i.test(url)) {
    return false;
  }
  return URL.canParse(url);
}

/**
 * Signs a tracked link: `base64url(messageId \n index \n url).mac`. The token carries the URL, so
 * the redirect needs no lookup and keeps working after the message's record has expired.
 */
export function signLinkToken(target: LinkTarget, secret: string): string {
  checkMessageId(target.messageId);
  if (!INDEX_PATTERN.test(String(target.index))) {
    throw new Error(`index is ${target.index}; expected an integer from 0 to 999999`);
  }
  if (!isTrackableUrl(target.url)) {
    throw new Error(
      `url must be an absolute http(s) URL of at most ${MAX_TRACKED_URL_LENGTH} characters`,
    );
  }
  const payload = [target.messageId, target.index, target.url].join(SEPARATOR);
  return signPayload('c', payload, secret, MAX_LINK_TOKEN_LENGTH, 'url');
}

/**
 * The link a token was signed for, or null for any token that is not genuine. A genuine token
 * only ever names a URL ases itself put in a message: the redirect can never be steered elsewhere.
 */
export function verifyLinkToken(token: string, secret: string): LinkTarget | null {
  const payload = verifyPayload('c', token, secret, MAX_LINK_TOKEN_LENGTH);
  if (payload === null) {
    return null;
  }
  const first = payload.indexOf(SEPARATOR);
  const second = payload.indexOf(SEPARATOR, first + 1);
  if (first < 1 || second < 0) {
    return null;
  }
  const messageId = payload.slice(0, first);
  const index = payload.slice(first + 1, second);
  const url = payload.slice(second + 1);
  if (
    messageId.length > MAX_MESSAGE_ID_LENGTH ||
    !INDEX_PATTERN.test(index) ||
    !isTrackableUrl(url)
  ) {
    return null;
  }
  return { messageId, index: Number(index), url };
}
