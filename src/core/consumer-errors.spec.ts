import type { Logger } from '@nestjs/common';
import { AsesErrorCode, AsesException } from './ases.exception';
import { RetryLater, logProcessingError, logQueueError } from './consumer-errors';

function fakeLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (text: string) => lines.push(`${level} ${text}`);
  return { lines, warn: record('warn'), error: record('error'), debug: record('debug') } as never;
}

// What sqs-consumer emits: its own error, with the handler's error as the cause.
function wrapped(cause: Error): Error {
  const error = new Error(`Unexpected message handler failure: ${cause.message}`);
  error.cause = cause;
  return error;
}

describe('consumer error logging', () => {
  it('logs an expected retry as a warning with its own message', () => {
    const logger = fakeLogger();
    logProcessingError(logger, 'bounces', wrapped(new RetryLater('not known yet')), {
      MessageId: 'm1',
    });
    expect(logger.lines).toEqual(['warn not known yet']);
  });

  it('keeps a Redis outage out of the error log: StoreMonitor says it once', () => {
    const logger = fakeLogger();
    const outage = new AsesException(
      AsesErrorCode.STORE_UNAVAILABLE,
      'the status store did not answer',
    );
    logProcessingError(logger, 'bounces', wrapped(outage), { MessageId: 'm3' });
    expect(logger.lines).toEqual([
      'debug bounces: SQS message m3 will be retried: the status store did not answer',
    ]);
  });

  it('logs any other failure as an error naming the queue and message', () => {
    const logger = fakeLogger();
    logProcessingError(logger, 'sendmail', wrapped(new Error('Connection is closed.')), {
      MessageId: 'm2',
    });
    expect(logger.lines).toEqual([
      'error sendmail: SQS message m2 will be retried: Connection is closed.',
    ]);
  });

  it('logs queue errors with the queue named', () => {
    const logger = fakeLogger();
    logQueueError(logger, 'deliveries', new Error('SQS receive message failed: ECONNREFUSED'));
    expect(logger.lines).toEqual([
      'error deliveries: SQS error: SQS receive message failed: ECONNREFUSED',
    ]);
  });
});
