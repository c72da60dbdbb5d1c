/**
 * The answers of ases's REST API as the CLI reads them. Declared here rather than imported from
 * the server's DTOs: the CLI must start without Nest, and may talk to a server of another
 * version, so every field it does not need to branch on is optional.
 */

/** `202` of `POST /v1/messages`. */
export interface SendAnswer {
  id: string;
  status: string;
  scheduledFor?: string;
  skipped?: { email: string; reason?: string }[];
}

/** One entry of a message's timeline. */
export interface TimelineEntry {
  type: string;
  at: string;
  recipient?: string;
  detail?: string;
  source?: string;
}

/** One recipient's own status. */
export interface RecipientState {
  address: string;
  kind: string;
  status: string;
  at?: string;
}

/** `GET /v1/messages/:id` (and, without `events`, each message of a search page). */
export interface MessageRecord {
  id: string;
  status: string;
  from?: string;
  to?: string;
  cc?: string;
  bcc?: string;
  subject?: string;
  category?: string;
  sesMessageId?: string;
  tags?: Record<string, string>;
  scheduledFor?: string;
  queuedAt?: string;
  pushedAt?: string;
  delayedAt?: string;
  deliveredAt?: string;
  bouncedAt?: string;
  complainedAt?: string;
  failedAt?: string;
  suppressedAt?: string;
  canceledAt?: string;
  attempts?: number;
  bounce?: { type: string; subType: string; status?: string; diagnosticCode?: string };
  complaint?: { feedbackType?: string; subType?: string };
  delay?: { type: string; expiresAt?: string };
  error?: { code: string; message: string };
  opens?: { count: number; humanCount: number };
  clicks?: { count: number; humanCount: number };
  recipients?: RecipientState[];
  events?: TimelineEntry[];
}

/** `GET /v1/messages?…`: a page of a search or listing. */
export interface MessagePage {
  messages: MessageRecord[];
  nextCursor?: string;
}

/** A suppression list entry. */
export interface SuppressionEntry {
  email: string;
  reason?: string;
  since?: string;
  messageId?: string;
  source?: string;
  category?: string;
  unsubscribes?: { category: string; reason: string; since: string; messageId?: string }[];
}

/** `GET /v1/suppressions`. */
export interface SuppressionPage {
  items: SuppressionEntry[];
  nextCursor?: string | null;
}

/** A webhook endpoint; `secret` only in the answer that creates it. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events?: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  createdAt?: string;
  source?: string;
  secret?: string;
}

/** `POST /v1/webhooks/:id/test`. */
export interface WebhookAttempt {
  webhookId: string;
  type: string;
  outcome: string;
  status?: number;
  latencyMs: number;
  error?: string;
}

/** `GET /v1/sending`. */
export interface SendingState {
  ceiling: number | null;
  rate: number | null;
  paused: { leftMs: number; reason: string } | null;
  stale?: { queued: number; pushed: number };
}

/** The figures of one reputation window (of all mail, or of one category). */
export interface ReputationFigures {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  /** Delivered plus bounced: what the rates are over. */
  volume: number;
  /** Fractions (0.025 is 2.5 %); null with no volume. */
  bounceRate: number | null;
  complaintRate: number | null;
}

/** A bounce rate and a complaint rate, as fractions. */
export interface ReputationRates {
  bounceRate: number;
  complaintRate: number;
}

/** `GET /v1/reputation`. */
export interface Reputation {
  state: 'healthy' | 'warning' | 'paused';
  since?: string;
  reason?: string | null;
  thresholds?: { minVolume: number; warning: ReputationRates; guard: ReputationRates };
  /** By window name (`24h`, `7d`). */
  windows: Record<string, ReputationFigures>;
  /** By category, then by window name. */
  categories?: Record<string, Record<string, ReputationFigures>>;
}

/** The counts of `GET /v1/stats` the CLI shows. */
export interface StatsCounts {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  opened: number;
  openedHuman: number;
  clicked: number;
  clickedHuman: number;
  failed: number;
  suppressed: number;
}

/** `GET /v1/stats`: the CLI reads its range and totals. */
export interface StatsAnswer {
  since: string;
  until: string;
  totals: StatsCounts;
}
