import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { RetryLater, logProcessingError, logQueueError } from '../core/consumer-errors';
import { QueueRole, SQS_CONSUMER } from '../core/queue-roles';
import { receiveCount } from '../core/redelivery';
import { FeedbackService } from './feedback.service';
import { parseFeedbackMessage } from './ses-notification.parser';

type FeedbackQueue = Exclude<QueueRole, 'sendmail'>;

/**
 * Consumes the bounces, complaints and deliveries queues; every queue accepts every notification
 * type. Policy: a body that is not an SES notification is dropped as poison (logged and counted);
 * a notification for an SES id not recorded yet is retried with backoff (it may be racing the
 * PUSHED write) and dropped after `maxFeedbackAttempts` receives; Redis errors throw (retry).
 */
@Injectable()
export class FeedbackConsumer {
  private readonly logger = new Logger('ases');
  /** Messages dropped since start, by reason; diagnostics for logs and tests. */
  readonly dropped = new Map<string, number>();

  constructor(
    private readonly feedback: FeedbackService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  @SqsMessageHandler(SQS_CONSUMER.bounces, false)
  handleBounces(message: Message): Promise<void> {
    return this.handle('bounces', message);
  }

  @SqsMessageHandler(SQS_CONSUMER.complaints, false)
  handleComplaints(message: Message): Promise<void> {
    return this.handle('complaints', message);
  }

  @SqsMessageHandler(SQS_CONSUMER.deliveries, false)
  handleDeliveries(message: Message): Promise<void> {
    return this.handle('deliveries', message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.bounces, 'processing_error')
  onBouncesProcessingError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'bounces', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.complaints, 'processing_error')
  onComplaintsProcessingError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'complaints', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.deliveries, 'processing_error')
  onDeliveriesProcessingError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'deliveries', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.bounces, 'timeout_error')
  onBouncesTimeout(error: Error, message: Message): void {
    logProcessingError(this.logger, 'bounces', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.complaints, 'timeout_error')
  onComplaintsTimeout(error: Error, message: Message): void {
    logProcessingError(this.logger, 'complaints', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.deliveries, 'timeout_error')
  onDeliveriesTimeout(error: Error, message: Message): void {
    logProcessingError(this.logger, 'deliveries', error, message);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.bounces, 'error')
  onBouncesError(error: Error): void {
    logQueueError(this.logger, 'bounces', error);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.complaints, 'error')
  onComplaintsError(error: Error): void {
    logQueueError(this.logger, 'complaints', error);
  }

  @SqsConsumerEventHandler(SQS_CONSUMER.deliveries, 'error')
  onDeliveriesError(error: Error): void {
    logQueueError(this.logger, 'deliveries', error);
  }

  private async handle(queue: FeedbackQueue, message: Message): Promise<void> {
    const parsed = parseFeedbackMessage(message.Body ?? '');
    switch (parsed.kind) {
      case 'invalid':
        this.drop(queue, message, 'poison', parsed.reason);
        return;
      case 'ignored':
        this.drop(queue, message, 'ignored', parsed.reason);
        return;
      case 'subscription':
        this.logger.log(
          `${queue}: SNS ${parsed.type} for ${parsed.topicArn ?? 'a topic'}; nothing to do`,
        );
        return;
      case 'notification':
        break;
    }
    const { notification } = parsed;
    const outcome = await this.feedback.apply(notification);
    const about = `${notification.type} for SES message ${notification.sesMessageId}`;
    switch (outcome) {
      case 'applied':
      case 'unchanged':
        return;
      case 'expired':
        this.drop(queue, message, 'expired', `${about}: its record has expired`);
        return;
      case 'other-recipient':
        this.drop(queue, message, 'other-recipient', `${about}: names none of its recipients`);
        return;
      case 'unknown-message': {
        const receives = receiveCount(message);
        if (receives < this.options.maxFeedbackAttempts) {
          throw new RetryLater(
            `${queue}: ${about} not known yet (receive ${receives}); will retry`,
          );
        }
        this.drop(
          queue,
          message,
          'unknown-message',
          `${about}: no such message after ${receives} tries`,
        );
        return;
      }
    }
  }

  private drop(queue: FeedbackQueue, message: Message, reason: string, detail: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    this.logger.warn(`${queue}: dropped SQS message ${message.MessageId} (${reason}): ${detail}`);
  }
}
