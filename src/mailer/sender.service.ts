import { Injectable, Logger } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { MessageStatus } from '../status/message-status';
import { StatusRepository } from '../status/status.repository';
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
  | { result: 'retry'; code: string; message: string };

/** Sends one queued message through SES, under the rate limit, and records the outcome. */
@Injectable()
export class SenderService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly repository: StatusRepository,
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
    const record = await this.repository.find(job.id);
    if (!record) {
      return { result: 'skipped', reason: 'no record (expired, or never accepted)' };
    }
    if (record.status !== MessageStatus.QUEUED) {
      return { result: 'skipped', reason: `already ${record.status}` };
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
      await this.repository.advance(job.id, MessageStatus.FAILED, {
        failedAt: new Date().toISOString(),
        error: { code: failure.code, message },
      });
      return { result: 'failed', code: failure.code, message };
    }
    const change = await this.repository.markPushed(job.id, sesMessageId, new Date().toISOString());
    if (change.outcome !== 'applied') {
      // Another receive of the same job won the race; SES has it twice. Say so loudly.
      this.logger.warn(
        `message ${job.id} was sent again (SES id ${sesMessageId}) while it was ` +
          (change.outcome === 'missing' ? 'no longer recorded' : change.current),
      );
    }
    return { result: 'pushed', sesMessageId };
  }
}
