/** Why an endpoint no longer gets events. */
export type WebhookDisabledReason = 'gone' | 'failing' | 'manual';

/** One secret of an endpoint; a rotated-out secret signs beside the new one until it expires. */
export interface WebhookSecret {
  secret: string;
  /** Unix ms after which it no longer signs (absent: the current secret). */
  expiresAt?: number;
}

/** An endpoint as kept in the store, secrets included. */
export interface StoredWebhook {
  id: string;
  url: string;
  /** The event types it gets; absent: all. */
  events?: string[];
  description?: string;
  enabled: boolean;
  /** Why it was disabled: it answered 410 Gone, it failed for the whole retry window, or by request. */
  disabledReason?: WebhookDisabledReason;
  /** ISO 8601. */
  disabledAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Newest first. */
  secrets: WebhookSecret[];
  /** `env`: the endpoint of WEBHOOK_URL, written at start-up. */
  source?: 'env';
}

/** An endpoint as the API shows it: no secret. */
export type WebhookView = Omit<StoredWebhook, 'secrets'>;

/** One attempt to deliver an event, as `GET /v1/webhooks/:id/deliveries` shows it. */
export interface WebhookAttempt {
  /** The event's `webhook-id`, the same for each attempt of it. */
  webhookId: string;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the attempt started, ISO 8601. */
  at: string;
  /** `delivered` (2xx), `retrying`, `failed` (no retry left), `gone` (410: endpoint disabled), `test`. */
  outcome: string;
  /** The HTTP status of the answer, when there was one. */
  status?: number;
  latencyMs: number;
  /** Why it failed, when it did: a network error, a timeout, a refused address, or the start of the answer. */
  error?: string;
  /** When it is tried again, ISO 8601 (outcome `retrying`). */
  nextAttemptAt?: string;
}

/** The endpoint's view, without its secrets. */
export function webhookView(stored: StoredWebhook): WebhookView {
  const { secrets: _secrets, ...view } = stored;
  return view;
}

/** The secrets that sign at `now`: the current one and any rotated out less than their grace ago. */
export function signingSecrets(stored: StoredWebhook, now: number): string[] {
  return stored.secrets
    .filter(({ expiresAt }) => expiresAt === undefined || expiresAt > now)
    .map(({ secret }) => secret);
}
