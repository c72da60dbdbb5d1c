import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AsesService } from './ases.service';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './ases.module-definition';
import { ASES_MODULE_OPTIONS, ASES_OPTIONS } from './core/ases.tokens';
import { ASES_REDIS, asesRedisProvider } from './core/redis-connection';
import { RedisLifecycle } from './core/redis-lifecycle';
import { resolveAsesOptions } from './core/resolve-options';
import { StoreMonitor } from './core/store-monitor';
import { DashboardModule } from './dashboard/dashboard.module';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MailerModule } from './mailer/mailer.module';
import { AsesMetrics } from './metrics/ases-metrics';
import { MetricsModule } from './metrics/metrics.module';
import { ReputationModule } from './reputation/reputation.module';
import { StatsModule } from './stats/stats.module';
import { StatusModule } from './status/status.module';
import { SuppressionModule } from './suppression/suppression.module';
import { TemplatesModule } from './templates/templates.module';
import { TrackingModule } from './tracking/tracking.module';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The root of ases, for a host app: `AsesModule.forRoot(options)` or
 * `AsesModule.forRootAsync({ imports, inject, useFactory })`. Registers the REST controllers,
 * the SQS consumers and a named Redis connection, and exports `AsesService`.
 */
@Module({
  imports: [
    // ases emits whether or not the host set up an emitter. A host that imports
    // EventEmitterModule itself, with options of its own, still gets each event once in its
    // @OnEvent handlers (the embedding e2e test checks both cases).
    EventEmitterModule.forRoot(),
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
    MetricsModule,
    LoggingModule,
    WebhooksModule,
    DashboardModule,
  ],
  providers: [AsesService],
  // HealthModule re-exported: a host injects AsesHealthIndicator into its own terminus check.
  exports: [AsesService, HealthModule],
})
export class AsesModule extends ConfigurableModuleClass {
  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return withCore(super.forRoot(options));
  }

  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withCore(super.forRootAsync(options));
  }
}

function withCore(module: DynamicModule): DynamicModule {
  return {
    ...module,
    // Global so the static feature modules can inject the options and the Redis connection; every
    // token it exports is ases-namespaced, so nothing of the host's is shadowed.
    global: true,
    providers: [
      ...(module.providers ?? []),
      { provide: ASES_OPTIONS, useFactory: resolveAsesOptions, inject: [ASES_MODULE_OPTIONS] },
      // ases's own connection (one server or a cluster), closed last at shutdown.
      asesRedisProvider,
      StoreMonitor,
      RedisLifecycle,
      // ases's own registry, so every feature module can count without importing one.
      AsesMetrics,
    ],
    exports: [
      ...(module.exports ?? []),
      ASES_OPTIONS,
      ASES_REDIS,
      StoreMonitor,
      AsesService,
      AsesMetrics,
    ],
  };
}
