import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ASES_EVENTS,
  AsesMessageEvent,
  AsesStaleEvent,
  SuppressionEvent,
} from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { MessageStatus } from '../status/message-status';
import {
  hitLogLine,
  staleLogLine,
  statusLogLine,
  suppressionLogLine,
  unsubscribedLogLine,
  writeLogLine,
} from './message-log';

/**
 * Logs what happens to messages through Nest's `Logger` (so an embedding host's logger gets the
 * lines): one line per `ases.message.<status>` event, which the instance that made the change
 * emits once, for the message or for one of its recipients; opens, clicks, unsubscribes, stale
 * messages and suppression-list changes. `ases.message.status` is not listened to: it comes with
 * the status's own event, and would log each change twice. Levels: see `STATUS_LOG_LEVELS`.
 */
@Injectable()
export class MessageLogListener {
  private readonly logger = new Logger('ases');
  private readonly recipients: boolean;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.recipients = options.logRecipients;
  }

  /** Accepted (or queued again by a retry by hand). */
  @OnEvent(ASES_EVENTS.queued)
  queued(event: AsesMessageEvent): void {
    this.status(MessageStatus.QUEUED, event);
  }

  /** Cancelled by request. */
  @OnEvent(ASES_EVENTS.canceled)
  canceled(event: AsesMessageEvent): void {
    this.status(MessageStatus.CANCELED, event);
  }

  /** SES accepted it. */
  @OnEvent(ASES_EVENTS.pushed)
  pushed(event: AsesMessageEvent): void {
    this.status(MessageStatus.PUSHED, event);
  }

  /** SES reported a delivery delay. */
  @OnEvent(ASES_EVENTS.delayed)
  delayed(event: AsesMessageEvent): void {
    this.status(MessageStatus.DELAYED, event);
  }

  /** Not sent, for good: SES refused it, or every attempt failed. */
  @OnEvent(ASES_EVENTS.failed)
  failed(event: AsesMessageEvent): void {
    this.status(MessageStatus.FAILED, event);
  }

  /** Not sent: its recipients were suppressed. */
  @OnEvent(ASES_EVENTS.suppressed)
  suppressed(event: AsesMessageEvent): void {
    this.status(MessageStatus.SUPPRESSED, event);
  }

  /** The receiving server took it. */
  @OnEvent(ASES_EVENTS.delivered)
  delivered(event: AsesMessageEvent): void {
    this.status(MessageStatus.DELIVERED, event);
  }

  /** It bounced. */
  @OnEvent(ASES_EVENTS.bounced)
  bounced(event: AsesMessageEvent): void {
    this.status(MessageStatus.BOUNCED, event);
  }

  /** The recipient marked it as spam. */
  @OnEvent(ASES_EVENTS.complained)
  complained(event: AsesMessageEvent): void {
    this.status(MessageStatus.COMPLAINED, event);
  }

  /** An open, from ases's pixel or SES. */
  @OnEvent(ASES_EVENTS.opened)
  opened(event: AsesMessageEvent): void {
    writeLogLine(this.logger, hitLogLine('open', event, this.recipients));
  }

  /** A click, from ases's links or SES. */
  @OnEvent(ASES_EVENTS.clicked)
  clicked(event: AsesMessageEvent): void {
    writeLogLine(this.logger, hitLogLine('click', event, this.recipients));
  }

  /** A recipient unsubscribed. */
  @OnEvent(ASES_EVENTS.unsubscribed)
  unsubscribed(event: AsesMessageEvent): void {
    writeLogLine(this.logger, unsubscribedLogLine(event, this.recipients));
  }

  /** Found stale by the sweep. */
  @OnEvent(ASES_EVENTS.stale)
  stale(event: AsesStaleEvent): void {
    writeLogLine(this.logger, staleLogLine(event, this.recipients));
  }

  /** An address went on the suppression list. */
  @OnEvent(ASES_EVENTS.suppressionAdded)
  suppressionAdded(entry: SuppressionEvent): void {
    writeLogLine(this.logger, suppressionLogLine('added', entry, this.recipients));
  }

  /** An address was taken off the suppression list. */
  @OnEvent(ASES_EVENTS.suppressionRemoved)
  suppressionRemoved(entry: SuppressionEvent): void {
    writeLogLine(this.logger, suppressionLogLine('removed', entry, this.recipients));
  }

  private status(reached: MessageStatus, event: AsesMessageEvent): void {
    writeLogLine(this.logger, statusLogLine(reached, event, this.recipients));
  }
}
