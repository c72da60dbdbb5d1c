import { Injectable } from '@nestjs/common';
import { BatchItemResult, MailerService, SendmailResult } from './mailer/mailer.service';
import { SendMessageDto } from './mailer/dto/send-message.dto';
import { MessageRecord } from './status/message-record';
import { MessageStatus } from './status/message-status';
import { FailedPage } from './status/status.repository';
import { StatusService } from './status/status.service';
import { SuppressionEntry, SuppressResult } from './suppression/suppression-entry';
import { SuppressionService } from './suppression/suppression.service';

/** What a host app calls: send mail, read a status, manage the suppression list. */
@Injectable()
export class AsesService {
  constructor(
    private readonly mailer: MailerService,
    private readonly status: StatusService,
    private readonly suppressions: SuppressionService,
  ) {}

  /**
   * Queues one message; resolves to `{ id, status: 'QUEUED', replayed }`. Throws `AsesException`
   * with code INVALID_MESSAGE (and `details.errors` naming the fields), IDEMPOTENCY_CONFLICT or
   * QUEUE_UNAVAILABLE.
   */
  sendmail(message: SendMessageDto): Promise<SendmailResult> {
    return this.mailer.sendmail(message);
  }

  /** Queues up to 500 messages; one result per message, in order. */
  sendmailBatch(messages: SendMessageDto[]): Promise<BatchItemResult[]> {
    return this.mailer.sendmailBatch(messages);
  }

  /**
   * Queues a FAILED message again (attempts reset). Throws MESSAGE_NOT_FOUND, NOT_RETRYABLE (not
   * FAILED, or SES refused it after accepting it) or QUEUE_UNAVAILABLE.
   */
  retry(id: string): Promise<{ id: string; status: MessageStatus }> {
    return this.mailer.retry(id);
  }

  /** FAILED messages, newest first, a page at a time (`nextCursor` continues). */
  listFailed(options: { cursor?: string; limit?: number } = {}): Promise<FailedPage> {
    return this.status.listFailed(options.cursor, options.limit ?? 100);
  }

  /** A message's record by ases id or SES message id; throws MESSAGE_NOT_FOUND when unknown. */
  getStatus(id: string): Promise<MessageRecord> {
    return this.status.getStatus(id);
  }

  /** Like `getStatus`, but resolves to null for an unknown or expired id. */
  findStatus(id: string): Promise<MessageRecord | null> {
    return this.status.findStatus(id);
  }

  /** The suppression entry of an address, or null when mail to it may be sent. */
  findSuppression(email: string): Promise<SuppressionEntry | null> {
    return this.suppressions.find(email);
  }

  /** Puts an address on the suppression list by hand (replacing the reason of an existing entry). */
  suppress(email: string, reason: string): Promise<SuppressResult> {
    return this.suppressions.suppress({ email, reason, source: 'manual' });
  }

  /** Takes an address off the suppression list; resolves to whether it was on it. */
  unsuppress(email: string): Promise<boolean> {
    return this.suppressions.remove(email);
  }
}
