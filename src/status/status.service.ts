import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import type { AsesStaleEvent } from '../core/ases-events';
import { InjectAsesEvents } from '../core/ases.tokens';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { decodeSearchCursor, encodeSearchCursor, IndexSearch, searchHash } from './message-index';
import { firstPosition, MessageListing, SearchPage } from './message-query';
import { MessageRecord, TimelineEvent } from './message-record';
import { MessageStatus } from './message-status';
import { DEFAULT_CATEGORY } from './record-codec';
import {
  CancelResult,
  ChangeResult,
  ClaimResult,
  CreateResult,
  FailedPage,
  MessageUpdate,
  NewMessage,
  RetryResult,
  SendTimes,
  SesMessageLookup,
  StatusRepository,
  UpdateResult,
} from './status.repository';
import {
  decodeStaleCursor,
  encodeStaleCursor,
  STALE_REASONS,
  StaleCounts,
  StalePage,
  StaleReason,
} from './stale-rules';

const EVENT_BY_STATUS: Partial<Record<MessageStatus, string>> = {
  [MessageStatus.QUEUED]: ASES_EVENTS.queued,
  [MessageStatus.CANCELED]: ASES_EVENTS.canceled,
  [MessageStatus.PUSHED]: ASES_EVENTS.pushed,
  [MessageStatus.DELAYED]: ASES_EVENTS.delayed,
  [MessageStatus.FAILED]: ASES_EVENTS.failed,
  [MessageStatus.SUPPRESSED]: ASES_EVENTS.suppressed,
  [MessageStatus.DELIVERED]: ASES_EVENTS.delivered,
  [MessageStatus.BOUNCED]: ASES_EVENTS.bounced,
  [MessageStatus.COMPLAINED]: ASES_EVENTS.complained,
};

const EVENT_BY_TIMELINE_TYPE: Readonly<Record<string, string>> = {
  open: ASES_EVENTS.opened,
  click: ASES_EVENTS.clicked,
  'auto-reply': ASES_EVENTS.autoReplied,
  unsubscribed: ASES_EVENTS.unsubscribed,
};

/** The MESSAGE_NOT_FOUND error of an id with no record (never sent, or expired). */
export function messageNotFound(id: string): AsesException {
  return new AsesException(
    AsesErrorCode.MESSAGE_NOT_FOUND,
    `no message with id "${id}" (never sent, or its record expired)`,
    { id, status: MessageStatus.UNKNOWN },
  );
}

