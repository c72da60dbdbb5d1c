import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { createRedisConnection, getRedisConnectionToken } from '@nestjs-modules/ioredis';
import type { Redis } from 'ioredis';
import { AsesService } from './ases.service';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './ases.module-definition';
import type { ResolvedAsesOptions } from './core/ases-options';
import { ASES_MODULE_OPTIONS, ASES_OPTIONS, ASES_REDIS_CONNECTION } from './core/ases.tokens';
import { resolveAsesOptions } from './core/resolve-options';
import { FeedbackModule } from './feedback/feedback.module';
import { HealthModule } from './health/health.module';
import { MailerModule } from './mailer/mailer.module';
import { StatusModule } from './status/status.module';
import { SuppressionModule } from './suppression/suppression.module';
import { TrackingModule } from './tracking/tracking.module';

/**
 * ases's own connection, under the token `InjectRedis('ases')` resolves; StatusRepository closes
 * it. Not through `RedisModule.forRootAsync`: its RedisCoreModule keeps the connection tokens of
 * every `forRoot` in one static set, and the first instance to shut down quits only its own and
 * clears the set, so the host's `RedisModule.forRoot` connection would never be closed.
 */
const ASES_REDIS = getRedisConnectionToken(ASES_REDIS_CONNECTION);
const redis = {
  provide: ASES_REDIS,
  useFactory: (options: ResolvedAsesOptions): Redis =>
    createRedisConnection({
      type: 'single',
      url: options.redis.url,
      options: {
        // Fail a command after a few reconnect attempts rather than hold a request for long.
        maxRetriesPerRequest: 3,
        // Connect on first use: a start-up that fails on a queue then leaves no socket open.
        lazyConnect: true,
        connectionName: 'ases',
        // No auto-pipelining: at thousands of pixel loads a second it made the young generation
        // keep (and promote) about half of what it allocated, 5-10 ms scavenges and a full
        // collection a second; without it the pixel answers 1.5x as many requests, and the
        // sender at 500/s was no slower (docs/decisions.md).
      },
    }) as Redis,
  inject: [ASES_OPTIONS],
};

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
    MailerModule,
    FeedbackModule,
    TrackingModule,
    HealthModule,
    SuppressionModule,
  ],
  providers: [AsesService],
  exports: [AsesService],
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
      redis,
    ],
    exports: [...(module.exports ?? []), ASES_OPTIONS, ASES_REDIS, AsesService],
  };
}
