import type { Logger } from '@nestjs/common';

/** Logs an sqs-consumer `error` event; the abort of the long poll at shutdown is expected. */
export function logQueueError(logger: Logger, queue: string, error: Error): void {
  if (error.name === 'AbortError' || /aborted/i.test(error.message)) {
    logger.debug(`${queue}: SQS request aborted at shutdown`);
    return;
  }
  logger.error(`${queue}: SQS error: ${error.message}`);
}
