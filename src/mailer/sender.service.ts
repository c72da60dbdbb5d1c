import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { retryDelaySeconds } from '../core/redelivery';
import { MessageStatus } from '../status/message-status';
import { StatusService } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import { TrackingService } from '../tracking/tracking.service';
import { SendPaused, SendRateLimiter } from './send-rate.limiter';
import { SendQuotaService } from './send-quota.service';
import { SesSendError } from './ses-send.error';
import { SES_REQUEST_TIMEOUT_MS, SesTransport } from './ses.transport';
import { SendmailJob, serializeSendmailJob } from './sendmail-job';

/**
 * How long a claim keeps other receives of the same job from sending it: longer than the slot
 * wait, the SES call (bounded by its timeout) and the status write together.
 */
export const SEND_LEASE_MS = 2 * SES_REQUEST_TIMEOUT_MS;
/** Longest backoff between two attempts of one message. */
export const MAX_RETRY_DELAY_SECONDS = 300;

/**
 * What became of one receive of a job. `retry` asks the queue to hand it out again after
 * `delaySeconds`; every other result is final for this job, and it can be deleted.
 */
export type SendOutcome =
  | { result: 'pushed'; sesMessageId: string }
  | { result: 'failed'; code: string; message: string }
  | { result: 'skipped'; reason: string }
  | { result: 'suppressed'; reason: string }
  | { result: 'retry'; delaySeconds: number; reason: string };

/**
 * Sends one queued message through SES under the shared rate, and records the outcome before the
 * job may be deleted. A per-message lease in Redis keeps two receives of one job (SQS delivers at
 * least once) from both sending it.
 */
@Injectable()
export class SenderService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly status: StatusService,
    private readonly suppressions: SuppressionService,
    private readonly limiter: SendRateLimiter,
    private readonly quota: SendQuotaService,
    private readonly transport: SesTransport,
    private readonly tracking: TrackingService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** Sends the job unless it went already; `signal` aborts a wait for a slot (at shutdown). */
  async send(job: SendmailJob, signal?: AbortSignal): Promise<SendOutcome> {
    const owner = randomUUID();
    const claim = await this.status.claim(job.id, owner, SEND_LEASE_MS);
    switch (claim.outcome) {
      case 'missing':
        return { result: 'skipped', reason: 'no record (expired, or never accepted)' };
      case 'done':
        return { result: 'skipped', reason: `already ${claim.status}` };
      case 'busy':
        return {
          result: 'retry',
          delaySeconds: Math.ceil(claim.leaseLeftMs / 1000) + 1,
          reason: 'another receive of it is being sent',
        };
      case 'claimed':
        break;
    }
    const attempt = claim.attempts;
    if (attempt > this.options.maxSendAttempts) {
      // Receives that died mid-send (crashes) used up the attempts without an answer from SES.
      const lost = new SesSendError(
        'TooManyAttempts',
        'the processes sending it stopped before recording an outcome',
        false,
      );
      return this.fail(job, owner, attempt - 1, lost);
    }
    // The address may have gone on the suppression list while the message waited in the queue.
    const suppressed = await this.suppressions.find(job.to);
    if (suppressed) {
      const at = new Date().toISOString();
      await this.status.update(job.id, {
        status: MessageStatus.SUPPRESSED,
        change: {
          suppressedAt: at,
          error: {
            code: 'RECIPIENT_SUPPRESSED',
            message: `${suppressed.email} is on the suppression list since ${suppressed.since}: ${suppressed.reason}`,
          },
        },
        event: {
          type: 'suppressed',
          at,
          recipient: job.to,
          detail: suppressed.reason,
          source: 'ases',
        },
      });
      return { result: 'suppressed', reason: suppressed.reason };
    }
    const raw = Buffer.from(job.raw, 'utf8');
    try {
      await this.limiter.acquire(1, signal);
    } catch (error) {
      // Not sent: the attempt does not count.
      await this.status.release(job.id, owner, true);
      if (error instanceof SendPaused) {
        return {
          result: 'retry',
          delaySeconds: Math.ceil(error.leftMs / 1000),
          reason: error.message,
        };
      }
      if (signal?.aborted) {
        return { result: 'retry', delaySeconds: 0, reason: 'shutting down before its turn came' };
      }
      throw error;
    }
    let sesMessageId: string;
    try {
      sesMessageId = await this.transport.sendRaw({ from: job.from, to: job.to, raw });
    } catch (error) {
      return this.afterFailure(job, owner, attempt, SesSendError.from(error));
    }
    const pushedAt = new Date().toISOString();
    const change = await this.status.markPushed(job.id, sesMessageId, pushedAt);
    if (change.outcome === 'applied') {
      this.status.announceStatus(
        job.id,
        change.previous,
        MessageStatus.PUSHED,
        { type: 'pushed', at: pushedAt, detail: sesMessageId, source: 'ases' },
        claim.tags,
      );
    } else {
      // Only a lease that ran out mid-send lets this happen; SES has the message twice.
      this.logger.warn(
        `message ${job.id} was sent again (SES id ${sesMessageId}) while it was ` +
          (change.outcome === 'missing' ? 'no longer recorded' : change.current),
      );
    }
    return { result: 'pushed', sesMessageId };
  }

  private async afterFailure(
    job: SendmailJob,
    owner: string,
    attempt: number,
    failure: SesSendError,
  ): Promise<SendOutcome> {
    const kind = failure.kind;
    if (kind === 'daily-quota') {
      // SES dropped the message without counting it: not an attempt; wait for the quota.
      const pauseMs = await this.quota.onDailyQuotaExceeded();
      await this.status.release(job.id, owner, true);
      return {
        result: 'retry',
        delaySeconds: Math.ceil(pauseMs / 1000),
        reason: `${failure.code}: ${failure.message}`,
      };
    }
    if (kind === 'throttled') {
      await this.limiter.slowDown();
    }
    if (kind === 'permanent' || attempt >= this.options.maxSendAttempts) {
      return this.fail(job, owner, attempt, failure);
    }
    const delaySeconds = retryDelaySeconds(attempt, MAX_RETRY_DELAY_SECONDS);
    await this.status.release(job.id, owner, false);
    await this.status.update(job.id, {
      event: {
        type: 'retry',
        at: new Date().toISOString(),
        detail: `attempt ${attempt} failed: ${failure.code}: ${failure.message}; next in ${delaySeconds} s`,
        source: 'ases',
      },
    });
    return { result: 'retry', delaySeconds, reason: `${failure.code}: ${failure.message}` };
  }

  /** Records FAILED with the reason, keeping the job so that it can be retried by hand. */
  private async fail(
    job: SendmailJob,
    owner: string,
    attempt: number,
    failure: SesSendError,
  ): Promise<SendOutcome> {
    const message = failure.permanent
      ? failure.message
      : `${failure.message} (gave up after ${attempt} attempts)`;
    const at = new Date().toISOString();
    await this.status.keepJob(job.id, serializeSendmailJob(job));
    await this.status.update(job.id, {
      status: MessageStatus.FAILED,
      change: { failedAt: at, error: { code: failure.code, message } },
      event: { type: 'failed', at, detail: `${failure.code}: ${message}`, source: 'ases' },
    });
    // Free at once for a retry by hand.
    await this.status.release(job.id, owner, false);
    return { result: 'failed', code: failure.code, message };
  }
}
