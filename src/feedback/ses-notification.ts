/** The SES feedback types ases acts on. */
export type SesNotificationType = 'Bounce' | 'Complaint' | 'Delivery';

/** One bounced recipient, as SES reports it in `bounce.bouncedRecipients`. */
export interface BouncedRecipient {
  emailAddress: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

/** A parsed SES notification (identity notification or event publishing), reduced to what ases uses. */
export interface SesNotification {
  type: SesNotificationType;
  /** `mail.messageId`: the id SendRawEmail returned. */
  sesMessageId: string;
  /** When the event happened (bounce/complaint/delivery timestamp), ISO 8601. */
  timestamp: string;
  /** Addresses the event is about (bounced, complained or delivered recipients), trimmed, as SES wrote them. */
  recipients: string[];
  /** `mail.destination` as SES reports it (trimmed). */
  destination: string[];
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
}

/** Where a feedback body came from: an SNS envelope, or SNS raw message delivery. */
export interface SnsEnvelopeInfo {
  messageId: string;
  topicArn?: string;
  timestamp?: string;
}

/** What a feedback queue message turned out to be. */
export type ParsedFeedback =
  | { kind: 'notification'; envelope?: SnsEnvelopeInfo; notification: SesNotification }
  | {
      kind: 'subscription';
      type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
      topicArn?: string;
    }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };
