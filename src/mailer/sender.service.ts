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
import { emailAddressOf } from '../core/email-address';
import type { SuppressionEntry } from '../suppression/suppression-entry';
import { AsesMetrics } from '../metrics/ases-metrics';
import { sesCallOutcome, waitedSeconds } from '../metrics/metric-labels';
import { sendRetryLogLine, writeLogLine } from '../logging/message-log';
import { SeriesRepository } from '../stats/series.repository';
import { JobContentStore } from './job-content.store';
import { ReputationService } from '../reputation/reputation.service';
import {
  DEFAULT_CATEGORY,
  SendmailJob,
  jobRecipients,
  pushedReceipt,
  serializeSendmailJob,
} from './sendmail-job';
import { MAX_SQS_DELAY_SECONDS, SendmailQueue } from './sendmail.queue';

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
  /** Held back by the reputation guard: a fresh copy is on the queue; this receive can be deleted. */
  | { result: 'held'; reason: string }
  | {
      result: 'retry';
      delaySeconds: number;
      reason: string;
      /** The sender logged it already (a failed send attempt); the consumer need not. */
      logged?: true;
    };

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
    private readonly contents: JobContentStore,
    private readonly metrics: AsesMetrics,
    private readonly series: SeriesRepository,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
    private readonly reputation: ReputationService,
  ) {}

  /** Sends the job unless it went already; `signal` aborts a wait for a slot (at shutdown). */
  async send(job: SendmailJob, signal?: AbortSignal): Promise<SendOutcome> {
    if (job.pushed) {
      const outcome = await this.recordReceipt(job, job.pushed);
      await this.dropContent(job);
      return outcome;
    }
    // SQS delays a job 15 minutes at most: one scheduled later is handed out again until due.
    const earlyMs = job.sendAt === undefined ? 0 : Date.parse(job.sendAt) - Date.now();
    if (earlyMs > 1000) {
      return {
        result: 'retry',
        delaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(earlyMs / 1000)),
        reason: `scheduled for ${job.sendAt}`,
      };
    }
    if (earlyMs > 0) {
      try {
        await sleep(earlyMs, undefined, { signal });
      } catch {
        return { result: 'retry', delaySeconds: 0, reason: 'shutting down before its time came' };
      }
    }
    // Before the claim: a paused guard costs held mail no Redis call, only its trip round the
    // queue (a canceled one is dropped once the pause ends).
    if (this.reputation.holdsBack(job.category)) {
      return this.holdBack(job);
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
        // Sent, failed or canceled already: this copy's content is not needed any more.
        await this.dropContent(job);
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
    // Addresses may have gone on the suppression list while the message waited in the queue:
    // they are left out; a message left with no recipient is SUPPRESSED.
    const recipients = jobRecipients(job);
    const blocked = await this.suppressions.blockedAmong(
      recipients,
      job.category ?? DEFAULT_CATEGORY,
    );
    const [suppressed] = [...blocked.values()];
    if (suppressed !== undefined && blocked.size === recipients.length) {
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
          recipient: bareAddress(job.to),
          detail: suppressed.reason,
          source: 'ases',
        },
      });
      await this.dropContent(job);
      return { result: 'suppressed', reason: suppressed.reason };
    }
    const destinations = recipients.filter((mailbox) => !blocked.has(mailbox)).map(bareAddress);
    let raw: Buffer;
    try {
      raw = await this.contentOf(job);
    } catch (error) {
      if (error instanceof ContentMissing) {
        return this.fail(job, owner, attempt, error.failure);
      }
      // S3 did not answer: not an attempt; try again shortly.
      await this.status.release(job.id, owner, true);
      return {
        result: 'retry',
        delaySeconds: 5,
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    try {
      await this.limiter.acquire(destinations.length, signal);
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
      sesMessageId = await this.transport.sendRaw({
        from: job.from,
        destinations,
        raw,
        configurationSet: job.configurationSet,
        tags: job.sesTags,
      });
    } catch (error) {
      const failure = SesSendError.from(error);
      this.metrics.sesFailed(sesCallOutcome(failure.kind));
      return this.afterFailure(job, owner, attempt, failure);
    }
    this.metrics.sesAccepted(destinations.length, waitedSeconds(job, Date.now()));
    const pushedAt = new Date().toISOString();
    // Counted as SES took it, whatever becomes of the PUSHED write: SES counts it too.
    this.series.addSent(job.category, destinations.length, Date.parse(pushedAt));
    let change: Awaited<ReturnType<StatusService['markPushed']>>;
    try {
      change = await this.status.markPushed(job.id, sesMessageId, pushedAt);
    } catch (error) {
      return this.keepOutcome(job, sesMessageId, pushedAt, error);
    }
    if (change.outcome === 'missing') {
      // Redis lost the record while SES had the mail: make it again, PUSHED with this SES id.
      return this.recordReceipt(job, { sesMessageId, at: pushedAt })
        .then(async (outcome) => {
          await this.dropContent(job);
          return outcome;
        })
        .catch((error: unknown) => this.keepOutcome(job, sesMessageId, pushedAt, error));
    }
    if (change.outcome === 'applied') {
      this.status.announceStatus(
        job.id,
        change.previous,
        MessageStatus.PUSHED,
        { type: 'pushed', at: pushedAt, detail: sesMessageId, source: 'ases' },
        claim.tags,
        sesMessageId,
        job.category,
      );
      await this.recordLeftOut(job, blocked, pushedAt);
    } else {
      // Only a lease that ran out mid-send lets this happen; SES has the message twice.
      this.logger.warn(
        `message ${job.id} was sent again (SES id ${sesMessageId}) while it was ${change.current}`,
      );
    }
    await this.dropContent(job);
    return { result: 'pushed', sesMessageId };
  }

  /**
   * Keeps a job the reputation guard holds back queued: as a fresh copy, delayed `holdSeconds`,
   * and this receive deleted, so that a long pause neither raises its SQS receive count (a
   * redrive policy would move it to a dead-letter queue) nor runs out its retention period.
   * While SQS refuses the copy, this receive is put back instead.
   */
  private async holdBack(job: SendmailJob): Promise<SendOutcome> {
    const holdSeconds = this.options.guard.holdSeconds;
    const failed = await this.queue.enqueue([job], holdSeconds);
    if (failed.size === 0) {
      return { result: 'held', reason: 'held back by the reputation guard' };
    }
    // Logged once per pause by the guard; the consumer need not log each message.
    return {
      result: 'retry',
      delaySeconds: holdSeconds,
      reason: 'held back by the reputation guard',
      logged: true,
    };
  }

  /** The MIME source of a job: in the job, or in S3 (claim-check). */
  private async contentOf(job: SendmailJob): Promise<Buffer> {
    if (job.s3Key === undefined) {
      return Buffer.from(job.raw, 'utf8');
    }
    const body = await this.contents.get(job.s3Key);
    if (body === null) {
      throw new ContentMissing(job.s3Key);
    }
    return Buffer.from(body, 'utf8');
  }

  /**
   * Deletes a job's S3 object once the message no longer needs it (PUSHED, FAILED for good,
   * SUPPRESSED, CANCELED). A failure only leaves the object to the bucket's lifecycle rule.
   */
  private async dropContent(job: SendmailJob): Promise<void> {
    if (job.s3Key === undefined) {
      return;
    }
    await this.contents.delete(job.s3Key).catch((error: unknown) => {
      this.logger.warn(
        `message ${job.id}: its S3 object ${job.s3Key} was not deleted (the bucket's lifecycle ` +
          `rule will): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  /** Recipients left out of a send because they were suppressed meanwhile: SUPPRESSED each. */
  private async recordLeftOut(
    job: SendmailJob,
    blocked: Map<string, SuppressionEntry>,
    at: string,
  ): Promise<void> {
    for (const [mailbox, entry] of blocked) {
      const recipient = bareAddress(mailbox);
      // The update announces the recipient's new status (and the message's, if it moved).
      await this.status.update(job.id, {
        status: MessageStatus.SUPPRESSED,
        recipient,
        change: { suppressedAt: at },
        event: { type: 'suppressed', at, recipient, detail: entry.reason, source: 'ases' },
      });
    }
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
        pushed.sesMessageId,
        job.category,
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
      to: job.rcpt ? job.rcpt.to : job.to,
      cc: job.rcpt?.cc?.length ? job.rcpt.cc : undefined,
      bcc: job.rcpt?.bcc?.length ? job.rcpt.bcc : undefined,
      category: job.category,
      scheduledFor: job.sendAt,
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
    const retry = {
      messageId: job.id,
      attempt,
      maxAttempts: this.options.maxSendAttempts,
      errorCode: failure.code,
      error: failure.message,
      retryInSeconds: delaySeconds,
    };
    writeLogLine(this.logger, sendRetryLogLine(retry, this.options.logRecipients));
    return {
      result: 'retry',
      delaySeconds,
      reason: `${failure.code}: ${failure.message}`,
      logged: true,
    };
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
    // A job whose content is in S3 is not kept: its object is deleted now, so it cannot be
    // retried by hand (NOT_RETRYABLE says to send it again).
    if (job.s3Key === undefined) {
      await this.status.keepJob(job.id, serializeSendmailJob(job));
    }
    await this.status.update(job.id, {
      status: MessageStatus.FAILED,
      change: { failedAt: at, error: { code: failure.code, message } },
      event: { type: 'failed', at, detail: `${failure.code}: ${message}`, source: 'ases' },
    });
    // Free at once for a retry by hand.
    await this.status.release(job.id, owner, false);
    await this.dropContent(job);
    return { result: 'failed', code: failure.code, message };
  }
}

/** The bare address of a mailbox (`Name <addr>` → `addr`). */
function bareAddress(mailbox: string): string {
  return emailAddressOf(mailbox) || mailbox;
}

/** A job whose S3 object is gone (deleted after an earlier outcome, or by the lifecycle rule). */
class ContentMissing extends Error {
  readonly failure: SesSendError;

  constructor(key: string) {
    super(`its content (S3 object ${key}) is gone`);
    this.failure = new SesSendError(
      'CONTENT_MISSING',
      `its content is no longer in S3 (${key}): send it again as a new message`,
      true,
    );
  }
}
