import type { Logger } from '@nestjs/common';
import type { AsesMessageEvent, AsesStaleEvent, SuppressionEvent } from '../core/ases-events';
import { MessageStatus } from '../status/message-status';

/**
 * The Nest `Logger` method a line is written with: `debug`, `log` (pino's and the README's
 * `info`) or `warn`.
 */
export type MessageLogLevel = 'debug' | 'log' | 'warn';

/**
 * The level of the line of a message (or one of its recipients) reaching each status: the steps
 * of every mail at `debug`, what someone may want to look at at `info`, ases giving up on a mail
 * at `warn`.
 */
export const STATUS_LOG_LEVELS: Readonly<Record<MessageStatus, MessageLogLevel>> = {
  [MessageStatus.UNKNOWN]: 'debug',
  [MessageStatus.QUEUED]: 'debug',
  [MessageStatus.PUSHED]: 'debug',
  [MessageStatus.DELAYED]: 'debug',
  [MessageStatus.DELIVERED]: 'debug',
  [MessageStatus.CANCELED]: 'log',
  [MessageStatus.SUPPRESSED]: 'log',
  [MessageStatus.BOUNCED]: 'log',
  [MessageStatus.COMPLAINED]: 'log',
  [MessageStatus.FAILED]: 'warn',
};

/** The structured part of a line: JSON properties with pino, an object with Nest's ConsoleLogger. */
export interface MessageLogFields {
  msg: string;
  messageId?: string;
  /** SES's id, once the message was pushed. */
  sesMessageId?: string;
  /** The message's status after the event. */
  status?: MessageStatus;
  previousStatus?: MessageStatus;
  /** What happened: the timeline entry's type (`pushed`, `delivery`, `bounce`, `retry`...). */
  event?: string;
  /** Who reported it: `ases` or `ses`. */
  source?: string;
  /** The status one recipient of several reached, when the message's own status did not move. */
  recipientStatus?: MessageStatus;
  /** The address the event is about: only with `logRecipients`. */
  recipient?: string;
  bounceType?: string;
  bounceSubType?: string;
  /** The timeline's detail (SMTP answer, reason...), addresses masked unless `logRecipients`. */
  detail?: string;
  /** Opens and clicks: who probably made it (`human`, `proxy`, `scanner`, `unknown`). */
  hitClass?: string;
  staleReason?: string;
  staleSince?: string;
  /** A send attempt that failed: its number, the most allowed, SES's error, the next try. */
  attempt?: number;
  maxAttempts?: number;
  errorCode?: string;
  retryInSeconds?: number;
  /** Suppression lines: the address's entry. */
  email?: string;
  reason?: string;
  category?: string;
}

/** A line to write: `logger[level](fields)`. */
export interface MessageLogLine {
  level: MessageLogLevel;
  fields: MessageLogFields;
}

/**
 * Writes a line through a Nest logger: with nestjs-pino its fields become the JSON line's
 * properties; Nest's ConsoleLogger prints the object.
 */
export function writeLogLine(logger: Logger, line: MessageLogLine): void {
  logger[line.level](line.fields);
}

/** What stands for an address in a line when addresses are not logged. */
export const MASKED_ADDRESS = '<address>';

