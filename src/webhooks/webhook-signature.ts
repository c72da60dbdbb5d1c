import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Standard Webhooks' secret prefix. */
export const SECRET_PREFIX = 'whsec_';
/** Bytes of a secret ases makes (the specification asks for 24 to 64). */
const SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new endpoint secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * What is wrong with a secret given to ases (`WEBHOOK_SECRET`), or null: it must be `whsec_` and
 * base64 of 24 to 64 bytes, as Standard Webhooks' libraries read it.
 */
export function webhookSecretProblem(secret: string): string | null {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : null;
  if (encoded === null || encoded === '' || !BASE64.test(encoded)) {
    return 'must be "whsec_" followed by base64 (Standard Webhooks), e.g. as `POST /v1/webhooks` makes';
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    return `must hold ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes of key (it holds ${bytes})`;
  }
  return null;
}

/** A new Standard Webhooks message id (`webhook-id`), the same for every attempt of one event. */
export function newWebhookMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/**
 * The three Standard Webhooks headers of one attempt: `webhook-signature` holds one `v1,<sig>`
 * per secret (space-separated), so a receiver keeps verifying while a rotated secret is retired.
 */
export function webhookHeaders(
  secrets: readonly string[],
  messageId: string,
  at: Date,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(messageId, at, body))
      .join(' '),
  };
}
