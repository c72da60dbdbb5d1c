/** Why an address went on the suppression list. */
export type SuppressionSource = 'bounce' | 'complaint' | 'transient-bounces' | 'manual';

/** Every {@link SuppressionSource}, for validation and the OpenAPI description. */
export const SUPPRESSION_SOURCES: readonly SuppressionSource[] = [
  'bounce',
  'complaint',
  'transient-bounces',
  'manual',
];

/** One address on the suppression list. */
export interface SuppressionEntry {
  /** The address as it is keyed: domain lower-cased, local part as written. */
  email: string;
  /** Why, in words (SES's diagnostic, the complaint type, or the operator's text). */
  reason: string;
  /** When it went on the list (ISO 8601). */
  since: string;
  /** The ases id of the message whose feedback suppressed it, when there was one. */
  messageId?: string;
  source: SuppressionSource;
}

/** What `SuppressionService.suppress` puts on the list. */
export interface NewSuppression {
  /** `addr` or `Name <addr>`. */
  email: string;
  reason: string;
  source: SuppressionSource;
  messageId?: string;
  /** When it happened (e.g. the bounce's timestamp). Default now. */
  at?: Date | string;
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
