import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { QueueModule } from '../core/queue.module';
import { StatusModule } from '../status/status.module';
import { SuppressionModule } from '../suppression/suppression.module';
import { TrackingModule } from '../tracking/tracking.module';
import { MailerController } from './mailer.controller';
import { MailerService } from './mailer.service';
import { SendingController } from './sending.controller';
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
  imports: [QueueModule, StatusModule, SuppressionModule, TrackingModule],
  controllers: [MailerController, SendingController],
  providers: [
    ApiKeyGuard,
    MailerService,
    SenderService,
    SendBudgetRepository,
    SendmailConsumer,
    SendmailPool,
    SendmailQueue,
    SendQuotaService,
    SendRateLimiter,
    SesTransport,
  ],
  exports: [MailerService],
})
export class MailerModule {}
