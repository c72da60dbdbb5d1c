import { Module } from '@nestjs/common';
import { QueueModule } from '../core/queue.module';
import { StatusModule } from '../status/status.module';
import { FeedbackConsumer } from './feedback.consumer';
import { FeedbackService } from './feedback.service';

/** SES feedback (bounces, complaints, deliveries) from SQS, applied to message statuses. */
@Module({
  imports: [QueueModule, StatusModule],
  providers: [FeedbackConsumer, FeedbackService],
  exports: [FeedbackService],
})
export class FeedbackModule {}
