import { DiscoveryModule, DiscoveryService } from '@golevelup/nestjs-discovery';
import { Module } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import type { ResolvedAsesOptions } from './ases-options';
import { ASES_OPTIONS, ASES_SQS_SERVICE } from './ases.tokens';
import { ConsumerDrain } from './consumer-drain';
import { QueueDirectory } from './queue-directory';
import { buildSqsOptions } from './sqs-options.factory';

/**
 * The SQS side of ases: the queue directory (client and queue URLs), an @ssut/nestjs-sqs
 * `SqsService` running ases's consumers and producer, and the drain that lets them finish at shutdown.
 *
 * `SqsModule.register` is a global module providing the `SqsService` class token, which would
 * clash with a host app that uses @ssut/nestjs-sqs itself; ases builds its own instance under a
 * namespaced token instead (the library's handler discovery and lifecycle work the same).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: QueueDirectory,
      useFactory: (options: ResolvedAsesOptions) => QueueDirectory.create(options),
      inject: [ASES_OPTIONS],
    },
    {
      provide: ASES_SQS_SERVICE,
      useFactory: (
        directory: QueueDirectory,
        options: ResolvedAsesOptions,
        discover: DiscoveryService,
      ) => new SqsService(buildSqsOptions(directory, options), discover),
      inject: [QueueDirectory, ASES_OPTIONS, DiscoveryService],
    },
    ConsumerDrain,
  ],
  exports: [QueueDirectory, ASES_SQS_SERVICE],
})
export class QueueModule {}
