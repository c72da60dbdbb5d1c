import { emailAddressOf, mailboxProblem } from '../core/email-address';
import { kindOf } from './rule-text';

/** Most recipients one message may have, to, cc and bcc together (SES's limit per message). */
export const MAX_RECIPIENTS = 50;
/** Most mailboxes `replyTo` may hold. */
export const MAX_REPLY_TO = 10;

/** The recipient lists of a message, in the order they are checked against each other. */
export const RECIPIENT_FIELDS = ['to', 'cc', 'bcc'] as const;
/** One of `to`, `cc`, `bcc`. */
export type RecipientField = (typeof RECIPIENT_FIELDS)[number];

/** A message's recipients, each list as an array (empty when absent). */
export interface Recipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** A mailbox field that holds one mailbox or a list of them. */
export type Mailboxes = string | string[];

/** `value` as a list: a string is a list of one, absent an empty list. */
export function mailboxList(value: Mailboxes | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  return typeof value === 'string' ? [value] : value;
}

/** The to, cc and bcc of a checked message as arrays. */
export function recipientsOf(message: {
  to: Mailboxes;
  cc?: Mailboxes;
  bcc?: Mailboxes;
}): Recipients {
  return {
    to: mailboxList(message.to),
    cc: mailboxList(message.cc),
    bcc: mailboxList(message.bcc),
  };
}

/** The entries of a well-shaped mailbox field, each named as the caller wrote it. */
function entriesOf(field: string, value: string | unknown[]): Array<[string, unknown]> {
  return typeof value === 'string'
    ? [[field, value]]
    : value.map((item, index): [string, unknown] => [`${field}[${index}]`, item]);
}

/**
 * What is wrong with a field that takes one mailbox or a list of `min` to `max` of them (`to`,
 * `cc`, `bcc`, `replyTo`), naming the field or the item (`cc[2] ...`); null when it is fine.
 * Each mailbox is checked with `mailboxProblem`; `why` follows the message about too many.
 */
export function mailboxListProblem(
  field: string,
  value: unknown,
  { min, max, why = '' }: { min: number; max: number; why?: string },
): string | null {
  if (value === undefined) {
    return `${field} is required: one mailbox, or a list of them`;
  }
  if (typeof value !== 'string' && !Array.isArray(value)) {
    return (
      `${field} must be a string or an array of strings (mailboxes such as ` +
      `"Jane <jane@example.com>"), not ${kindOf(value)}`
    );
  }
  if (Array.isArray(value)) {
    if (value.length < min) {
      return `${field} must hold at least ${min === 1 ? 'one mailbox' : `${min} mailboxes`}`;
    }
    if (value.length > max) {
      return `${field} must hold at most ${max} mailboxes, not ${value.length}${why}`;
    }
  }
  for (const [name, item] of entriesOf(field, value)) {
    if (typeof item !== 'string') {
      return `${name} must be a string, not ${kindOf(item)}`;
    }
    const problem = mailboxProblem(item);
    if (problem !== null) {
      return `${name} ${problem}`;
    }
  }
  return null;
}

/**
 * What is wrong with one recipient list of `message` (`to`, `cc` or `bcc`); null when it is fine.
 * Beyond each list's own shape (`to` needs one mailbox at least), a list is checked against the
 * lists before it (cc against to, bcc against to and cc): the first list to take the total past
 * {@link MAX_RECIPIENTS} is the one refused, and so is a mailbox that an earlier entry already
 * names. Lists that are themselves wrong are left out of those counts: they are refused anyway.
 */
export function recipientListProblem(
  field: RecipientField,
  message: Partial<Record<RecipientField, unknown>>,
): string | null {
  const value = message[field];
  if (value === undefined && field !== 'to') {
    return null;
  }
  const own = mailboxListProblem(field, value, {
    min: field === 'to' ? 1 : 0,
    max: MAX_RECIPIENTS,
    why: `: SES takes at most ${MAX_RECIPIENTS} recipients per message, to, cc and bcc together`,
  });
  if (own !== null) {
    return own;
  }
  const earlier: Array<[string, string]> = [];
  for (const other of RECIPIENT_FIELDS.slice(0, RECIPIENT_FIELDS.indexOf(field))) {
    const list = message[other];
    if (list !== undefined && recipientListProblem(other, message) === null) {
      earlier.push(...(entriesOf(other, list as Mailboxes) as Array<[string, string]>));
    }
  }
  const entries = entriesOf(field, value as Mailboxes) as Array<[string, string]>;
  const total = earlier.length + entries.length;
  if (total > MAX_RECIPIENTS) {
    const counted = RECIPIENT_FIELDS.slice(0, RECIPIENT_FIELDS.indexOf(field) + 1).join(' + ');
    return (
      `${field} brings the recipients to ${total} (${counted}); SES takes at most ` +
      `${MAX_RECIPIENTS} per message, to, cc and bcc together: send several messages`
    );
  }
  // Compared as feedback matches recipients (sameMailbox: the bare address, case-insensitively):
  // two entries it cannot tell apart would share one status, and SES would deliver twice.
  const seen = new Map<string, [string, string]>();
  for (const [name, address] of [...earlier, ...entries]) {
    const key = emailAddressOf(address).toLowerCase();
    const first = seen.get(key);
    if (first) {
      return (
        `${name} "${address}" names the same mailbox as ${first[0]} "${first[1]}"; ` +
        'give each recipient once, in to, cc or bcc'
      );
    }
    seen.set(key, [name, address]);
  }
  return null;
}
