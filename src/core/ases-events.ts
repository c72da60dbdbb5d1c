import type { TimelineEvent } from '../status/message-record';
import type { MessageStatus } from '../status/message-status';
import type { StaleReason } from '../status/stale-rules';
import type { ReputationState } from '../reputation/reputation-rules';
import type { ReputationView } from '../reputation/reputation-view';

/**
 * Names of the events ases emits in-process with `@nestjs/event-emitter`; a host reacts with
 * `@OnEvent(ASES_EVENTS.bounced)` or `@OnEvent('ases.message.bounced')`.
 */
export const ASES_EVENTS = {
  /** Every status change, whatever the status. */
  statusChanged: 'ases.message.status',
  queued: 'ases.message.queued',
  pushed: 'ases.message.pushed',
  delayed: 'ases.message.delayed',
  failed: 'ases.message.failed',
  suppressed: 'ases.message.suppressed',
  delivered: 'ases.message.delivered',
  bounced: 'ases.message.bounced',
  complained: 'ases.message.complained',
  /** A QUEUED message was cancelled by request (status CANCELED); it is never sent. */
  canceled: 'ases.message.canceled',
  /** A recipient unsubscribed (RFC 8058 one-click, or the link), from a category or from all. */
  unsubscribed: 'ases.message.unsubscribed',
  /** An open, from ases's pixel or from SES (`event.source` tells). */
  opened: 'ases.message.opened',
  /** A click, from SES's click tracking. */
  clicked: 'ases.message.clicked',
  /** An automatic reply (out of office) SES reported as a transient bounce. */
  autoReplied: 'ases.message.auto-reply',
  /**
   * A message was found stale: QUEUED far longer than the send rate allows, or PUSHED with no
   * final word from SES after `staleAfterHours` (payload {@link AsesStaleEvent}). Emitted once
   * per message and reason, by the one instance that swept it.
   */
  stale: 'ases.message.stale',
  /** An address went on the suppression list (payload {@link SuppressionEvent}). */
  suppressionAdded: 'ases.suppression.added',
  /** An address was taken off the suppression list (payload {@link SuppressionEvent}). */
  suppressionRemoved: 'ases.suppression.removed',
  /**
   * The reputation guard went from healthy to warning (payload {@link AsesReputationEvent}).
   * Each change of the guard's state is emitted once fleet-wide, by the instance that made it.
   */
  reputationWarning: 'ases.reputation.warning',
  /** The guard paused every category but transactional (payload {@link AsesReputationEvent}). */
  reputationPaused: 'ases.reputation.paused',
  /**
   * A pause ended (by hand or by the rate), or a warning went back to healthy (payload
   * {@link AsesReputationEvent}; `state` says which).
   */
  reputationResumed: 'ases.reputation.resumed',
} as const;

/** The payload of every `ases.message.*` event. */
export interface AsesMessageEvent {
  messageId: string;
  /** The status after the event (unchanged for opens, clicks, auto-replies and late events). */
  status: MessageStatus;
  /** The status before the event. */
  previousStatus: MessageStatus;
  /** What happened, as in the message's timeline. */
  event: TimelineEvent;
  /** The caller's tags of the message (empty when it had none). */
  tags: Record<string, string>;
  /**
   * SES's message id, once the message was pushed; absent before, and in stale events (which do
   * not read it).
   */
  sesMessageId?: string;
  /** Its category, when not `transactional` (absent in stale events, which do not read it). */
  category?: string;
}

/**
 * The payload of `ases.message.stale`: the message's status did not change (`status` and
 * `previousStatus` are the same); `event` is a `stale` entry that is not written to its timeline.
 */
export interface AsesStaleEvent extends AsesMessageEvent {
  stale: {
    reason: StaleReason;
    /** When it was queued (or queued again), or pushed, ISO 8601. */
    since: string;
    /** When it went past its threshold, ISO 8601. */
    staleAt: string;
  };
}

/** The payload of `ases.suppression.*` events. */
export interface SuppressionEvent {
  email: string;
  reason: string;
  since: string;
  messageId?: string;
  source: string;
  /** For an unsubscribe (`source: "unsubscribe"`): the category it applies to. */
  category?: string;
}

/** The payload of `ases.reputation.*` events: `GET /v1/reputation`'s body, and the state before. */
export interface AsesReputationEvent extends ReputationView {
  previousState: ReputationState;
}
