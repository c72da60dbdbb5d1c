import {
  BouncedRecipient,
  ParsedFeedback,
  SesEventType,
  SesNotification,
  SnsEnvelopeInfo,
} from './ses-notification';
import { isMessageId } from '../status/message-id';

type JsonObject = Record<string, unknown>;
type SesResult = Extract<ParsedFeedback, { kind: 'notification' | 'unsupported' }>;

/** The fields each event type adds to the ones every notification has. */
type EventFields = Omit<
  SesNotification,
  'type' | 'origin' | 'sesMessageId' | 'mailTimestamp' | 'destination' | 'asesId'
>;

/** Longest piece of an untrusted value quoted back in a reason, so a huge body makes no huge log line. */
const MAX_QUOTED_LENGTH = 80;

/** The types both `notificationType` and `eventType` may name; anything else is unsupported. */
const SES_EVENT_TYPES: ReadonlySet<string> = new Set<SesEventType>([
  'Send',
  'Reject',
  'Bounce',
  'Complaint',
  'Delivery',
  'Open',
  'Click',
  'Rendering Failure',
  'DeliveryDelay',
  'Subscription',
]);

// Only a date-time with a zone names one instant; V8's Date.parse would also accept "1" or
// "2018-10-08 14:05", and leave the zone-less ones to the host's local time.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Stops the parse at the first bad field; never leaves this file. */
class InvalidFeedback extends Error {}

function fail(reason: string): never {
  throw new InvalidFeedback(reason);
}

/**
 * Reads an SQS message body from a feedback queue: an SNS envelope, or the SES JSON itself when
 * the subscription uses raw message delivery. Never throws; anything unusable comes back as
 * `invalid` with a reason naming the field.
 */
export function parseFeedbackMessage(body: string): ParsedFeedback {
  try {
    return parseBody(body);
  } catch (error) {
    if (error instanceof InvalidFeedback) {
      return { kind: 'invalid', reason: error.message };
    }
    // A throw would make the consumer retry a message that can never parse.
    return { kind: 'invalid', reason: `unexpected parser error: ${String(error)}` };
  }
}

function parseBody(body: unknown): ParsedFeedback {
  if (typeof body !== 'string') {
    fail(`body must be a string, got ${describe(body)}`);
  }
  const root = expectObject(parseJson(body, 'body'), 'body', 'a JSON object');
  if (typeof root.Type === 'string') {
    return parseEnvelope(root, root.Type);
  }
  return parseSes(root);
}

function parseEnvelope(envelope: JsonObject, type: string): ParsedFeedback {
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
    const topicArn = optionalString(envelope.TopicArn);
    return topicArn === undefined
      ? { kind: 'subscription', type }
      : { kind: 'subscription', type, topicArn };
  }
  if (type !== 'Notification') {
    fail(
      `unknown SNS message Type ${quote(type)}: ` +
        'expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation',
    );
  }

  const messageId = requireString(envelope.MessageId, 'SNS envelope MessageId');
  if (typeof envelope.Message !== 'string') {
    fail(
      `SNS envelope Message must be a string holding the SES JSON, got ${describe(envelope.Message)}`,
    );
  }
  const message = expectObject(
    parseJson(envelope.Message, 'SNS envelope Message'),
    'SNS envelope Message',
    'a JSON object',
  );
  const parsed = parseSes(message);
  const info: SnsEnvelopeInfo = withoutUndefined({
    messageId,
    topicArn: optionalString(envelope.TopicArn),
    timestamp: optionalString(envelope.Timestamp),
  });
  return { ...parsed, envelope: info };
}

/**
 * The `X-Ases-Id` header among `mail.headers` (`[{ name, value }]`), if there is exactly one
 * usable value; anything odd is ignored (the SES-id index is the fallback).
 */
function asesIdOf(headers: unknown): string | undefined {
  if (!Array.isArray(headers)) {
    return undefined;
  }
  const values = headers.flatMap((header: unknown) => {
    if (typeof header !== 'object' || header === null) {
      return [];
    }
    const { name, value } = header as { name?: unknown; value?: unknown };
    return typeof name === 'string' &&
      name.toLowerCase() === 'x-ases-id' &&
      typeof value === 'string'
      ? [value.trim()]
      : [];
  });
  return values.length === 1 && isMessageId(values[0]) ? values[0] : undefined;
}

