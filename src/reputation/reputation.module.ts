import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { SeriesRepository } from '../stats/series.repository';
import { StatsModule } from '../stats/stats.module';
import { REPUTATION_COUNTS } from './reputation-counts';
import { ReputationRepository } from './reputation.repository';
import { ReputationService } from './reputation.service';

/**
 * The reputation guard: `GET /v1/reputation`, `POST /v1/reputation/resume`, and
 * `ReputationService.holdsBack`, which the sender asks before each message. Reads the counts of
 * the time series (StatsModule); imports no other feature module, so the mailer can import it.
 */
@Module({
  imports: [StatsModule],
  providers: [
    ApiKeyGuard,
    ReputationRepository,
    ReputationService,
    { provide: REPUTATION_COUNTS, useExisting: SeriesRepository },
  ],
  exports: [ReputationService],
})
export class ReputationModule {}
