import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { listenTo } from '../core/event-listeners';
import {
  ASES_EVENTS,
  AsesMessageEvent,
  AsesStaleEvent,
  SuppressionEvent,
} from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
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
export class MessageLogListener implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  private readonly logger = new Logger('ases');
  private readonly recipients: boolean;

  constructor(
    @InjectAsesOptions() options: ResolvedAsesOptions,
    @InjectAsesEvents() private readonly events: EventEmitter2,
  ) {
    this.recipients = options.logRecipients;
  }

  onModuleInit(): void {
    this.unsubscribe = listenTo(this.events, {
      [ASES_EVENTS.queued]: (event: never) => this.queued(event),
      [ASES_EVENTS.canceled]: (event: never) => this.canceled(event),
      [ASES_EVENTS.pushed]: (event: never) => this.pushed(event),
      [ASES_EVENTS.delayed]: (event: never) => this.delayed(event),
      [ASES_EVENTS.failed]: (event: never) => this.failed(event),
      [ASES_EVENTS.suppressed]: (event: never) => this.suppressed(event),
      [ASES_EVENTS.delivered]: (event: never) => this.delivered(event),
      [ASES_EVENTS.bounced]: (event: never) => this.bounced(event),
      [ASES_EVENTS.complained]: (event: never) => this.complained(event),
      [ASES_EVENTS.opened]: (event: never) => this.opened(event),
      [ASES_EVENTS.clicked]: (event: never) => this.clicked(event),
      [ASES_EVENTS.unsubscribed]: (event: never) => this.unsubscribed(event),
      [ASES_EVENTS.stale]: (event: never) => this.stale(event),
      [ASES_EVENTS.suppressionAdded]: (event: never) => this.suppressionAdded(event),
      [ASES_EVENTS.suppressionRemoved]: (event: never) => this.suppressionRemoved(event),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Accepted (or queued again by a retry by hand). */
  queued(event: AsesMessageEvent): void {
    this.status(MessageStatus.QUEUED, event);
  }

  /** Cancelled by request. */
  canceled(event: AsesMessageEvent): void {
    this.status(MessageStatus.CANCELED, event);
  }

  /** SES accepted it. */
  pushed(event: AsesMessageEvent): void {
    this.status(MessageStatus.PUSHED, event);
  }

  /** SES reported a delivery delay. */
  delayed(event: AsesMessageEvent): void {
    this.status(MessageStatus.DELAYED, event);
  }

  /** Not sent, for good: SES refused it, or every attempt failed. */
  failed(event: AsesMessageEvent): void {
    this.status(MessageStatus.FAILED, event);
  }

  /** Not sent: its recipients were suppressed. */
  suppressed(event: AsesMessageEvent): void {
    this.status(MessageStatus.SUPPRESSED, event);
  }

  /** The receiving server took it. */
  delivered(event: AsesMessageEvent): void {
    this.status(MessageStatus.DELIVERED, event);
  }

  /** It bounced. */
  bounced(event: AsesMessageEvent): void {
    this.status(MessageStatus.BOUNCED, event);
  }

  /** The recipient marked it as spam. */
  complained(event: AsesMessageEvent): void {
    this.status(MessageStatus.COMPLAINED, event);
  }

  /** An open, from ases's pixel or SES. */
  opened(event: AsesMessageEvent): void {
    writeLogLine(this.logger, hitLogLine('open', event, this.recipients));
  }

  /** A click, from ases's links or SES. */
  clicked(event: AsesMessageEvent): void {
    writeLogLine(this.logger, hitLogLine('click', event, this.recipients));
  }

  /** A recipient unsubscribed. */
  unsubscribed(event: AsesMessageEvent): void {
    writeLogLine(this.logger, unsubscribedLogLine(event, this.recipients));
  }

  /** Found stale by the sweep. */
  stale(event: AsesStaleEvent): void {
    writeLogLine(this.logger, staleLogLine(event, this.recipients));
  }

  /** An address went on the suppression list. */
  suppressionAdded(entry: SuppressionEvent): void {
    writeLogLine(this.logger, suppressionLogLine('added', entry, this.recipients));
  }

  /** An address was taken off the suppression list. */
  suppressionRemoved(entry: SuppressionEvent): void {
    writeLogLine(this.logger, suppressionLogLine('removed', entry, this.recipients));
  }

  private status(reached: MessageStatus, event: AsesMessageEvent): void {
    writeLogLine(this.logger, statusLogLine(reached, event, this.recipients));
  }
}
