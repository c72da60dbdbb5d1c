import { DynamicModule, Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AsesHttpModule } from './ases-http.module';
import { AsesService } from './ases.service';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './ases.module-definition';
import type { AsesModuleOptions, ResolvedAsesOptions } from './core/ases-options';
import { ResolvedAsesRoutes, resolveAsesRoutes, withRoutePrefix } from './core/ases-routes';
import { ASES_EVENT_EMITTER, ASES_MODULE_OPTIONS, ASES_OPTIONS } from './core/ases.tokens';
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
 * `AsesModule.forRootAsync({ imports, inject, useFactory })`, each with `routes` beside the
 * options (prefix, groups left out). Registers the controllers (AsesHttpModule), the SQS
 * consumers and a named Redis connection, and exports `AsesService`. Emits on the host's
 * `EventEmitter2` when the host imports `EventEmitterModule`, otherwise on one of its own.
 */
@Module({
  imports: [
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
    return withCore(super.forRoot(options), resolveAsesRoutes(options.routes));
  }

  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withCore(super.forRootAsync(options), resolveAsesRoutes(options.routes));
  }
}

function withCore(module: DynamicModule, routes: ResolvedAsesRoutes): DynamicModule {
  const http = AsesHttpModule.register(routes);
  return {
    ...module,
    // Global so the static feature modules can inject the options and the Redis connection; every
    // token it exports is ases-namespaced, so nothing of the host's is shadowed.
    global: true,
    imports: [
      ...(module.imports ?? []),
      http,
      ...(routes.prefix === ''
        ? []
        : [RouterModule.register([{ path: routes.prefix, module: AsesHttpModule }])]),
    ],
    providers: [
      ...(module.providers ?? []),
      {
        provide: ASES_OPTIONS,
        useFactory: (options: AsesModuleOptions) => withRoutes(resolveAsesOptions(options), routes),
        inject: [ASES_MODULE_OPTIONS],
      },
      // The host's emitter when it has one (EventEmitterModule is global); else ases's own.
      {
        provide: ASES_EVENT_EMITTER,
        useFactory: (host?: EventEmitter2) => host ?? new EventEmitter2(),
        inject: [{ token: EventEmitter2, optional: true }],
      },
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
      ASES_EVENT_EMITTER,
      ASES_REDIS,
      StoreMonitor,
      AsesService,
      AsesMetrics,
    ],
  };
}

/** Tracking and unsubscribe links point under the route prefix, where their controllers are. */
function withRoutes(options: ResolvedAsesOptions, routes: ResolvedAsesRoutes): ResolvedAsesOptions {
  return {
    ...options,
    tracking: {
      ...options.tracking,
      baseUrl: withRoutePrefix(options.tracking.baseUrl, routes.prefix),
    },
  };
}
