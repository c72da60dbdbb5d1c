import {
  BouncedRecipient,
  ParsedFeedback,
  SesNotification,
  SesNotificationType,
  SnsEnvelopeInfo,
} from './ses-notification';

type JsonObject = Record<string, unknown>;
type SesResult = Extract<ParsedFeedback, { kind: 'notification' | 'ignored' }>;

/** Longest piece of an untrusted value quoted back in a reason, so a huge body makes no huge log line. */
const MAX_QUOTED_LENGTH = 80;

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
  if (parsed.kind === 'ignored') {
    return parsed;
  }
  const info: SnsEnvelopeInfo = withoutUndefined({
    messageId,
    topicArn: optionalString(envelope.TopicArn),
    timestamp: optionalString(envelope.Timestamp),
  });
  return { kind: 'notification', envelope: info, notification: parsed.notification };
}

function parseSes(root: JsonObject): SesResult {
  const type = notificationTypeOf(root);
  if (!isSupportedType(type)) {
    return { kind: 'ignored', reason: `unsupported SES notification type ${quote(type)}` };
  }
  const mail = expectObject(root.mail, 'mail');
  const common = {
    type,
    sesMessageId: requireString(mail.messageId, 'mail.messageId'),
    destination: Array.isArray(mail.destination) ? addresses(mail.destination as unknown[]) : [],
  };

  switch (type) {
    case 'Bounce': {
      const bounce = expectObject(root.bounce, 'bounce');
      const bounceType = requireString(bounce.bounceType, 'bounce.bounceType');
      const subType = requireString(bounce.bounceSubType, 'bounce.bounceSubType');
      const recipients: BouncedRecipient[] = recipientEntries(
        bounce.bouncedRecipients,
        'bounce.bouncedRecipients',
      ).map(({ emailAddress, entry }) =>
        withoutUndefined({
          emailAddress,
          action: optionalString(entry.action),
          status: optionalString(entry.status),
          diagnosticCode: optionalString(entry.diagnosticCode),
        }),
      );
      return notification({
        ...common,
        timestamp: eventTimestamp(bounce, 'bounce', mail),
        recipients: recipients.map((recipient) => recipient.emailAddress),
        bounce: withoutUndefined({
          type: bounceType,
          subType,
          feedbackId: optionalString(bounce.feedbackId),
          recipients,
        }),
      });
    }
    case 'Complaint': {
      const complaint = expectObject(root.complaint, 'complaint');
      const recipients = recipientEntries(
        complaint.complainedRecipients,
        'complaint.complainedRecipients',
      ).map(({ emailAddress }) => emailAddress);
      return notification({
        ...common,
        timestamp: eventTimestamp(complaint, 'complaint', mail),
        recipients,
        complaint: withoutUndefined({
          feedbackType: optionalString(complaint.complaintFeedbackType),
          // SES documents complaintSubType as null or "OnAccountSuppressionList".
          subType: optionalString(complaint.complaintSubType),
          feedbackId: optionalString(complaint.feedbackId),
        }),
      });
    }
    case 'Delivery': {
      const delivery = expectObject(root.delivery, 'delivery');
      const recipients = addresses(nonEmptyArray(delivery.recipients, 'delivery.recipients'));
      if (recipients.length === 0) {
        fail('delivery.recipients has no email address string');
      }
      return notification({
        ...common,
        timestamp: eventTimestamp(delivery, 'delivery', mail),
        recipients,
        delivery: withoutUndefined({
          smtpResponse: optionalString(delivery.smtpResponse),
          processingTimeMillis: optionalNumber(delivery.processingTimeMillis),
          reportingMTA: optionalString(delivery.reportingMTA),
        }),
      });
    }
  }
}

function notification(value: SesNotification): SesResult {
  return { kind: 'notification', notification: value };
}

/** Identity notifications name their type `notificationType`; configuration-set events, `eventType`. */
function notificationTypeOf(root: JsonObject): string {
  for (const field of ['notificationType', 'eventType'] as const) {
    const value = root[field];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'string') {
      fail(`${field} must be a string, got ${describe(value)}`);
    }
    return value;
  }
  fail('not an SES notification: no notificationType or eventType');
}

function isSupportedType(type: string): type is SesNotificationType {
  return type === 'Bounce' || type === 'Complaint' || type === 'Delivery';
}

/**
 * The event's own timestamp (when the ISP sent the bounce or complaint, or when SES delivered),
 * else the time the mail was sent.
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
  return JSON.stringify(
    value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value,
  );
}
