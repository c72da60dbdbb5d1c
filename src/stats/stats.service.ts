import { Injectable } from '@nestjs/common';
import { bucketStarts } from './series';
import { SeriesRepository } from './series.repository';
import type { StatsQuery } from './stats-query';
import { StatsResponse, statsResponse } from './stats-response';

/** Reads the time series for the API and the dashboard. */
@Injectable()
export class StatsService {
  constructor(private readonly series: SeriesRepository) {}

  /** The buckets of a range, one point each (zeros where nothing happened). */
  async read(query: StatsQuery): Promise<StatsResponse> {
    const starts = bucketStarts(query.resolution, query.since, query.until);
    const buckets = await this.series.buckets(query.resolution, starts);
    return statsResponse(query.resolution, query.since, query.until, buckets, query.category);
  }
}