/** Looks up what ases knows about a message, and records what happens to it. */
@Injectable()
export class StatusService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly repository: StatusRepository,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {}

  /** The record of a message by ases id or SES message id; throws MESSAGE_NOT_FOUND otherwise. */
  async getStatus(id: string): Promise<MessageRecord> {
    const record = await this.findStatus(id);
    if (!record) {
      throw messageNotFound(id);
    }
    return record;
  }

  /** The record of a message by ases id or SES message id, or null. */
  async findStatus(id: string): Promise<MessageRecord | null> {
    const record = await this.repository.find(id);
    if (record) {
      return record;
    }
    const match = await this.repository.findBySesId(id);
    return match.outcome === 'found' ? this.repository.find(match.id) : null;
  }

  /** Whether a message with this id is recorded. */
  exists(id: string): Promise<boolean> {
    return this.repository.exists(id);
  }

  /** Records a QUEUED message, unless one with this id exists: then returns that one. */
  create(message: NewMessage): Promise<CreateResult> {
    return this.repository.create(message);
  }

  /** Forgets a message that could not be queued, so the caller may try again with the same id. */
  remove(id: string): Promise<void> {
    return this.repository.remove(id);
  }

  /**
   * The message SES sent with this id, if ases recorded it (see
   * {@link StatusRepository.findBySesId}): the mail's own `X-Ases-Id` first, then the index.
   */
  findBySesId(
    sesMessageId: string,
    hints?: { candidateId?: string; times?: number[] },
  ): Promise<SesMessageLookup> {
    return this.repository.findBySesId(sesMessageId, hints);
  }

  /** Claims a QUEUED message for one send attempt (a lease of `leaseMs`), counting the attempt. */
  claim(id: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    return this.repository.claim(id, owner, leaseMs);
  }

  /** Gives up a send lease; `refund` uncounts the attempt. */
  release(id: string, owner: string, refund: boolean): Promise<void> {
    return this.repository.release(id, owner, refund);
  }

  /** Records that SES accepted the message under `sesMessageId` (from QUEUED only). */
  markPushed(id: string, sesMessageId: string, pushedAt: string): Promise<ChangeResult> {
    return this.repository.markPushed(id, sesMessageId, pushedAt);
  }

  /**
   * Cancels a QUEUED message that is not being sent right now, at `at` (ISO 8601): CANCELED, with
   * `canceledAt` and a `canceled` timeline entry. `busy`: a receive holds its send lease (it is
   * being sent); `not-cancelable`: it is past QUEUED. Like {@link retry}, it announces nothing:
   * the caller announces `canceled` (`announceStatus`, which emits `ases.message.canceled`).
   */
  cancel(id: string, at: string): Promise<CancelResult> {
    return this.repository.cancel(id, {
      type: 'canceled',
      at,
      detail: 'cancelled by request',
      source: 'ases',
    });
  }

  /** Keeps the job of a message about to be recorded FAILED, for a retry by hand. */
  keepJob(id: string, job: string): Promise<void> {
    return this.repository.keepJob(id, job);
  }

  /** FAILED → QUEUED with the kept job (see {@link StatusRepository.retry}). */
  retry(id: string, event: TimelineEvent): Promise<RetryResult> {
    return this.repository.retry(id, event);
  }

  /**
   * FAILED messages, newest first; `cursor` is the `nextCursor` of the page before (opaque:
   * base64url of the index entry it continues after).
   */
  async listFailed(cursor: string | undefined, limit: number): Promise<FailedPage> {
    const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString();
    const page = await this.repository.failedPage(after, limit);
    return page.nextCursor === undefined
      ? page
      : { ...page, nextCursor: Buffer.from(page.nextCursor).toString('base64url') };
  }

  /** What a `GET /v1/messages` query asked for: the FAILED or stale listing, or a search. */
  list(listing: MessageListing): Promise<SearchPage | FailedPage | StalePage> {
    switch (listing.kind) {
      case 'failed':
        return this.listFailed(listing.cursor, listing.limit);
      case 'stale':
        return this.listStale(listing.cursor, listing.limit, listing.reason);
      case 'search':
        return this.search(listing.search, listing.cursor, listing.limit);
    }
  }

  /**
   * Messages matching `search`, newest queued first (see {@link StatusRepository.searchPage});
   * `cursor` is the `nextCursor` of the page before, which only a page of the same search gave.
   */
  async search(
    search: IndexSearch,
    cursor: string | undefined,
    limit: number,
  ): Promise<SearchPage> {
    const hash = searchHash(search);
    const now = Date.now();
    const from =
      cursor === undefined ? firstPosition(search, now) : decodeSearchCursor(cursor, hash);
    if (from === null) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'cursor must be the nextCursor of a previous page of this search (the same status, to, ' +
          'tag, since and until)',
      );
    }
    const page = await this.repository.searchPage(search, from, limit, now);
    return page.next === undefined
      ? { messages: page.messages }
      : { messages: page.messages, nextCursor: encodeSearchCursor(page.next, hash) };
  }

  /** When a message was pushed and delivered, as far as known (empty for a missing record). */
  sendTimes(id: string): Promise<SendTimes> {
    return this.repository.sendTimes(id);
  }

  /**
   * Applies an update (see {@link StatusRepository.apply}) and tells the host app what changed.
   * An update about one recipient that moved that recipient but not the message (a cc bouncing
   * after the to did) still emits the event of that recipient's status (`ases.message.bounced`),
   * with the message's unchanged status; `event.recipient` says whom it is about.
   */
  async update(id: string, update: MessageUpdate): Promise<UpdateResult> {
    const result = await this.repository.apply(id, update);
    if (result.outcome === 'applied' || result.outcome === 'unchanged') {
      const recipientStatus =
        result.recipientChanged === true && update.status !== undefined ? update.status : undefined;
      const payload: AsesMessageEvent = {
        messageId: id,
        status: result.status,
        previousStatus: result.previous,
        event: update.event,
        tags: result.tags,
      };
      if (result.sesMessageId !== undefined) {
        payload.sesMessageId = result.sesMessageId;
      }
      if (result.category !== undefined) {
        payload.category = result.category;
      }
      this.announce(payload, recipientStatus);
    }
    return result;
  }

  /**
   * Emits the events of something that happened to a message: `ases.message.status` and the
   * status's own event when the status changed, the event of `recipientStatus` (a status one of
   * its recipients moved to), and the open/click/auto-reply event. A host listener that throws
   * is logged; it must not make ases retry (and apply twice) the event.
   */
  announce(payload: AsesMessageEvent, recipientStatus?: MessageStatus): void {
    const names: string[] = [];
    if (payload.status !== payload.previousStatus) {
      names.push(ASES_EVENTS.statusChanged);
      const byStatus = EVENT_BY_STATUS[payload.status];
      if (byStatus) {
        names.push(byStatus);
      }
    }
    const byRecipient =
      recipientStatus === undefined ? undefined : EVENT_BY_STATUS[recipientStatus];
    if (byRecipient !== undefined && !names.includes(byRecipient)) {
      names.push(byRecipient);
    }
    const byType = EVENT_BY_TIMELINE_TYPE[payload.event.type];
    if (byType) {
      names.push(byType);
    }
    for (const name of names) {
      try {
        this.events?.emit(name, payload);
      } catch (error) {
        this.logger.error(
          `a listener of ${name} threw for message ${payload.messageId}: ${String(error)}`,
        );
      }
    }
  }

  /**
   * Announces a status ases wrote itself (QUEUED, PUSHED with its `sesMessageId`), with the
   * message's category.
   */
  announceStatus(
    messageId: string,
    previousStatus: MessageStatus,
    status: MessageStatus,
    event: TimelineEvent,
    tags: Record<string, string> | undefined,
    sesMessageId?: string,
    category?: string,
  ): void {
    const payload: AsesMessageEvent = {
      messageId,
      status,
      previousStatus,
      event,
      tags: tags ?? {},
    };
    if (sesMessageId !== undefined) {
      payload.sesMessageId = sesMessageId;
    }
    if (category !== undefined && category !== DEFAULT_CATEGORY) {
      payload.category = category;
    }
    this.announce(payload);
  }

  /**
   * Stale messages (see {@link StaleSweeper}), newest first: all, or those of one `reason`.
   * `cursor` is the `nextCursor` of the page before. Each is read again, so a message that moved
   * on since it was found is not shown (and is taken off the listing).
   */
  async listStale(
    cursor: string | undefined,
    limit: number,
    reason?: StaleReason,
  ): Promise<StalePage> {
    const after = cursor === undefined ? undefined : decodeStaleCursor(cursor);
    if (after === null) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'cursor must be the nextCursor of a previous page of this listing',
      );
    }
    const page = await this.repository.stalePage(
      after,
      limit,
      reason === undefined ? STALE_REASONS : [reason],
    );
    return page.last === undefined
      ? { messages: page.messages }
      : { messages: page.messages, nextCursor: encodeStaleCursor(page.last) };
  }

  /**
   * How many messages are listed as stale, by reason: QUEUED far longer than the send rate
   * allows, PUSHED with no final word from SES. What a metrics module reads; a message that
   * moved on since it was found counts until the sweep (or a listing) checks it again.
   */
  countStale(): Promise<StaleCounts> {
    return this.repository.staleCounts();
  }

  /** Emits `ases.message.stale` for a message the sweep found stale; a listener that throws is logged. */
  announceStale(payload: AsesStaleEvent): void {
    try {
      this.events?.emit(ASES_EVENTS.stale, payload);
    } catch (error) {
      this.logger.error(
        `a listener of ${ASES_EVENTS.stale} threw for message ${payload.messageId}: ${String(error)}`,
      );
    }
  }
}
