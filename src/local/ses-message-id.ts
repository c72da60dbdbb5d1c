import { randomUUID } from 'node:crypto';

/**
 * An SES message or feedback id: `0100`, the time in milliseconds as 12 hex digits, a version 4
 * UUID, `-000000`; 60 characters, e.g. `0100018c5b1b6a5e-7f0c3c5a-1b2c-4d5e-8f90-123456789abc-000000`.
 */
export const SES_MESSAGE_ID_PATTERN =
  /^0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-000000$/;

/** A new id shaped like the ones SES gives messages and feedback, unique by its UUID. */
export function newSesMessageId(now: number = Date.now()): string {
  return `0100${Math.floor(now).toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}
