import { Module } from '@nestjs/common';
import { QueueModule } from '../core/queue.module';
import { MailerModule } from '../mailer/mailer.module';
import { StatsModule } from '../stats/stats.module';
import { MetricsCollector } from './metrics.collector';
import { MetricsListener } from './metrics.listener';
import { MetricsServer } from './metrics.server';
import { SeriesSampler } from './series.sampler';

/**
 * Prometheus metrics: `GET /metrics` on the API port (with the API key), and/or on
 * `metrics.port` (without). `AsesMetrics` itself is a core provider, injectable in every ases module; this
 * module serves it and feeds the gauges and the event counters.
 */
@Module({
  imports: [QueueModule, MailerModule, StatsModule],
  providers: [MetricsCollector, MetricsListener, MetricsServer, SeriesSampler],
})
export class MetricsModule {}
