import { createHash } from 'node:crypto';
import { emailAddressOf, sameMailbox } from '../core/email-address';
import { StatusChange, TimelineEvent } from '../status/message-record';
import { MessageStatus } from '../status/message-status';
import { BouncedRecipient, SesNotification } from './ses-notification';

/** What one SES notification means for the message sent to one recipient. */
export interface FeedbackEffect {
  /** The status to move to, if the ranking allows it, with the fields it records. Absent: no status change. */
  status?: MessageStatus;
  change?: StatusChange;
  /** An open or a click to count (source `ses`), with what the classifier needs. */
  tracking?: {
    kind: 'open' | 'click';
    at: string;
    userAgent?: string;
    ipAddress?: string;
    /** The clicked link. */
    link?: string;
  };
  /** The timeline entry (source `ses`). */
  event: TimelineEvent;
  /** The recipient should go on the suppression list, for this reason. */
  suppress?: { reason: string; source: 'bounce' | 'complaint' };
  /** A transient (soft) bounce, which the optional suppression rule counts. */
  transientBounce?: boolean;
}

/** Longest timeline detail or suppression reason, as `TimelineEvent.detail` documents. */
const MAX_DETAIL_LENGTH = 200;

/** Longest dedupe key kept as it is; longer ones keep a readable prefix and a hash. */
const MAX_IDENTITY_LENGTH = 120;
const IDENTITY_PREFIX_LENGTH = 80;

// What out-of-office and vacation replies say in the DSN SES turns into a Transient/General
// bounce: English and the German and French words for absence, plus the RFC 3834 header.
const AUTO_REPLY = new RegExp(
  [
    String.raw`\bauto[-_ ]?(?:repl(?:y|ied)|respon(?:se|der))\b`,
    String.raw`\bautomatic(?:ally)? repl(?:y|ied)\b`,
    String.raw`\bout[- ]of[- ](?:the[- ])?office\b`,
    String.raw`\booo\b`,
    String.raw`\bvacation\b`,
    String.raw`\baway from (?:the|my) office\b`,
    String.raw`\babwesen(?:d|heit)`,
    String.raw`\babsence\b`,
    String.raw`\bauto-submitted:\s*auto-replied\b`,
  ].join('|'),
  'i',
);

/**
 * What a notification means for the message sent to `recipient`, or null when the notification
 * names recipients and none of them is `recipient`: a message must never take another
 * recipient's status.
 */
export function feedbackEffectFor(
  notification: SesNotification,
  recipient: string,
): FeedbackEffect | null {
  const named = notification.recipients.find((address) => sameMailbox(address, recipient));
  if (notification.recipients.length > 0 && named === undefined) {
    return null;
  }
  const at = isoInstant(notification.timestamp);
  const event = (type: string, detail?: string): TimelineEvent =>
    withoutUndefined({
      type,
      at,
      recipient: named,
      detail: detail === undefined ? undefined : shorten(detail) || undefined,
      source: 'ses' as const,
    });

  switch (notification.type) {
    case 'Send':
      return { event: event('send') };

    case 'Reject': {
      const reason = notification.reject?.reason;
      return {
        status: MessageStatus.FAILED,
        change: {
          failedAt: at,
          error: {
            code: 'REJECTED',
            message: reason === undefined ? 'rejected by SES' : `rejected by SES: ${reason}`,
          },
        },
        event: event('reject', reason),
      };
    }

    case 'Rendering Failure': {
      const errorMessage = notification.renderingFailure?.errorMessage;
      return {
        status: MessageStatus.FAILED,
        change: {
          failedAt: at,
          error: {
            code: 'RENDERING_FAILURE',
            message:
              errorMessage === undefined
                ? 'template rendering failed'
                : `template rendering failed: ${errorMessage}`,
          },
        },
        event: event('rendering-failure', errorMessage),
      };
    }

    case 'DeliveryDelay': {
      const delay = notification.delay;
      const delayType = delay?.delayType ?? 'Undetermined';
      const entry = entryFor(delay?.recipients, recipient);
      return {
        status: MessageStatus.DELAYED,
        change: {
          delayedAt: at,
          delay: withoutUndefined({
            type: delayType,
            expiresAt:
              delay?.expirationTime === undefined ? undefined : isoInstant(delay.expirationTime),
            status: entry?.status,
            diagnosticCode: entry?.diagnosticCode,
          }),
        },
        event: event('delivery-delay', delayType),
      };
    }

    case 'Delivery':
      return {
        status: MessageStatus.DELIVERED,
        change: { deliveredAt: at },
        event: event('delivery', notification.delivery?.smtpResponse),
      };

    case 'Bounce': {
      const bounce = notification.bounce;
      const type = bounce?.type ?? 'Undetermined';
      const subType = bounce?.subType ?? 'Undetermined';
      const entry = entryFor(bounce?.recipients, recipient);
      const diagnostic = entry?.diagnosticCode;
      if (isAutoReply(type, subType, diagnostic)) {
        // An out-of-office answer proves the mailbox exists and took the mail.
        return {
          status: MessageStatus.DELIVERED,
          change: { deliveredAt: at },
          event: event('auto-reply', diagnostic),
        };
      }
      const why = diagnostic ?? entry?.status;
      return {
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: at,
          bounce: withoutUndefined({
            type,
            subType,
            diagnosticCode: diagnostic,
            status: entry?.status,
          }),
        },
        event: event(
          'bounce',
          why === undefined ? `${type}/${subType}` : `${type}/${subType}: ${why}`,
        ),
        ...(type === 'Permanent'
          ? {
              suppress: {
                source: 'bounce' as const,
                reason: shorten(
                  why === undefined
                    ? `Permanent bounce (${subType})`
                    : `Permanent bounce (${subType}): ${why}`,
                ),
              },
            }
          : {}),
        ...(type === 'Transient' ? { transientBounce: true } : {}),
      };
    }

    case 'Complaint': {
      const complaint = notification.complaint;
      const feedbackType = complaint?.feedbackType;
      // A "not-spam" report is the ISP correcting an earlier spam verdict: kept in the timeline,
      // neither a complaint status nor a reason to suppress.
      if (feedbackType?.toLowerCase() === 'not-spam') {
        return { event: event('complaint', feedbackType) };
      }
      return {
        status: MessageStatus.COMPLAINED,
        change: {
          complainedAt: at,
          complaint: withoutUndefined({ feedbackType, subType: complaint?.subType }),
        },
        event: event('complaint', feedbackType),
        suppress: {
          source: 'complaint',
          reason: shorten(feedbackType === undefined ? 'complaint' : `complaint (${feedbackType})`),
        },
      };
    }

    // The user agent and IP stay out of the timeline: the tracking service classifies the hit
    // and keeps them only when told to (TRACKING_STORE_CLIENT).
    case 'Open':
      return {
        tracking: withoutUndefined({
          kind: 'open' as const,
          at,
          userAgent: notification.open?.userAgent,
          ipAddress: notification.open?.ipAddress,
        }),
        event: event('open'),
      };

    case 'Click':
      return {
        tracking: withoutUndefined({
          kind: 'click' as const,
          at,
          userAgent: notification.click?.userAgent,
          ipAddress: notification.click?.ipAddress,
          link: notification.click?.link,
        }),
        event: event('click', notification.click?.link),
      };

    case 'Subscription':
      return { event: event('subscription', notification.subscription?.contactList) };
  }
}

