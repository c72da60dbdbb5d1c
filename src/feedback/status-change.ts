import { sameMailbox } from '../core/email-address';
import { StatusChange } from '../status/message-record';
import { MessageStatus } from '../status/message-status';
import { SesNotification } from './ses-notification';

/** The status an SES notification moves a message to, with the fields it records. */
export interface FeedbackChange {
  status: MessageStatus;
  change: StatusChange;
}

/**
 * What a notification means for the message sent to `recipient`, or null when the notification
 * is about other recipients only: a message must never take another recipient's status.
 */
export function feedbackChangeFor(
  notification: SesNotification,
  recipient: string,
): FeedbackChange | null {
  const mine = notification.recipients.filter((address) => sameMailbox(address, recipient));
  if (notification.recipients.length > 0 && mine.length === 0) {
    return null;
  }
  const at = new Date(notification.timestamp).toISOString();
  switch (notification.type) {
    case 'Delivery':
      return { status: MessageStatus.DELIVERED, change: { deliveredAt: at } };
    case 'Bounce': {
      const bounce = notification.bounce;
      const bounced =
        bounce?.recipients.find((entry) => sameMailbox(entry.emailAddress, recipient)) ??
        bounce?.recipients[0];
      return {
        status: MessageStatus.BOUNCED,
        change: {
          bouncedAt: at,
          bounce: {
            type: bounce?.type ?? 'Undetermined',
            subType: bounce?.subType ?? 'Undetermined',
            ...(bounced?.diagnosticCode ? { diagnosticCode: bounced.diagnosticCode } : {}),
            ...(bounced?.status ? { status: bounced.status } : {}),
          },
        },
      };
    }
    case 'Complaint':
      return {
        status: MessageStatus.COMPLAINED,
        change: {
          complainedAt: at,
          complaint: notification.complaint?.feedbackType
            ? { feedbackType: notification.complaint.feedbackType }
            : {},
        },
      };
  }
}
