import { Injectable, Logger } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { isStoreOutage } from '../core/consumer-errors';
import { retryDelaySeconds, receiveCount } from '../core/redelivery';
import { MAX_RETRY_DELAY_SECONDS, SenderService } from './sender.service';
import { parseSendmailJob } from './sendmail-job';

/** What to do with a received sendmail message: delete it, or hide it for `delaySeconds`. */
export type Disposition = { delete: true } | { delete: false; delaySeconds: number };

/**
 * The sendmail queue's policy, message by message. A body that is not a job is dropped as poison
 * (logged). A send that must be tried again is put back with the sender's delay. An unexpected
 * error (Redis down) puts it back with a growing delay, so nothing is deleted before its outcome
 * is recorded.
 */
@Injectable()
export class SendmailConsumer {
  private readonly logger = new Logger('ases');

  constructor(private readonly sender: SenderService) {}

  async handle(message: Message, signal?: AbortSignal): Promise<Disposition> {
    const job = parseSendmailJob(message.Body);
    if (!job) {
      this.logger.error(`sendmail: dropped SQS message ${message.MessageId}: not a sendmail job`);
      return { delete: true };
    }
    try {
      const outcome = await this.sender.send(job, signal);
      switch (outcome.result) {
        // SUPPRESSED and FAILED are logged as the status changes are (MessageLogListener).
        case 'pushed':
        case 'skipped':
        case 'held':
        case 'suppressed':
        case 'failed':
          return { delete: true };
        case 'retry':
          if (outcome.delaySeconds > 0 && outcome.logged !== true) {
            this.logger.warn(
              `message ${job.id}: ${outcome.reason}; next try in ${outcome.delaySeconds} s`,
            );
          }
          return { delete: false, delaySeconds: outcome.delaySeconds };
      }
    } catch (error) {
      const delaySeconds = retryDelaySeconds(receiveCount(message), MAX_RETRY_DELAY_SECONDS);
      const line =
        `message ${job.id} will be retried in ${delaySeconds} s: ` +
        (error instanceof Error ? error.message : String(error));
      // StoreMonitor reports a Redis outage once; a line per message would bury it.
      if (isStoreOutage(error)) {
        this.logger.debug(line);
      } else {
        this.logger.error(line);
      }
      return { delete: false, delaySeconds };
    }
  }
}
