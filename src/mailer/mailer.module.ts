import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { QueueModule } from '../core/queue.module';
import { ReputationModule } from '../reputation/reputation.module';
import { StatsModule } from '../stats/stats.module';
import { StatusModule } from '../status/status.module';
import { SuppressionModule } from '../suppression/suppression.module';
import { TemplatesModule } from '../templates/templates.module';
import { TrackingModule } from '../tracking/tracking.module';
import { UnsubscribeModule } from '../unsubscribe/unsubscribe.module';
import { JobContentStore } from './job-content.store';
import { MailerService } from './mailer.service';
import { ScheduleMover } from './schedule.mover';
import { ScheduleRepository } from './schedule.repository';
import { SendBudgetRepository } from './send-budget.repository';
import { SendQuotaService } from './send-quota.service';
import { SendRateLimiter } from './send-rate.limiter';
import { SenderService } from './sender.service';
import { SendmailConsumer } from './sendmail.consumer';
import { SendmailPool } from './sendmail.pool';
import { SendmailQueue } from './sendmail.queue';
import { SesTransport } from './ses.transport';

/** Accepting mail (REST and `AsesService`) and sending it through SES at the configured rate. */
@Module({
  imports: [
    QueueModule,
    ReputationModule,
    StatsModule,
    StatusModule,
    SuppressionModule,
    TemplatesModule,
    TrackingModule,
    UnsubscribeModule,
  ],
  providers: [
    ApiKeyGuard,
    JobContentStore,
    MailerService,
    ScheduleMover,
    ScheduleRepository,
    SenderService,
    SendBudgetRepository,
    SendmailConsumer,
    SendmailPool,
    SendmailQueue,
    SendQuotaService,
    SendRateLimiter,
    SesTransport,
  ],
  exports: [MailerService, SendRateLimiter],
})
export class MailerModule {}
