import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from './core/ases-options';
import { InjectAsesOptions } from './core/ases.tokens';
import { BatchItemResult, MailerService, SendmailResult } from './mailer/mailer.service';
import { SendMessageDto } from './mailer/dto/send-message.dto';
import { MessageQuery, parseMessageListing, SearchPage } from './status/message-query';
import type { StalePage } from './status/stale-rules';
import { MessageRecord } from './status/message-record';
import { MessageStatus } from './status/message-status';
import { parseStatsQuery } from './stats/stats-query';
import type { StatsResponse } from './stats/stats-response';
import { StatsService } from './stats/stats.service';
import { FailedPage } from './status/status.repository';
import { StatusService } from './status/status.service';
import { SuppressionEntry, SuppressResult } from './suppression/suppression-entry';
import { SuppressionService } from './suppression/suppression.service';
import type { PutTemplateResult, StoredTemplate } from './templates/stored-template';
import { TemplateService } from './templates/template.service';

/** What a host app calls: send mail, read a status, manage the suppression list. */
@Injectable()
export class AsesService {
  constructor(
    private readonly mailer: MailerService,
    private readonly status: StatusService,
    private readonly suppressions: SuppressionService,
    private readonly templates: TemplateService,
    private readonly statsReader: StatsService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /**
   * Queues one message; resolves to `{ id, status: 'QUEUED', replayed, scheduledFor?, skipped? }`.
   * Throws `AsesException` with code INVALID_MESSAGE (and `details.errors` naming the fields),
   * RECIPIENT_SUPPRESSED (`details.suppressed`), TEMPLATE_NOT_FOUND, IDEMPOTENCY_CONFLICT or
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

  /**
   * Cancels a message not sent yet (QUEUED, scheduled or not): it becomes CANCELED. Throws
   * MESSAGE_NOT_FOUND, or NOT_CANCELABLE when it was sent or is being sent right now.
   */
  cancel(id: string): Promise<{ id: string; status: MessageStatus }> {
    return this.mailer.cancel(id);
  }

  /** FAILED messages, newest first, a page at a time (`nextCursor` continues). */
  listFailed(options: { cursor?: string; limit?: number } = {}): Promise<FailedPage> {
    return this.status.listFailed(options.cursor, options.limit ?? 100);
  }

  /**
   * `GET /v1/messages` for the host: the messages matching every filter given, newest queued first,
   * a page at a time (`status`, `to` and `tag` as a string or a list, `since`/`until` RFC 3339,
   * `limit`, `cursor`: the `nextCursor` of the page before); `status: 'FAILED'` alone and
   * `status: 'STALE'` are the FAILED and stale listings, as on the REST API. Throws
   * INVALID_REQUEST naming a bad parameter.
   */
  async listMessages(query: MessageQuery = {}): Promise<SearchPage | FailedPage | StalePage> {
    const { limit, ...rest } = query;
    return this.status.list(
      parseMessageListing(
        limit === undefined ? rest : { ...rest, limit: String(limit) },
        this.options.statusDetail,
      ),
    );
  }

  /**
   * `GET /v1/stats` for the host: fleet-wide counts per minute (the default: the last hour) or
   * per hour (the last 14 days), all categories or one; `since`/`until` RFC 3339. Throws
   * INVALID_REQUEST naming a bad parameter.
   */
  async stats(
    query: {
      resolution?: 'minute' | 'hour';
      since?: string;
      until?: string;
      category?: string;
    } = {},
  ): Promise<StatsResponse> {
    return this.statsReader.read(parseStatsQuery(query, Date.now()));
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

  /**
   * Stores a template (`{ subject, html?, text? }`, Mustache) under `name`, replacing one of that
   * name; messages use it with `template: { name, data }`. Throws INVALID_REQUEST naming the part
   * that does not parse.
   */
  putTemplate(
    name: string,
    template: { subject: string; html?: string; text?: string },
  ): Promise<PutTemplateResult> {
    return this.templates.put(name, template);
  }

  /** The template stored under `name`, or null. */
  findTemplate(name: string): Promise<StoredTemplate | null> {
    return this.templates.find(name);
  }

  /** Removes a template; resolves to whether there was one. */
  removeTemplate(name: string): Promise<boolean> {
    return this.templates.remove(name);
  }
}
