import type { Message } from '@aws-sdk/client-sqs';

/** How many times SQS has handed out this message, counting this time (1 the first time). */
export function receiveCount(message: Pick<Message, 'Attributes'>): number {
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/**
 * Seconds a failed message stays hidden before SQS hands it out again: doubling from 1 s with the
 * receive count, capped, and jittered by up to a quarter so retries of a burst spread out.
 */
export function retryDelaySeconds(
  receives: number,
  capSeconds: number,
  random = Math.random,
): number {
  const base = Math.min(capSeconds, 2 ** Math.max(0, receives - 1));
  return Math.max(1, Math.round(base * (1 - 0.25 * random())));
}
