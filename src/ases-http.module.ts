import { DynamicModule, Module, Type } from '@nestjs/common';
import { ApiKeyGuard } from './core/api-key.guard';
import type { AsesRouteGroup, ResolvedAsesRoutes } from './core/ases-routes';
import { QueueModule } from './core/queue.module';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardModule } from './dashboard/dashboard.module';
import { FeedbackController } from './feedback/feedback.controller';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthController } from './health/health.controller';
import { HealthModule } from './health/health.module';
import { MailerController } from './mailer/mailer.controller';
import { MailerModule } from './mailer/mailer.module';
import { SendingController } from './mailer/sending.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ReputationController } from './reputation/reputation.controller';
import { ReputationModule } from './reputation/reputation.module';
import { StatsController } from './stats/stats.controller';
import { StatsModule } from './stats/stats.module';
import { StatusController } from './status/status.controller';
import { StatusModule } from './status/status.module';
import { SuppressionController } from './suppression/suppression.controller';
import { SuppressionModule } from './suppression/suppression.module';
import { TemplatesController } from './templates/templates.controller';
import { TemplatesModule } from './templates/templates.module';
import { TrackingController } from './tracking/tracking.controller';
import { TrackingModule } from './tracking/tracking.module';
import { UnsubscribeController } from './unsubscribe/unsubscribe.controller';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksModule } from './webhooks/webhooks.module';

// In the order Express matches them (the status routes before the mailer's, as they always were).
const CONTROLLERS: ReadonlyArray<readonly [AsesRouteGroup, Type]> = [
  ['api', StatusController],
  ['api', StatsController],
  ['api', ReputationController],
  ['api', MailerController],
  ['api', SendingController],
  ['feedback', FeedbackController],
  ['tracking', TrackingController],
  ['health', HealthController],
  ['api', SuppressionController],
  ['unsubscribe', UnsubscribeController],
  ['api', TemplatesController],
  ['metrics', MetricsController],
  ['api', WebhooksController],
  ['dashboard', DashboardController],
];

/**
 * ases's controllers, in a module of their own so that a host can mount them under a prefix
 * (RouterModule) and leave groups out: the feature modules declare none, and export what their
 * controllers need.
 */
@Module({})
export class AsesHttpModule {
  static register(routes: ResolvedAsesRoutes): DynamicModule {
    return {
      module: AsesHttpModule,
      imports: [
        QueueModule,
        StatusModule,
        StatsModule,
        ReputationModule,
        MailerModule,
        FeedbackModule,
        TrackingModule,
        HealthModule,
        SuppressionModule,
        UnsubscribeModule,
        TemplatesModule,
        WebhooksModule,
        DashboardModule,
      ],
      controllers: CONTROLLERS.filter(([group]) => routes[group]).map(([, c]) => c),
      providers: [ApiKeyGuard],
    };
  }
}
