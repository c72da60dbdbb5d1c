import { Injectable, Logger } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { MessageStatus } from '../status/message-status';
import { StatusRepository } from '../status/status.repository';
import { StatusService } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import { TrackingService } from '../tracking/tracking.service';
import { buildMimeMessage } from './mime-message';
import { SendRateLimiter } from './send-rate.limiter';
import { SesSendError } from './ses-send.error';
import { SesTransport } from './ses.transport';
import { SendmailJob } from './sendmail-job';

/** What became of one send attempt; `retry` asks the queue to hand the job out again later. */
export type SendOutcome =
  | { result: 'pushed'; sesMessageId: string }
  | { result: 'failed'; code: string; message: string }
  | { result: 'skipped'; reason: string }
  | { result: 'suppressed'; reason: string }
  | { result: 'retry'; code: string; message: string };

/** Sends one queued message through SES, under the rate limit, and records the outcome. */
@Injectable()
export class SenderService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly repository: StatusRepository,
    private readonly status: StatusService,
    private readonly suppressions: SuppressionService,
    private readonly limiter: SendRateLimiter,
    private readonly transport: SesTransport,
    private readonly tracking: TrackingService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /**
   * Sends the job unless its record says it already went (SQS delivers at least once). `attempt`
   * counts receives of this job, 1 the first time; the last allowed attempt records FAILED.
   */
  async send(job: SendmailJob, attempt: number): Promise<SendOutcome> {
    const record = await this.repository.find(job.id, { events: false });
    if (!record) {
      return { result: 'skipped', reason: 'no record (expired, or never accepted)' };
    }
    if (record.status !== MessageStatus.QUEUED) {
      return { result: 'skipped', reason: `already ${record.status}` };
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
    await this.limiter.acquire(1);
    const raw = await buildMimeMessage({
      from: job.from,
      to: job.to,
      subject: job.subject,
      html: job.html === undefined ? undefined : this.tracking.instrumentHtml(job.id, job.html),
      text: job.text,
    });
    let sesMessageId: string;
    try {
      sesMessageId = await this.transport.sendRaw({ from: job.from, to: job.to, raw });
    } catch (error) {
      const failure = SesSendError.from(error);
      if (!failure.permanent && attempt < this.options.maxSendAttempts) {
        return { result: 'retry', code: failure.code, message: failure.message };
      }
      const message = failure.permanent
        ? failure.message
        : `${failure.message} (gave up after ${attempt} attempts)`;
      const at = new Date().toISOString();
      await this.status.update(job.id, {
        status: MessageStatus.FAILED,
        change: { failedAt: at, error: { code: failure.code, message } },
        event: { type: 'failed', at, detail: `${failure.code}: ${message}`, source: 'ases' },
      });
      return { result: 'failed', code: failure.code, message };
    }
    const pushedAt = new Date().toISOString();
    const change = await this.repository.markPushed(job.id, sesMessageId, pushedAt);
    if (change.outcome === 'applied') {
      this.status.announceStatus(
        job.id,
        change.previous,
        MessageStatus.PUSHED,
        { type: 'pushed', at: pushedAt, detail: sesMessageId, source: 'ases' },
        record.tags,
      );
    } else {
      // Another receive of the same job won the race; SES has it twice. Say so loudly.
      this.logger.warn(
        `message ${job.id} was sent again (SES id ${sesMessageId}) while it was ` +
          (change.outcome === 'missing' ? 'no longer recorded' : change.current),
      );
    }
    return { result: 'pushed', sesMessageId };
  }
}
