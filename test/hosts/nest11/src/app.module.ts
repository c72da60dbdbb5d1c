import { Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AsesModule, type AsesModuleOptions } from 'ases';
import { DeliveryWatcher } from './delivery.watcher';
import { HealthController } from './health.controller';

export interface HostSettings {
  /** Where AWS is: the local stack's region, endpoints, credentials and claim-check bucket. */
  aws: Pick<AsesModuleOptions, 'region' | 'endpoints' | 'credentials' | 's3Bucket'>;
  redisUrl: string;
  redisKeyPrefix: string;
}

/** A host app: its own event emitter, controller and listener, and ases on the local stack. */
@Module({})
export class AppModule {
  static register(settings: HostSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot(),
        AsesModule.forRoot({
          // ases's routes under /mail, so that /health stays the host's own.
          routes: { prefix: 'mail' },
          ...settings.aws,
          apiKeys: ['nest11-host-api-key-0123456789'],
          tracking: {
            baseUrl: 'http://127.0.0.1:3000/mail',
            secret: 'nest11-host-tracking-secret-0123456789',
          },
          redis: { url: settings.redisUrl, keyPrefix: settings.redisKeyPrefix },
          pollWaitSeconds: 1,
        }),
      ],
      controllers: [HealthController],
      providers: [DeliveryWatcher],
    };
  }
}
