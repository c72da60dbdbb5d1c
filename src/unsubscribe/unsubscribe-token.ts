import { signPayload, verifyPayload } from '../core/signed-token';
import { suppressionKeyOf } from '../suppression/suppressed-address';
import { isMailCategory } from '../suppression/suppression-entry';

/** Who unsubscribes from what, as an unsubscribe token carries it. */
export interface UnsubscribeTarget {
  /** The ases id of the message the link was in. */
  messageId: string;
  /** The bare address, as the suppression list keys it (see `suppressionKeyOf`). */
  recipient: string;
  /** The category of mail it unsubscribes from. */
  category: string;
}

// The tracking tokens' letters are 'o' and 'c' (tracking-token.ts): the MAC covers the letter, so
// no token of one kind passes for another, whatever its payload.
const PURPOSE = 'u';
const MAX_MESSAGE_ID_LENGTH = 256;
/**
 * Longest token signed or accepted: base64url of the longest id (256 characters), address (a
 * 64-character local part, a 255-character domain) and category, all in 3-byte UTF-8, with the
 * MAC; so anything that passes the checks can be signed. An ASCII one stays under 900.
 */
export const MAX_UNSUBSCRIBE_TOKEN_LENGTH = 2600;
// "messageId \n recipient \n category": neither the id nor the category can hold a line break,
// so the first and the last split the payload whatever the address holds.
const SEPARATOR = '\n';

function isMessageId(value: string): boolean {
  return value !== '' && value.length <= MAX_MESSAGE_ID_LENGTH && !value.includes(SEPARATOR);
}

/**
 * Signs an unsubscribe into a URL-path-safe token, `base64url(messageId \n recipient \n
 * category).mac`, with the tracking secret. `recipient` must be a bare address as the suppression
 * list keys it (`suppressionKeyOf(recipient) === recipient`). Throws, naming the field, for an
 * empty secret, a bad id, address or category, or a token over
 * {@link MAX_UNSUBSCRIBE_TOKEN_LENGTH} characters.
 */
export function signUnsubscribeToken(target: UnsubscribeTarget, secret: string): string {
  const { messageId, recipient, category } = target;
  if (typeof messageId !== 'string' || !isMessageId(messageId)) {
    throw new Error(
      `messageId must be 1 to ${MAX_MESSAGE_ID_LENGTH} characters without a line break`,
    );
  }
  if (typeof recipient !== 'string' || suppressionKeyOf(recipient) !== recipient) {
    throw new Error(
      'recipient must be a bare address as the suppression list keys it (domain in lower case)',
    );
  }
  if (!isMailCategory(category)) {
    throw new Error('category must be 1 to 64 of a-z 0-9 _ . -');
  }
  const payload = [messageId, recipient, category].join(SEPARATOR);
  return signPayload(PURPOSE, payload, secret, MAX_UNSUBSCRIBE_TOKEN_LENGTH, 'messageId');
}

/**
 * What a token was signed for, or null for any token that is not genuine: not one this secret
 * signed, tampered with or cut short, a tracking token, too long, or not in the one canonical
 * spelling.
 */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeTarget | null {
  const payload = verifyPayload(PURPOSE, token, secret, MAX_UNSUBSCRIBE_TOKEN_LENGTH);
  if (payload === null) {
    return null;
  }
  const first = payload.indexOf(SEPARATOR);
  const last = payload.lastIndexOf(SEPARATOR);
  if (first < 0 || last === first) {
    return null;
  }
  const target = {
    messageId: payload.slice(0, first),
    recipient: payload.slice(first + 1, last),
    category: payload.slice(last + 1),
  };
  // The MAC is ours, so these hold unless the secret signed something else: checked all the same.
  return isMessageId(target.messageId) &&
    suppressionKeyOf(target.recipient) === target.recipient &&
    isMailCategory(target.category)
    ? target
    : null;
}
