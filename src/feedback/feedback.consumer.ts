import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { RetryLater, logProcessingError, logQueueError } from '../core/consumer-errors';
import { FeedbackQueueRole, SQS_CONSUMER } from '../core/queue-roles';
import { receiveCount } from '../core/redelivery';
import { FeedbackService } from './feedback.service';
import { parseFeedbackMessage } from './ses-notification.parser';

/**
 * Consumes the feedback queues (bounces, complaints, deliveries, and the optional events queue);
 * every queue accepts every SES event type. Policy: a body that is not an SES notification is
 * dropped as poison (logged and counted); a notification for an SES id not recorded yet is
 * retried with backoff (it may be racing the PUSHED write) and dropped after
 * `maxFeedbackAttempts` receives; Redis errors throw (retry). The events queue's handlers are
 * bound only when that queue is configured (@ssut/nestjs-sqs binds handlers per consumer).
 */
@Injectable()
export class FeedbackConsumer {
  private readonly logger = new Logger('ases');

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

  @SqsMessageHandler(SQS_CONSUMER.events, false)
  handleEvents(message: Message): Promise<void> {
    return this.handle('events', message);
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

  @SqsConsumerEventHandler(SQS_CONSUMER.events, 'processing_error')
  onEventsProcessingError(error: Error, message: Message): void {
    logProcessingError(this.logger, 'events', error, message);
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

  @SqsConsumerEventHandler(SQS_CONSUMER.events, 'timeout_error')
  onEventsTimeout(error: Error, message: Message): void {
    logProcessingError(this.logger, 'events', error, message);
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

  @SqsConsumerEventHandler(SQS_CONSUMER.events, 'error')
  onEventsError(error: Error): void {
    logQueueError(this.logger, 'events', error);
  }

  private async handle(queue: FeedbackQueueRole, message: Message): Promise<void> {
    const receives = receiveCount(message);
    const receipt = await this.feedback.receive(
      parseFeedbackMessage(message.Body ?? ''),
      queue,
      receives < this.options.maxFeedbackAttempts,
      `SQS message ${message.MessageId}`,
    );
    if (receipt.result === 'retry') {
      throw new RetryLater(`${queue}: ${receipt.reason} (receive ${receives}); will retry`);
    }
  }
}
