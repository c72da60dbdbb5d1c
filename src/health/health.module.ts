import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QueueModule } from '../core/queue.module';
import { StoreHealth } from '../core/store-health';
import { AsesHealthIndicator } from './ases.health-indicator';

/**
 * The health endpoint (Redis, one server or a cluster, and the queues), with @nestjs/terminus, and
 * the same check for a host's own terminus endpoint ({@link AsesHealthIndicator}, exported).
 * Terminus's own logger is off: it logs every failed probe (twice a second behind a load
 * balancer), while StoreMonitor says once that Redis went away and once that it is back.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule],
  providers: [StoreHealth, AsesHealthIndicator],
  exports: [AsesHealthIndicator, TerminusModule],
})
export class HealthModule {}
