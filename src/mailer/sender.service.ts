import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { retryDelaySeconds } from '../core/redelivery';
import { isGeneratedId, queuedAtOfId } from '../status/message-id';
import { MessageStatus } from '../status/message-status';
import type { ClaimResult } from '../status/status.repository';
import { StatusService } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import { TrackingService } from '../tracking/tracking.service';
import { SendPaused, SendRateLimiter } from './send-rate.limiter';
import { SendQuotaService } from './send-quota.service';
import { SesSendError } from './ses-send.error';
import { SES_REQUEST_TIMEOUT_MS, SesTransport } from './ses.transport';
import { SendmailJob, pushedReceipt, serializeSendmailJob } from './sendmail-job';
import { SendmailQueue } from './sendmail.queue';

/**
 * How long a claim keeps other receives of the same job from sending it: longer than the slot
 * wait, the SES call (bounded by its timeout) and the status write together.
 */
export const SEND_LEASE_MS = 2 * SES_REQUEST_TIMEOUT_MS;
/** Longest backoff between two attempts of one message. */
export const MAX_RETRY_DELAY_SECONDS = 300;
/** Longest pause between two tries to keep the outcome of a send while Redis and SQS are away. */
const MAX_OUTCOME_BACKOFF_MS = 5000;

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
 * least once) from both sending it. The job is the durable copy of what must be sent: a record
 * Redis lost is made again from it, and an outcome Redis could not take goes back on the queue as
 * a receipt, so a mail SES accepted is never sent again because Redis was away.
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
    private readonly queue: SendmailQueue,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** Sends the job unless it went already; `signal` aborts a wait for a slot (at shutdown). */
  async send(job: SendmailJob, signal?: AbortSignal): Promise<SendOutcome> {
    if (job.pushed) {
      return this.recordReceipt(job, job.pushed);
    }
    const owner = randomUUID();
    let claim = await this.claim(job, owner);
    if (claim.outcome === 'missing') {
      await this.restore(job);
      claim = await this.claim(job, owner);
    }
    switch (claim.outcome) {
      case 'missing':
        return { result: 'retry', delaySeconds: 1, reason: 'its record vanished again' };
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
    let change: Awaited<ReturnType<StatusService['markPushed']>>;
    try {
      change = await this.status.markPushed(job.id, sesMessageId, pushedAt);
    } catch (error) {
      return this.keepOutcome(job, sesMessageId, pushedAt, error);
    }
    if (change.outcome === 'missing') {
      // Redis lost the record while SES had the mail: make it again, PUSHED with this SES id.
      return this.recordReceipt(job, { sesMessageId, at: pushedAt }).catch((error: unknown) =>
        this.keepOutcome(job, sesMessageId, pushedAt, error),
      );
    }
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
        `message ${job.id} was sent again (SES id ${sesMessageId}) while it was ${change.current}`,
      );
    }
    return { result: 'pushed', sesMessageId };
  }

  /**
   * Takes the send lease. A claim that timed out on a hung Redis may still run when it resumes,
   * and its lease would hold the message back for SEND_LEASE_MS: the release sent right behind it,
   * on the same connection, runs right after it.
   */
  private async claim(job: SendmailJob, owner: string): Promise<ClaimResult> {
    try {
      return await this.status.claim(job.id, owner, SEND_LEASE_MS);
    } catch (error) {
      this.status.release(job.id, owner, true).catch(() => undefined);
      throw error;
    }
  }

  /**
   * SES accepted the message but Redis did not take the PUSHED write: put a receipt on the queue
   * (SQS is the durable copy; the job is then deleted), or, while SQS refuses too, keep trying
   * both, holding the job (its visibility is renewed) so that no other receive sends it again.
   * Only a process that dies in here loses the outcome; docs/decisions.md has that window.
   */
  private async keepOutcome(
    job: SendmailJob,
    sesMessageId: string,
    pushedAt: string,
    storeError: unknown,
  ): Promise<SendOutcome> {
    const receipt = pushedReceipt(job, sesMessageId, pushedAt);
    let reason = storeError instanceof Error ? storeError.message : String(storeError);
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) {
        try {
          return await this.recordReceipt(receipt, { sesMessageId, at: pushedAt });
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
        }
      }
      const failed = await this.queue.enqueue([receipt]);
      if (failed.size === 0) {
        this.logger.debug(
          `message ${job.id}: PUSHED (${sesMessageId}) kept as a receipt: ${reason}`,
        );
        return { result: 'pushed', sesMessageId };
      }
      if (attempt === 0) {
        this.logger.error(
          `message ${job.id} was sent (SES id ${sesMessageId}) but neither Redis (${reason}) nor ` +
            `the queue (${[...failed.values()][0]}) took its outcome; holding it until one does`,
        );
      }
      await sleep(Math.min(MAX_OUTCOME_BACKOFF_MS, 250 * 2 ** attempt));
    }
  }

  /** Writes the outcome a receipt carries; SES is not called again. */
  private async recordReceipt(
    job: SendmailJob,
    pushed: NonNullable<SendmailJob['pushed']>,
  ): Promise<SendOutcome> {
    let change = await this.status.markPushed(job.id, pushed.sesMessageId, pushed.at);
    if (change.outcome === 'missing') {
      await this.restore(job);
      change = await this.status.markPushed(job.id, pushed.sesMessageId, pushed.at);
    }
    if (change.outcome === 'applied') {
      this.status.announceStatus(
        job.id,
        change.previous,
        MessageStatus.PUSHED,
        { type: 'pushed', at: pushed.at, detail: pushed.sesMessageId, source: 'ases' },
        job.tags ?? {},
      );
    }
    return { result: 'pushed', sesMessageId: pushed.sesMessageId };
  }

  /**
   * Makes the record of a job again when Redis lost it (flushed, evicted, restarted without
   * persistence): the queue, not Redis, says what must be sent.
   */
  private async restore(job: SendmailJob): Promise<void> {
    const now = new Date();
    const queuedAt =
      job.queuedAt ??
      new Date(isGeneratedId(job.id) ? queuedAtOfId(job.id) : now.getTime()).toISOString();
    const created = await this.status.create({
      id: job.id,
      from: job.from,
      to: job.to,
      subject: job.subject,
      tags: job.tags,
      track: job.track,
      queuedAt,
      fingerprint: job.fingerprint ?? '',
    });
    if (!created.created) {
      return;
    }
    await this.status.update(job.id, {
      event: {
        type: 'restored',
        at: now.toISOString(),
        detail: 'Redis had lost the record; made again from the queued job',
        source: 'ases',
      },
    });
    this.logger.warn(`message ${job.id}: Redis had lost its record; made again from its job`);
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
