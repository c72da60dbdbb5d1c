import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { QueueDirectory } from '../core/queue-directory';
import { SendRateLimiter } from '../mailer/send-rate.limiter';
import { SeriesRepository } from '../stats/series.repository';

/** How often each instance samples the gauges into the time series. */
export const SAMPLE_EVERY_MS = 60_000;
const DEPTH_TIMEOUT_MS = 5_000;

/**
 * Samples the sendmail queue's depth and the send rate in force into the time series once a
 * minute, for the dashboard's charts. Every instance samples (the last of a minute stands): the
 * depth is SQS's and the rate is shared, so they read the same.
 */
@Injectable()
export class SeriesSampler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ases');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly series: SeriesRepository,
    private readonly queues: QueueDirectory,
    private readonly limiter: SendRateLimiter,
  ) {}

  onApplicationBootstrap(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample now; what cannot be read is left out. */
  async sample(): Promise<void> {
    const [depth, rate] = await Promise.allSettled([
      this.queues.depth('sendmail', DEPTH_TIMEOUT_MS),
      this.limiter.currentRate(),
    ]);
    if (depth.status === 'rejected') {
      this.logger.debug(`queue depth not sampled: ${String(depth.reason)}`);
    }
    await this.series.sample(
      depth.status === 'fulfilled'
        ? depth.value.visible + depth.value.inFlight + depth.value.delayed
        : null,
      rate.status === 'fulfilled' ? rate.value : null,
      Date.now(),
    );
  }
}
