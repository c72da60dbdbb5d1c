import { randomInt } from 'node:crypto';

/** Length of the ids ases makes: 9 base-36 digits of the queue time in ms, 13 random ones. */
export const MESSAGE_ID_LENGTH = 22;

const GENERATED = /^0[0-9a-z]{21}$/;

/**
 * A new message id: the time it was queued (ms, base 36, 9 digits) and 13 random base-36 digits
 * (67 bits), so that the id alone says where its record is kept (the time bucket).
 */
export function newMessageId(queuedAtMs: number): string {
  const time = Math.floor(queuedAtMs).toString(36).padStart(9, '0');
  let random = '';
  for (let i = 0; i < MESSAGE_ID_LENGTH - 9; i += 1) {
    random += randomInt(36).toString(36);
  }
  return time + random;
}

/** Whether `id` has the shape of an id ases made (and so names its own queue time). */
export function isGeneratedId(id: string): boolean {
  return GENERATED.test(id);
}

/** The queue time (ms) a generated id carries. */
export function queuedAtOfId(id: string): number {
  return parseInt(id.slice(0, 9), 36);
}