/** Whether a bounce is an automatic reply (out of office) that SES reported as Transient/General. */
export function isAutoReply(bounceType: string, subType: string, diagnostic?: string): boolean {
  return (
    bounceType.toLowerCase() === 'transient' &&
    subType.toLowerCase() === 'general' &&
    diagnostic !== undefined &&
    AUTO_REPLY.test(diagnostic)
  );
}

/**
 * The identity of the event a notification reports, the same whichever way it came (identity
 * notification or event publishing, SNS envelope or raw, first delivery or a retry); the
 * dedupe key besides the SNS MessageId.
 */
export function eventIdentity(notification: SesNotification): string {
  const { sesMessageId, type } = notification;
  const parts = [sesMessageId, type];
  switch (type) {
    case 'Send':
    case 'Reject':
    case 'Rendering Failure':
      // SES publishes at most one of these per mail.
      break;
    case 'Bounce':
    case 'Complaint': {
      const feedbackId = (type === 'Bounce' ? notification.bounce : notification.complaint)
        ?.feedbackId;
      parts.push(feedbackId ?? isoInstant(notification.timestamp), recipientsKey(notification));
      break;
    }
    case 'Delivery':
    case 'DeliveryDelay':
    case 'Subscription':
      parts.push(isoInstant(notification.timestamp), recipientsKey(notification));
      break;
    case 'Open':
      parts.push(
        isoInstant(notification.timestamp),
        recipientsKey(notification),
        clientDigest(notification.open),
      );
      break;
    case 'Click':
      parts.push(
        isoInstant(notification.timestamp),
        recipientsKey(notification),
        clientDigest(notification.click),
        notification.click?.link ?? '',
      );
      break;
  }
  const key = parts.join('|');
  // Parts come from the notification, so a '|' inside one could make two events read alike;
  // the hash is over the unambiguous JSON of the parts.
  if (key.length <= MAX_IDENTITY_LENGTH && !parts.some((part) => part.includes('|'))) {
    return key;
  }
  const prefix = `${sesMessageId}|${type}`.slice(0, IDENTITY_PREFIX_LENGTH);
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  return `${prefix}|#${hash}`;
}

/**
 * The reader's IP address and user agent as a digest: dedupe keys are stored with the record,
 * and neither may be kept unless TRACKING_STORE_CLIENT says so.
 */
function clientDigest(client: { ipAddress?: string; userAgent?: string } | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([client?.ipAddress ?? '', client?.userAgent ?? '']))
    .digest('base64url')
    .slice(0, 16);
}

/** The notification's recipients, as bare lower-cased addresses in order, so SES's order and case do not matter. */
function recipientsKey(notification: SesNotification): string {
  return notification.recipients
    .map((address) => (emailAddressOf(address) || address).toLowerCase())
    .sort()
    .join(',');
}

/** The entry of a bounce or delay about `recipient`. */
function entryFor(
  entries: BouncedRecipient[] | undefined,
  recipient: string,
): BouncedRecipient | undefined {
  return entries?.find((entry) => sameMailbox(entry.emailAddress, recipient));
}

/** `value` as a UTC ISO 8601 instant, so "+01:00" and "Z" spellings of one time agree. */
function isoInstant(value: string): string {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/** One line of at most MAX_DETAIL_LENGTH characters: SMTP answers can span lines. */
function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_DETAIL_LENGTH ? `${line.slice(0, MAX_DETAIL_LENGTH - 1)}…` : line;
}

/** Drops keys whose value is undefined, so absent optional fields are absent, not `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
