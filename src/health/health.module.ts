import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueueModule } from '../core/queue.module';
import { StoreHealth } from '../core/store-health';
import { HealthController } from './health.controller';

/** The health endpoint (Redis, one server or a cluster, and the queues), with @nestjs/terminus. */
@Module({
  imports: [TerminusModule, QueueModule],
  controllers: [HealthController],
  providers: [StoreHealth],
})
export class HealthModule {}
