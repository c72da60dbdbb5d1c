import { Module } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { ApiKeyGuard } from '../core/api-key.guard';
import { ASES_OPTIONS } from '../core/ases.tokens';
import { QueueModule } from '../core/queue.module';
import { StatusModule } from '../status/status.module';
import { SuppressionModule } from '../suppression/suppression.module';
import { TrackingModule } from '../tracking/tracking.module';
import { FeedbackStatsRepository } from './feedback-stats.repository';
import { FeedbackConsumer } from './feedback.consumer';
import { FeedbackService } from './feedback.service';
import { FetchSnsHttpsClient, SNS_HTTPS_CLIENT, SnsHttpsClient } from './sns-https.client';
import { SnsMessageVerifier } from './sns-message.verifier';

/**
 * SES feedback from the feedback queues and from the signed SNS HTTPS endpoint, applied to
 * messages and counted. `SNS_HTTPS_CLIENT` (certificate and SubscribeURL fetches) can be
 * overridden, e.g. by tests that sign with their own certificate.
 */
@Module({
  imports: [QueueModule, StatusModule, SuppressionModule, TrackingModule],
  providers: [
    ApiKeyGuard,
    FeedbackConsumer,
    FeedbackService,
    FeedbackStatsRepository,
    { provide: SNS_HTTPS_CLIENT, useClass: FetchSnsHttpsClient },
    {
      provide: SnsMessageVerifier,
      useFactory: (client: SnsHttpsClient, options: ResolvedAsesOptions) =>
        new SnsMessageVerifier(client, options.sns.topicArns),
      inject: [SNS_HTTPS_CLIENT, ASES_OPTIONS],
    },
  ],
  // The controller's parts too: AsesHttpModule declares it.
  exports: [FeedbackService, FeedbackStatsRepository, SnsMessageVerifier],
})
export class FeedbackModule {}
