import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { SendRateLimiter } from './send-rate.limiter';
import { SendQuota, SesTransport } from './ses.transport';

/** The reason of the pause while SES's 24-hour quota is used up. */
export const DAILY_QUOTA_PAUSE =
  "SES's 24-hour sending quota is used up (Daily message quota exceeded)";
/** How soon a failed GetSendQuota is tried again while the rate is still unknown. */
const UNKNOWN_QUOTA_RETRY_MS = 10_000;

/** True when the quota says nothing more may be sent today. */
export function dailyQuotaUsedUp(quota: SendQuota): boolean {
  return quota.max24HourSend >= 0 && quota.sentLast24Hours >= quota.max24HourSend;
}

/**
 * Follows the account's sending quota (GetSendQuota). With SEND_RATE=auto it reads it at start
 * and every `quotaRefreshSeconds`, and sends at MaxSendRate. In every mode, a used-up 24-hour
 * quota pauses all sending (messages wait in SQS) until a later read shows room again.
 */
@Injectable()
export class SendQuotaService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private timer?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;
  private readonly refreshMs: number;
  private readonly auto: boolean;

  constructor(
    private readonly transport: SesTransport,
    private readonly limiter: SendRateLimiter,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    this.refreshMs = options.quotaRefreshSeconds * 1000;
    this.auto = options.sendRate === 'auto';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.auto) {
      return;
    }
    await this.refresh();
    // A plain timer, not @nestjs/schedule: its module is global, and a second
    // ScheduleModule.forRoot in a host app would run the host's cron jobs twice.
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearTimeout(this.recheck);
  }

  /** Reads the quota and applies it: the ceiling (auto), and the pause of a used-up day. */
  async refresh(): Promise<void> {
    let quota: SendQuota;
    try {
      quota = await this.transport.getSendQuota();
    } catch (error) {
      this.logger.warn(
        `GetSendQuota failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (this.auto && this.limiter.ceilingRate === null) {
        this.scheduleRecheck(UNKNOWN_QUOTA_RETRY_MS);
      }
      return;
    }
    try {
      if (this.auto && quota.maxSendRate > 0 && quota.maxSendRate !== this.limiter.ceilingRate) {
        this.logger.log(`SEND_RATE=auto: sending at SES's MaxSendRate, ${quota.maxSendRate}/s`);
        this.limiter.setCeiling(quota.maxSendRate);
      }
      if (dailyQuotaUsedUp(quota)) {
        await this.pauseForTheDay(quota);
      } else {
        await this.limiter.resume(DAILY_QUOTA_PAUSE);
      }
    } catch (error) {
      this.logger.warn(`send quota: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * SES answered "Daily message quota exceeded": pause every instance until the next quota read,
   * and make sure there is one. Resolves to the pause's length in ms.
   */
  async onDailyQuotaExceeded(): Promise<number> {
    await this.limiter.pause(this.refreshMs, DAILY_QUOTA_PAUSE);
    if (!this.auto) {
      this.scheduleRecheck(this.refreshMs);
    }
    return this.refreshMs;
  }

  private async pauseForTheDay(quota: SendQuota): Promise<void> {
    if (this.limiter.pausedForMs() === 0) {
      this.logger.warn(
        `sending paused: ${quota.sentLast24Hours} of ${quota.max24HourSend} sends of the last ` +
          '24 hours used; messages wait in the queue until the quota frees up',
      );
    }
    // Until just after the next read, which renews it or lets it end.
    await this.limiter.pause(this.refreshMs + 5000, DAILY_QUOTA_PAUSE);
    if (!this.auto) {
      this.scheduleRecheck(this.refreshMs);
    }
  }

  private scheduleRecheck(ms: number): void {
    clearTimeout(this.recheck);
    this.recheck = setTimeout(() => void this.refresh(), ms);
    this.recheck.unref();
  }
}
