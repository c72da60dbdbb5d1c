import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { RetryLater, logProcessingError, logQueueError } from '../core/consumer-errors';
import { SQS_CONSUMER } from '../core/queue-roles';
import { receiveCount } from '../core/redelivery';
import { SenderService } from './sender.service';
import { parseSendmailJob } from './sendmail-job';

/**
 * Takes jobs off the sendmail queue. Policy: a body that is not a job is dropped as poison
 * (logged); a transient SES or network failure is retried with backoff up to the attempt limit;
 * Redis errors throw, so the job stays queued. Everything else is acknowledged.
 */
@Injectable()
export class SendmailConsumer {
  private readonly logger = new Logger('ases');

  constructor(private readonly sender: SenderService) {}

  @SqsConsumerEventHandler(SQS_CONSUMER.sendmail, 'processing_error')
  onProcessingError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'sendmail', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.sendmail, 'timeout_error')
  onTimeoutError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'sendmail', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.sendmail, 'error')
  onError(error: Error): void {
    logQueueError(this.logger, 'sendmail', error);
  }

  @SqsMessageHandler(SQS_CONSUMER.sendmail, false)
  async handle(message: Message): Promise<void> {
    const job = parseSendmailJob(message.Body);
    if (!job) {
      this.logger.error(`sendmail: dropped SQS message ${message.MessageId}: not a sendmail job`);
      return;
    }
    const attempt = receiveCount(message);
    const outcome = await this.sender.send(job, attempt);
    switch (outcome.result) {
      case 'pushed':
      case 'skipped':
        return;
      case 'suppressed':
        this.logger.warn(`message ${job.id} SUPPRESSED, not sent: ${outcome.reason}`);
        return;
      case 'failed':
        this.logger.warn(`message ${job.id} FAILED: ${outcome.code}: ${outcome.message}`);
        return;
      case 'retry':
        throw new RetryLater(
          `message ${job.id} attempt ${attempt} failed (${outcome.code}: ${outcome.message}); will retry`,
        );
    }
  }
}
