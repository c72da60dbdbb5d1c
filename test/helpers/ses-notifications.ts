/**
 * SES identity notifications in the shape the SES developer guide documents ("Notification
 * contents"), for tests that play the part of SES.
 */
interface Mail {
  sesMessageId: string;
  source: string;
  destination: string[];
}

function mailObject(mail: Mail): Record<string, unknown> {
  return {
    timestamp: new Date().toISOString(),
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

/** A Permanent/General bounce of `recipients`. */
export function bounceNotification(mail: Mail, recipients = mail.destination): string {
  return JSON.stringify({
    notificationType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: new Date().toISOString(),
      feedbackId: `0100-${Math.random().toString(16).slice(2)}-000000`,
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: mailObject(mail),
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
