/**
 * SES identity notifications in the shape the SES developer guide documents ("Notification
 * contents"), for tests that play the part of SES.
 */
export interface Mail {
  sesMessageId: string;
  source: string;
  destination: string[];
  /** `mail.timestamp`; default now. */
  sentAt?: string;
}

function mailObject(mail: Mail): Record<string, unknown> {
  return {
    timestamp: mail.sentAt ?? new Date().toISOString(),
    messageId: mail.sesMessageId,
    source: mail.source,
    sourceArn: `arn:aws:ses:us-east-1:123456789012:identity/${mail.source.split('@')[1]}`,
    sourceIp: '127.0.3.0',
    sendingAccountId: '123456789012',
    destination: mail.destination,
    // Not in the docs' shape: parsers must tolerate fields they do not know.
    somethingNew: { nested: true },
  };
}

/** What a test may change in a bounce. */
export interface BounceOptions {
  bounceType?: string;
  bounceSubType?: string;
  status?: string;
  diagnosticCode?: string;
  feedbackId?: string;
  timestamp?: string;
  /** `eventType` (configuration-set event publishing) instead of `notificationType`. */
  asEvent?: boolean;
}

/** A bounce of `recipients`: Permanent/General 5.1.1 unless `options` say otherwise. */
export function bounceNotification(
  mail: Mail,
  recipients = mail.destination,
  options: BounceOptions = {},
): string {
  return JSON.stringify({
    [options.asEvent ? 'eventType' : 'notificationType']: 'Bounce',
    bounce: {
      bounceType: options.bounceType ?? 'Permanent',
      bounceSubType: options.bounceSubType ?? 'General',
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: options.status ?? '5.1.1',
        diagnosticCode: options.diagnosticCode ?? 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: options.timestamp ?? new Date().toISOString(),
      feedbackId: options.feedbackId ?? `0100-${Math.random().toString(16).slice(2)}-000000`,
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: mailObject(mail),
  });
}

/**
 * A configuration-set event (`eventType`) with its type's object, as in the SES developer guide's
 * "Examples of event data that Amazon SES publishes to Amazon SNS".
 */
export function sesEvent(
  eventType: string,
  mail: Mail,
  field: string,
  body: Record<string, unknown>,
): string {
  return JSON.stringify({ eventType, mail: mailObject(mail), [field]: body });
}

/** An SNS envelope around an SES JSON, as SNS delivers it to SQS without raw delivery. */
export function snsEnvelope(message: string, messageId: string, topicArn: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  });
}

/** A delivery to `recipients`. */
export function deliveryNotification(mail: Mail, recipients = mail.destination): string {
  return JSON.stringify({
    notificationType: 'Delivery',
    delivery: {
      timestamp: new Date().toISOString(),
      processingTimeMillis: 546,
      recipients,
      smtpResponse: '250 ok:  Message 64111812 accepted',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
      remoteMtaIp: '127.0.2.0',
    },
    mail: mailObject(mail),
  });
}

/** A complaint with an `abuse` feedback report. */
export function complaintNotification(mail: Mail, recipients = mail.destination): string {
  return JSON.stringify({
    notificationType: 'Complaint',
    complaint: {
      userAgent: 'AnyCompany Feedback Loop (V0.01)',
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      complaintFeedbackType: 'abuse',
      arrivalDate: new Date().toISOString(),
      timestamp: new Date().toISOString(),
      feedbackId: `0100-${Math.random().toString(16).slice(2)}-000000`,
    },
    mail: mailObject(mail),
  });
}
