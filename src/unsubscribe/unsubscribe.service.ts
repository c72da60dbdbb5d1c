import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
import type { TimelineEvent } from '../status/message-record';
import { MessageStatus } from '../status/message-status';
import { StatusService } from '../status/status.service';
import { suppressionKeyOf } from '../suppression/suppressed-address';
import { SuppressionService } from '../suppression/suppression.service';
import {
  UnsubscribeTarget,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from './unsubscribe-token';

/** The path the unsubscribe endpoints are served under: `/u/<token>`. */
export const UNSUBSCRIBE_PATH = 'u';

/** What `UnsubscribeService.unsubscribe` did. */
export interface UnsubscribeOutcome {
  /** False when the address had already unsubscribed from the category. */
  created: boolean;
}

/**
 * One-click unsubscribe (RFC 8058) and the `List-Unsubscribe` links (RFC 2369) that lead to it:
 * signs the links the mailer puts in each message, and records an unsubscribe from a genuine
 * link as an unsubscribe of the recipient from the message's category.
 */
@Injectable()
export class UnsubscribeService {
  private readonly logger = new Logger('ases');
  private readonly baseUrl: string;
  private readonly secret: string;
  private readonly mailto?: string;

  constructor(
    @InjectAsesOptions() options: ResolvedAsesOptions,
    private readonly suppressions: SuppressionService,
    private readonly status: StatusService,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {
    this.baseUrl = options.tracking.baseUrl.replace(/\/+$/, '');
    this.secret = options.tracking.secret;
    this.mailto = options.unsubscribe.mailto;
  }

  /**
   * The one-click URL of `recipient` (`addr` or `Name <addr>`) for `category` mail in message
   * `messageId`: `<tracking.baseUrl>/u/<token>`. Throws for an address, id or category that is none.
   */
  linkFor(target: UnsubscribeTarget): string {
    return `${this.baseUrl}/${UNSUBSCRIBE_PATH}/${this.tokenFor(target)}`;
  }

  /**
   * The headers that offer one-click unsubscribe to mail clients: `List-Unsubscribe` with the
   * HTTPS link (and a mailto link whose subject carries the token, when `unsubscribe.mailto` is
   * set) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. Both headers must be covered by
   * the DKIM signature (SES signs every header it is given by default).
   */
  headersFor(target: UnsubscribeTarget): Record<string, string> {
    const token = this.tokenFor(target);
    let links = `<${this.baseUrl}/${UNSUBSCRIBE_PATH}/${token}>`;
    if (this.mailto !== undefined && this.mailto !== '') {
      links += `, <mailto:${mailtoAddress(this.mailto)}?subject=unsubscribe%20${token}>`;
    }
    return { 'List-Unsubscribe': links, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }

  /** What a token from one of this service's links names, or null when it is not genuine. */
  verify(token: string): UnsubscribeTarget | null {
    return verifyUnsubscribeToken(token, this.secret);
  }

  /**
   * Unsubscribes `target.recipient` from `target.category` (source `unsubscribe`, with the
   * message id); a second call changes nothing. Then, once per message, address and category,
   * records an `unsubscribed` entry on the message's timeline, and `ases.message.unsubscribed`
   * is emitted (by `StatusService.update`, as for every timeline event that has one). When the
   * message's record is gone (expired, or Redis failed just then) and the unsubscribe is new, the
   * event is emitted here, with status UNKNOWN. Only the unsubscribe itself can fail the call
   * (STORE_UNAVAILABLE): the timeline is best-effort.
   */
  async unsubscribe(target: UnsubscribeTarget, at = new Date()): Promise<UnsubscribeOutcome> {
    const { messageId, recipient, category } = target;
    const { created } = await this.suppressions.suppress({
      email: recipient,
      reason: `one-click unsubscribe from ${category} mail`,
      source: 'unsubscribe',
      category,
      messageId,
      at,
    });
    const event: TimelineEvent = {
      type: 'unsubscribed',
      at: at.toISOString(),
      recipient,
      detail: category,
      source: 'ases',
    };
    let recorded: boolean;
    try {
      const result = await this.status.update(messageId, {
        event,
        // A second click (or the mail client's POST and then the person's) is one unsubscribe.
        dedupeKeys: [`unsubscribed\n${recipient}\n${category}`],
      });
      recorded = result.outcome !== 'missing';
    } catch (error) {
      // The unsubscribe is stored, which is what the person asked for.
      this.logger.warn(
        `unsubscribe of message ${messageId} not written to its timeline: ${String(error)}`,
      );
      recorded = false;
    }
    if (!recorded && created) {
      this.emit(unknownMessage(messageId, event));
    }
    return { created };
  }

  private tokenFor(target: UnsubscribeTarget): string {
    const recipient = suppressionKeyOf(target.recipient);
    if (recipient === null) {
      throw new Error('recipient must be one email address like user@example.com');
    }
    return signUnsubscribeToken({ ...target, recipient }, this.secret);
  }

  // The unsubscribe is written: a host listener that throws must not turn that into an error.
  private emit(payload: AsesMessageEvent): void {
    try {
      this.events?.emit(ASES_EVENTS.unsubscribed, payload);
    } catch (error) {
      this.logger.error(`a listener of ${ASES_EVENTS.unsubscribed} failed: ${String(error)}`);
    }
  }
}

function unknownMessage(messageId: string, event: TimelineEvent): AsesMessageEvent {
  return {
    messageId,
    status: MessageStatus.UNKNOWN,
    previousStatus: MessageStatus.UNKNOWN,
    event,
    tags: {},
  };
}

// RFC 6068: in the address, everything but unreserved characters and `some-delims` (`+`, `@`…)
// is percent-encoded, `%`, `?`, `&` and `#` among them.
function mailtoAddress(address: string): string {
  return address.replace(/[^A-Za-z0-9\-._~!$'()*+,;:@]/gu, (c) => encodeURIComponent(c));
}
