import { randomInt } from 'node:crypto';

/** Length of the ids ases makes: 9 base-36 digits of the queue time in ms, 11 random ones. */
export const MESSAGE_ID_LENGTH = 20;
/** Where an id's random part starts: the record's field in its time bucket. */
export const RANDOM_PART_START = 9;

const GENERATED = /^0[0-9a-z]{19}$/;
const ANY_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * A new message id: the time it was queued (ms, base 36, 9 digits) and 11 random base-36 digits
 * (57 bits), so that the id alone says where its record is kept (the time bucket) and under which
 * field (the random part: 11 characters fit Redis's smallest string allocation).
 */
export function newMessageId(queuedAtMs: number): string {
  const time = Math.floor(queuedAtMs).toString(36).padStart(9, '0');
  let random = '';
  for (let i = RANDOM_PART_START; i < MESSAGE_ID_LENGTH; i += 1) {
    random += randomInt(36).toString(36);
  }
  return time + random;
}

/** Whether `id` can name a message: one ases made, or a caller's `localMessageId` (1-128 of `A-Za-z0-9._:@-`). */
export function isMessageId(id: string): boolean {
  return ANY_ID.test(id);
}

/** Whether `id` has the shape of an id ases made (and so names its own queue time). */
export function isGeneratedId(id: string): boolean {
  return GENERATED.test(id);
}

/** The queue time (ms) a generated id carries. */
export function queuedAtOfId(id: string): number {
  return parseInt(id.slice(0, RANDOM_PART_START), 36);
}