function parseSes(root: JsonObject): SesResult {
  const { field, type } = eventTypeOf(root);
  if (!isSesEventType(type)) {
    // Counted by type, so a huge made-up name must not become a huge metric label or log line.
    return { kind: 'unsupported', eventType: shorten(type) };
  }
  const mail = expectObject(root.mail, 'mail');
  const sesMessageId = requireString(mail.messageId, 'mail.messageId');
  const notification: SesNotification = withoutUndefined({
    type,
    origin: field === 'notificationType' ? 'identity' : 'event',
    sesMessageId,
    mailTimestamp: isIsoDateTime(mail.timestamp) ? mail.timestamp : undefined,
    destination: Array.isArray(mail.destination) ? addresses(mail.destination as unknown[]) : [],
    asesId: asesIdOf(mail.headers),
    ...eventFields(type, root, mail),
  });
  return { kind: 'notification', notification };
}

/** Reads the event object of `type` (`bounce`, `deliveryDelay`, `failure`...). */
function eventFields(type: SesEventType, root: JsonObject, mail: JsonObject): EventFields {
  switch (type) {
    case 'Bounce': {
      const bounce = expectObject(root.bounce, 'bounce');
      const bounceType = requireString(bounce.bounceType, 'bounce.bounceType');
      const subType = requireString(bounce.bounceSubType, 'bounce.bounceSubType');
      const recipients = dsnRecipients(bounce.bouncedRecipients, 'bounce.bouncedRecipients');
      return {
        timestamp: eventTimestamp(bounce, 'bounce', mail),
        recipients: recipients.map((recipient) => recipient.emailAddress),
        bounce: withoutUndefined({
          type: bounceType,
          subType,
          feedbackId: optionalString(bounce.feedbackId),
          recipients,
        }),
      };
    }
    case 'Complaint': {
      const complaint = expectObject(root.complaint, 'complaint');
      const recipients = recipientEntries(
        complaint.complainedRecipients,
        'complaint.complainedRecipients',
      ).map(({ emailAddress }) => emailAddress);
      return {
        timestamp: eventTimestamp(complaint, 'complaint', mail),
        recipients,
        complaint: withoutUndefined({
          feedbackType: optionalString(complaint.complaintFeedbackType),
          // SES documents complaintSubType as null or "OnAccountSuppressionList".
          subType: optionalString(complaint.complaintSubType),
          feedbackId: optionalString(complaint.feedbackId),
        }),
      };
    }
    case 'Delivery': {
      const delivery = expectObject(root.delivery, 'delivery');
      const recipients = addresses(nonEmptyArray(delivery.recipients, 'delivery.recipients'));
      if (recipients.length === 0) {
        fail('delivery.recipients has no email address string');
      }
      return {
        timestamp: eventTimestamp(delivery, 'delivery', mail),
        recipients,
        delivery: withoutUndefined({
          smtpResponse: optionalString(delivery.smtpResponse),
          processingTimeMillis: optionalNumber(delivery.processingTimeMillis),
          reportingMTA: optionalString(delivery.reportingMTA),
        }),
      };
    }
    case 'DeliveryDelay': {
      const delay = expectObject(root.deliveryDelay, 'deliveryDelay');
      const delayType = requireString(delay.delayType, 'deliveryDelay.delayType');
      const recipients = dsnRecipients(delay.delayedRecipients, 'deliveryDelay.delayedRecipients');
      return {
        timestamp: eventTimestamp(delay, 'deliveryDelay', mail),
        recipients: recipients.map((recipient) => recipient.emailAddress),
        delay: withoutUndefined({
          delayType,
          expirationTime: isIsoDateTime(delay.expirationTime) ? delay.expirationTime : undefined,
          reportingMTA: optionalString(delay.reportingMTA),
          recipients,
        }),
      };
    }
    case 'Send': {
      // Always `{}`: the record only says that SES accepted the request.
      const send = expectObject(root.send, 'send');
      return { timestamp: eventTimestamp(send, 'send', mail), recipients: [] };
    }
    case 'Reject': {
      const reject = expectObject(root.reject, 'reject');
      return {
        timestamp: eventTimestamp(reject, 'reject', mail),
        recipients: [],
        reject: { reason: requireString(reject.reason, 'reject.reason') },
      };
    }
    case 'Rendering Failure': {
      const failure = expectObject(root.failure, 'failure');
      return {
        timestamp: eventTimestamp(failure, 'failure', mail),
        recipients: [],
        renderingFailure: withoutUndefined({
          errorMessage: requireString(failure.errorMessage, 'failure.errorMessage'),
          templateName: optionalString(failure.templateName),
        }),
      };
    }
    case 'Open': {
      const open = expectObject(root.open, 'open');
      return {
        timestamp: eventTimestamp(open, 'open', mail),
        recipients: [],
        open: withoutUndefined({
          ipAddress: optionalString(open.ipAddress),
          userAgent: optionalString(open.userAgent),
        }),
      };
    }
    case 'Click': {
      const click = expectObject(root.click, 'click');
      return {
        timestamp: eventTimestamp(click, 'click', mail),
        recipients: [],
        click: withoutUndefined({
          link: requireString(click.link, 'click.link'),
          ipAddress: optionalString(click.ipAddress),
          userAgent: optionalString(click.userAgent),
          linkTags: linkTags(click.linkTags),
        }),
      };
    }
    case 'Subscription': {
      const subscription = expectObject(root.subscription, 'subscription');
      return {
        timestamp: eventTimestamp(subscription, 'subscription', mail),
        recipients: [],
        subscription: withoutUndefined({
          contactList: optionalString(subscription.contactList),
          source: optionalString(subscription.source),
        }),
      };
    }
  }
}

