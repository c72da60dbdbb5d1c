import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueueModule } from '../core/queue.module';
import { StatusModule } from '../status/status.module';
import { HealthController } from './health.controller';

/** The health endpoint (Redis and the four queues), with @nestjs/terminus. */
@Module({
  imports: [TerminusModule, QueueModule, StatusModule],
  controllers: [HealthController],
})
export class HealthModule {}
