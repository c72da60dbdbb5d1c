import type {
  AsesMessageEvent,
  AsesReputationEvent,
  AsesStaleEvent,
  SuppressionEvent,
} from '../core/ases-events';
import type { TimelineEvent } from '../status/message-record';
import type { MessageStatus } from '../status/message-status';

/** The `data` of a `message.*` event. */
export interface MessageEventData {
  messageId: string;
  /** SES's id of the message, once pushed (null before). */
  sesMessageId: string | null;
  status: MessageStatus;
  previousStatus: MessageStatus;
  /** The address the event is about, when it names one (null for queued, pushed, ...). */
  recipient: string | null;
  /** The timeline entry, as `GET /v1/messages/:id` shows it. */
  event: TimelineEvent;
  tags: Record<string, string>;
  /** `message.stale` only. */
  stale?: AsesStaleEvent['stale'];
}

/** The body ases posts: Standard Webhooks' recommended `{ type, timestamp, data }`. */
export interface WebhookBody {
  type: string;
  /** When ases emitted the event, ISO 8601 (the event's own time is in `data.event.at`). */
  timestamp: string;
  data: MessageEventData | SuppressionEvent | Record<string, unknown>;
}

/** The body of a `message.*` event. */
export function messageEventBody(type: string, event: AsesMessageEvent, now: Date): WebhookBody {
  const data: MessageEventData = {
    messageId: event.messageId,
    sesMessageId: event.sesMessageId ?? null,
    status: event.status,
    previousStatus: event.previousStatus,
    recipient: event.event.recipient ?? null,
    event: event.event,
    tags: event.tags,
  };
  const stale = (event as Partial<AsesStaleEvent>).stale;
  if (stale !== undefined) {
    data.stale = stale;
  }
  return { type, timestamp: now.toISOString(), data };
}

/** The body of a `reputation.*` event: `data` is `GET /v1/reputation`'s body (and `previousState`). */
export function reputationEventBody(
  type: string,
  event: AsesReputationEvent,
  now: Date,
): WebhookBody {
  return { type, timestamp: now.toISOString(), data: { ...event } };
}

/** The body of a `suppression.*` event. */
export function suppressionEventBody(
  type: string,
  event: SuppressionEvent,
  now: Date,
): WebhookBody {
  return { type, timestamp: now.toISOString(), data: { ...event } };
}