/**
 * Identity notifications name their type `notificationType`; configuration-set events,
 * `eventType`. Both name the same types the same way.
 */
function eventTypeOf(root: JsonObject): {
  field: 'notificationType' | 'eventType';
  type: string;
} {
  for (const field of ['notificationType', 'eventType'] as const) {
    const value = root[field];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'string') {
      fail(`${field} must be a string, got ${describe(value)}`);
    }
    return { field, type: value };
  }
  fail('not an SES notification: no notificationType or eventType');
}

function isSesEventType(type: string): type is SesEventType {
  return SES_EVENT_TYPES.has(type);
}

/**
 * The event's own timestamp (when the ISP sent the bounce or complaint, SES delivered, the delay
 * happened, the recipient opened or clicked...), else the time the mail was sent: Send, Reject and
 * Rendering Failure records carry none of their own.
 */
function eventTimestamp(event: JsonObject, eventField: string, mail: JsonObject): string {
  if (isIsoDateTime(event.timestamp)) {
    return event.timestamp;
  }
  if (isIsoDateTime(mail.timestamp)) {
    return mail.timestamp;
  }
  fail(
    `${eventField}.timestamp and mail.timestamp must hold an ISO 8601 date-time with a zone; ` +
      'neither does',
  );
}

function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Entries of a `[{ emailAddress }]` list; entries without a usable address are skipped. */
function recipientEntries(
  value: unknown,
  path: string,
): { emailAddress: string; entry: JsonObject }[] {
  const entries: { emailAddress: string; entry: JsonObject }[] = [];
  for (const item of nonEmptyArray(value, path)) {
    if (!isObject(item)) {
      continue;
    }
    const emailAddress = trimmedAddress(item.emailAddress);
    if (emailAddress !== undefined) {
      entries.push({ emailAddress, entry: item });
    }
  }
  if (entries.length === 0) {
    fail(`${path} has no entry with an emailAddress string`);
  }
  return entries;
}

/** A bounce's or a delay's recipients, with the DSN fields that have the right type. */
function dsnRecipients(value: unknown, path: string): BouncedRecipient[] {
  return recipientEntries(value, path).map(({ emailAddress, entry }) =>
    withoutUndefined({
      emailAddress,
      action: optionalString(entry.action),
      status: optionalString(entry.status),
      diagnosticCode: optionalString(entry.diagnosticCode),
    }),
  );
}

/** `click.linkTags` (`{ key: [values] }`), keeping only string values in array entries. */
function linkTags(value: unknown): Record<string, string[]> | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  // fromEntries defines each key, so a "__proto__" tag stays a tag instead of a prototype.
  return Object.fromEntries(
    Object.entries(value)
      .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
      .map(([key, values]) => [
        key,
        values.filter((item): item is string => typeof item === 'string'),
      ]),
  );
}

/** The trimmed address strings of a list, skipping anything else. */
function addresses(items: unknown[]): string[] {
  return items.map(trimmedAddress).filter((address): address is string => address !== undefined);
}

function nonEmptyArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(`${path} must be a non-empty array, got ${describe(value)}`);
  }
  return value as unknown[];
}

function trimmedAddress(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`${path} must be a non-empty string, got ${describe(value)}`);
  }
  return value.trim();
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown, path: string, expected = 'an object'): JsonObject {
  if (!isObject(value)) {
    fail(`${path} must be ${expected}, got ${describe(value)}`);
  }
  return value;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    fail(`${what} is not valid JSON`);
  }
}

/** Drops keys whose value is undefined, so absent optional fields are absent, not `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? 'an empty array' : 'an array';
  }
  if (typeof value === 'string') {
    return value.trim() === '' ? 'an empty string' : `the string ${quote(value)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `${typeof value} ${value}`;
  }
  return typeof value === 'object' ? 'an object' : typeof value;
}

function quote(value: string): string {
  return JSON.stringify(shorten(value));
}

function shorten(value: string): string {
  return value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value;
}
