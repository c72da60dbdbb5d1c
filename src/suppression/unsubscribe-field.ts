import type { CategoryUnsubscribe, SuppressionEntry } from './suppression-entry';

/**
 * The value an unsubscribe is stored as, in the field named after its category of the address's
 * unsubscribe hash: compact JSON `{"since","reason","messageId"?}`. The category is the field name,
 * so it is not repeated.
 */
export function encodeUnsubscribe(unsubscribe: CategoryUnsubscribe): string {
  const value: Record<string, string> = { since: unsubscribe.since, reason: unsubscribe.reason };
  if (unsubscribe.messageId !== undefined) {
    value.messageId = unsubscribe.messageId;
  }
  return JSON.stringify(value);
}

/**
 * The unsubscribe stored as `value` in field `category`, or null when `value` is not one (a hand
 * edit): not JSON, or without a string `since`.
 */
export function decodeUnsubscribe(category: string, value: string): CategoryUnsubscribe | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return null;
  }
  const { since, reason, messageId } = parsed as Record<string, unknown>;
  if (typeof since !== 'string') {
    return null;
  }
  const unsubscribe: CategoryUnsubscribe = {
    category,
    reason: typeof reason === 'string' ? reason : '',
    since,
  };
  if (typeof messageId === 'string') {
    unsubscribe.messageId = messageId;
  }
  return unsubscribe;
}

/** An unsubscribe as an entry of the list (source `unsubscribe`, with its category). */
export function unsubscribeEntry(key: string, unsubscribe: CategoryUnsubscribe): SuppressionEntry {
  const entry: SuppressionEntry = {
    email: key,
    reason: unsubscribe.reason,
    since: unsubscribe.since,
    source: 'unsubscribe',
    category: unsubscribe.category,
  };
  if (unsubscribe.messageId !== undefined) {
    entry.messageId = unsubscribe.messageId;
  }
  return entry;
}
