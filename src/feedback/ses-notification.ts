/**
 * Every SES event type ases understands: identity notifications (`notificationType`: Bounce,
 * Complaint, Delivery) and configuration-set event publishing (`eventType`: all of these).
 */
export type SesEventType =
  | 'Send'
  | 'Reject'
  | 'Bounce'
  | 'Complaint'
  | 'Delivery'
  | 'Open'
  | 'Click'
  | 'Rendering Failure'
  | 'DeliveryDelay'
  | 'Subscription';

/** Kept for the name the first issue used. */
export type SesNotificationType = SesEventType;

/** One recipient of a bounce or a delivery delay, as SES reports it. */
export interface BouncedRecipient {
  emailAddress: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

/** A parsed SES notification (identity notification or event publishing), reduced to what ases uses. */
export interface SesNotification {
  type: SesEventType;
  /** `identity` when the JSON named its type `notificationType`, `event` for `eventType`. */
  origin: 'identity' | 'event';
  /** `mail.messageId`: the id SendRawEmail returned. */
  sesMessageId: string;
  /** When the event happened (the event's own timestamp, else `mail.timestamp`), ISO 8601. */
  timestamp: string;
  /** `mail.timestamp`: when SES accepted the mail, ISO 8601, when present and valid. */
  mailTimestamp?: string;
  /**
   * Addresses the event is about (bounced, complained, delivered or delayed recipients), trimmed,
   * as SES wrote them. Empty for events about the whole mail (Send, Reject, Rendering Failure,
   * Open, Click, Subscription).
   */
  recipients: string[];
  /** `mail.destination` as SES reports it (trimmed). */
  destination: string[];
  /**
   * The ases id the mail carried in its `X-Ases-Id` header, when SES included the original
   * headers (`mail.headers`: always in event publishing, optional in identity notifications).
   */
  asesId?: string;
  bounce?: {
    type: string;
    subType: string;
    feedbackId?: string;
    recipients: BouncedRecipient[];
  };
  complaint?: {
    feedbackType?: string;
    subType?: string;
    feedbackId?: string;
  };
  delivery?: {
    smtpResponse?: string;
    processingTimeMillis?: number;
    reportingMTA?: string;
  };
  /** `DeliveryDelay`: `deliveryDelay`. */
  delay?: {
    delayType: string;
    expirationTime?: string;
    reportingMTA?: string;
    recipients: BouncedRecipient[];
  };
  /** `Reject`: `reject.reason` (e.g. "Bad content"). */
  reject?: { reason: string };
  /** `Rendering Failure`: `failure`. */
  renderingFailure?: { errorMessage: string; templateName?: string };
  /** `Open`. */
  open?: { ipAddress?: string; userAgent?: string };
  /** `Click`. */
  click?: {
    link: string;
    ipAddress?: string;
    userAgent?: string;
    linkTags?: Record<string, string[]>;
  };
  /** `Subscription`: the contact list and what changed, as SES sent it. */
  subscription?: { contactList?: string; source?: string };
}

/** Where a feedback body came from: an SNS envelope, or SNS raw message delivery. */
export interface SnsEnvelopeInfo {
  messageId: string;
  topicArn?: string;
  timestamp?: string;
}

/** What a feedback queue message (or an SNS HTTPS post) turned out to be. */
export type ParsedFeedback =
  | { kind: 'notification'; envelope?: SnsEnvelopeInfo; notification: SesNotification }
  | {
      kind: 'subscription';
      type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
      topicArn?: string;
    }
  /** An SES JSON whose `notificationType` / `eventType` ases does not know (tolerated, counted). */
  | { kind: 'unsupported'; eventType: string; envelope?: SnsEnvelopeInfo }
  /** Not usable at all (poison), with a reason naming the field. */
  | { kind: 'invalid'; reason: string };
