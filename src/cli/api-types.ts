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

/** The figures of one reputation window or category. */
export interface ReputationFigures {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  bounceRate: number;
  complaintRate: number;
}

/** `GET /v1/reputation` (the contract of the reputation guard, issue 15). */
export interface Reputation {
  state: 'healthy' | 'warning' | 'paused';
  windows: Record<string, ReputationFigures>;
  categories?: Record<string, ReputationFigures>;
}
