/**
 * Why an address went on the suppression list. `unsubscribe` entries hold for one category of
 * mail (see {@link SuppressionEntry.category}); every other source holds for all mail.
 */
export type SuppressionSource =
  'bounce' | 'complaint' | 'transient-bounces' | 'manual' | 'unsubscribe';

/** Every {@link SuppressionSource}, for validation and the OpenAPI description. */
export const SUPPRESSION_SOURCES: readonly SuppressionSource[] = [
  'bounce',
  'complaint',
  'transient-bounces',
  'manual',
  'unsubscribe',
];

/** The category of a message that names none. */
export const DEFAULT_MAIL_CATEGORY = 'transactional';

/** What a mail category may be: 1 to 64 of `a-z 0-9 _ . -`. */
export const MAIL_CATEGORY_PATTERN = /^[a-z0-9_.-]{1,64}$/;

/** Whether `value` is a mail category (see {@link MAIL_CATEGORY_PATTERN}). */
export function isMailCategory(value: unknown): value is string {
  return typeof value === 'string' && MAIL_CATEGORY_PATTERN.test(value);
}

/** One entry of the suppression list: an address suppressed for all mail, or unsubscribed from one category. */
export interface SuppressionEntry {
  /** The address as it is keyed: domain lower-cased, local part as written. */
  email: string;
  /** Why, in words (SES's diagnostic, the complaint type, or the operator's text). */
  reason: string;
  /** When it went on the list (ISO 8601). */
  since: string;
  /** The ases id of the message whose feedback (or unsubscribe link) put it there, when there was one. */
  messageId?: string;
  source: SuppressionSource;
  /** Only for source `unsubscribe`: the category of mail the address no longer gets. */
  category?: string;
}

/** One category an address unsubscribed from. */
export interface CategoryUnsubscribe {
  category: string;
  reason: string;
  /** When it unsubscribed (ISO 8601). */
  since: string;
  /** The message whose unsubscribe link it used, when there was one. */
  messageId?: string;
}

/** Everything the list holds about one address. */
export interface AddressSuppressions {
  /** The address as it is keyed. */
  email: string;
  /** The entry that suppresses it for all mail, or null. */
  entry: SuppressionEntry | null;
  /** The categories it unsubscribed from, in category order (empty when none). */
  unsubscribes: CategoryUnsubscribe[];
}

/** What `SuppressionService.suppress` puts on the list. */
export interface NewSuppression {
  /** `addr` or `Name <addr>`. */
  email: string;
  reason: string;
  source: SuppressionSource;
  /** Required for source `unsubscribe` (the category unsubscribed from), refused for the others. */
  category?: string;
  messageId?: string;
  /** When it happened (e.g. the bounce's timestamp). Default now. */
  at?: Date | string;
  /**
   * Replace an entry already there (reason, source, since = `at`, messageId) instead of keeping
   * it. Default: true for source `manual`, false for the others.
   */
  replace?: boolean;
}

/** Outcome of `SuppressionService.suppress`: the entry on the list, and whether this call added it. */
export interface SuppressResult {
  created: boolean;
  entry: SuppressionEntry;
}

/** One page of `SuppressionService.list`. */
export interface SuppressionPage {
  items: SuppressionEntry[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