// An address inside free text (an SMTP answer, an SES error message, a suppression reason).
const ADDRESS_IN_TEXT = /[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*/g;
// The `Type/SubType` a bounce's timeline detail starts with (see feedback/status-change.ts).
const BOUNCE_DETAIL = /^([A-Za-z]+)\/([A-Za-z]+)(?::|$)/;

/** `text` with every email address in it replaced by {@link MASKED_ADDRESS}. */
export function maskAddresses(text: string): string {
  return text.replace(ADDRESS_IN_TEXT, MASKED_ADDRESS);
}

function freeText(text: string | undefined, recipients: boolean): string | undefined {
  return text === undefined || recipients ? text : maskAddresses(text);
}

/** `fields` without the properties that are undefined, so a JSON line has only what is known. */
function defined(fields: MessageLogFields): MessageLogFields {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as MessageLogFields;
}

/** The fields every line about a message event has. */
function eventFields(
  payload: AsesMessageEvent,
  msg: string,
  recipients: boolean,
): MessageLogFields {
  const { event } = payload;
  return {
    msg,
    messageId: payload.messageId,
    sesMessageId: payload.sesMessageId,
    status: payload.status,
    previousStatus: payload.previousStatus,
    event: event.type,
    source: event.source,
    recipient: recipients ? event.recipient : undefined,
  };
}

/**
 * The line of `ases.message.<status>`: the message reached `reached`, or, when the message's own
 * status did not become it, one of its recipients did (`recipientStatus`). Bounces carry their
 * type and subtype. Addresses appear only when `recipients` is true.
 */
export function statusLogLine(
  reached: MessageStatus,
  payload: AsesMessageEvent,
  recipients: boolean,
): MessageLogLine {
  const messageMoved = payload.status === reached && payload.previousStatus !== reached;
  const detail = payload.event.detail;
  const bounce = payload.event.type === 'bounce' ? BOUNCE_DETAIL.exec(detail ?? '') : null;
  return {
    level: STATUS_LOG_LEVELS[reached],
    fields: defined({
      ...eventFields(
        payload,
        messageMoved ? `message ${reached}` : `recipient ${reached}`,
        recipients,
      ),
      recipientStatus: messageMoved ? undefined : reached,
      bounceType: bounce?.[1],
      bounceSubType: bounce?.[2],
      detail: freeText(detail, recipients),
    }),
  };
}

/**
 * The line of an open (`ases.message.opened`) or a click (`ases.message.clicked`), at debug. A
 * click's detail, its URL, is content and left out: the hit's class says what matters.
 */
export function hitLogLine(
  kind: 'open' | 'click',
  payload: AsesMessageEvent,
  recipients: boolean,
): MessageLogLine {
  return {
    level: 'debug',
    fields: defined({
      ...eventFields(payload, kind === 'open' ? 'message opened' : 'link clicked', recipients),
      hitClass: payload.event.hit?.class,
    }),
  };
}

/** The line of `ases.message.unsubscribed`, at info; `category` is the event's detail. */
export function unsubscribedLogLine(
  payload: AsesMessageEvent,
  recipients: boolean,
): MessageLogLine {
  return {
    level: 'log',
    fields: defined({
      ...eventFields(payload, 'recipient unsubscribed', recipients),
      category: payload.event.detail,
    }),
  };
}

/** The line of `ases.message.stale`, at info. */
export function staleLogLine(payload: AsesStaleEvent, recipients: boolean): MessageLogLine {
  return {
    level: 'log',
    fields: defined({
      ...eventFields(payload, `message stale (${payload.stale.reason})`, recipients),
      staleReason: payload.stale.reason,
      staleSince: payload.stale.since,
    }),
  };
}

/** What the sender knows of a send attempt that failed and will be tried again. */
export interface SendRetry {
  messageId: string;
  attempt: number;
  maxAttempts: number;
  errorCode: string;
  error: string;
  retryInSeconds: number;
}

/**
 * The line of a send attempt that failed and will be tried again, at info (the message stays
 * QUEUED). The attempt that gives up makes the message FAILED: that is the FAILED line, at warn.
 */
export function sendRetryLogLine(retry: SendRetry, recipients: boolean): MessageLogLine {
  return {
    level: 'log',
    fields: {
      msg: `send attempt ${retry.attempt} of ${retry.maxAttempts} failed; tried again in ${retry.retryInSeconds} s`,
      messageId: retry.messageId,
      status: MessageStatus.QUEUED,
      event: 'retry',
      attempt: retry.attempt,
      maxAttempts: retry.maxAttempts,
      errorCode: retry.errorCode,
      detail: freeText(retry.error, recipients) ?? '',
      retryInSeconds: retry.retryInSeconds,
    },
  };
}

/** The line of `ases.suppression.added` or `.removed`, at info; the address only with `recipients`. */
export function suppressionLogLine(
  change: 'added' | 'removed',
  entry: SuppressionEvent,
  recipients: boolean,
): MessageLogLine {
  return {
    level: 'log',
    fields: defined({
      msg: `${change === 'added' ? 'address suppressed' : 'suppression removed'} (${entry.source})`,
      messageId: entry.messageId,
      source: entry.source,
      category: entry.category,
      reason: freeText(entry.reason, recipients),
      email: recipients ? entry.email : undefined,
    }),
  };
}
