import type { Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { AsesErrorCode, AsesException } from './ases.exception';

/** Thrown by a handler to leave its message on the queue for a later try; an expected outcome. */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLater';
  }
}

// sqs-consumer wraps what a handler throws in its own StandardError, with the original as `cause`.
function unwrap(error: Error): Error {
  return error.cause instanceof Error ? error.cause : error;
}

/** Logs an sqs-consumer `processing_error` / `timeout_error`: the message will be received again. */
export function logProcessingError(
  logger: Logger,
  queue: string,
  error: Error,
  message: Message,
): void {
  const cause = unwrap(error);
  if (cause instanceof RetryLater) {
    logger.warn(cause.message);
  } else if (isStoreOutage(cause)) {
    // StoreMonitor says it once per outage; a line per message would bury it.
    logger.debug(`${queue}: SQS message ${message.MessageId} will be retried: ${cause.message}`);
  } else {
    logger.error(`${queue}: SQS message ${message.MessageId} will be retried: ${cause.message}`);
  }
}

/** Logs an sqs-consumer `error` event (a failed receive, delete or visibility change). */
export function logQueueError(logger: Logger, queue: string, error: Error): void {
  logger.error(`${queue}: SQS error: ${error.message}`);
}

/** A Redis outage (STORE_UNAVAILABLE), which StoreMonitor reports once for all. */
export function isStoreOutage(error: unknown): boolean {
  return error instanceof AsesException && error.code === AsesErrorCode.STORE_UNAVAILABLE;
}
