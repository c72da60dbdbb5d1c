import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { SeriesListener } from './series.listener';
import { SeriesRepository } from './series.repository';
import { StatsService } from './stats.service';

/**
 * The fleet-wide time series (counts per minute and per hour, in Redis) and `GET /v1/stats`.
 * A leaf: the sender and the reputation guard import it; it imports no feature module.
 */
@Module({
  providers: [ApiKeyGuard, SeriesListener, SeriesRepository, StatsService],
  exports: [SeriesRepository, StatsService],
})
export class StatsModule {}
