import { Injectable } from '@nestjs/common';
import { BatchItemResult, MailerService, SendmailResult } from './mailer/mailer.service';
import { SendMessageDto } from './mailer/dto/send-message.dto';
import { MessageRecord } from './status/message-record';
import { StatusService } from './status/status.service';

/** What a host app calls: send mail, read a status. */
@Injectable()
export class AsesService {
  constructor(
    private readonly mailer: MailerService,
    private readonly status: StatusService,
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

  /** A message's record by ases id or SES message id; throws MESSAGE_NOT_FOUND when unknown. */
  getStatus(id: string): Promise<MessageRecord> {
    return this.status.getStatus(id);
  }

  /** Like `getStatus`, but resolves to null for an unknown or expired id. */
  findStatus(id: string): Promise<MessageRecord | null> {
    return this.status.findStatus(id);
  }
}
