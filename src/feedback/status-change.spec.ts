import { MessageStatus } from '../status/message-status';
import { SesNotification } from './ses-notification';
import { feedbackChangeFor } from './status-change';

const base = {
  sesMessageId: '0100-ses',
  timestamp: '2026-11-27T18:00:01.000Z',
  destination: ['jane@example.org'],
};

describe('feedbackChangeFor', () => {
  it('marks a delivery', () => {
    const notification: SesNotification = {
      ...base,
      type: 'Delivery',
      recipients: ['jane@example.org'],
    };
    expect(feedbackChangeFor(notification, 'jane@example.org')).toEqual({
      status: MessageStatus.DELIVERED,
      change: { deliveredAt: '2026-11-27T18:00:01.000Z' },
    });
  });

  it('takes the bounce details of this recipient among several', () => {
    const notification: SesNotification = {
      ...base,
      type: 'Bounce',
      recipients: ['john@example.org', 'Jane@Example.ORG'],
      bounce: {
        type: 'Permanent',
        subType: 'General',
        recipients: [
          { emailAddress: 'john@example.org', status: '5.2.2', diagnosticCode: 'mailbox full' },
          { emailAddress: 'Jane@Example.ORG', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1' },
        ],
      },
    };
    expect(feedbackChangeFor(notification, 'Jane <jane@example.org>')).toEqual({
      status: MessageStatus.BOUNCED,
      change: {
        bouncedAt: '2026-11-27T18:00:01.000Z',
        bounce: {
          type: 'Permanent',
          subType: 'General',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1',
        },
      },
    });
  });

  it('marks a complaint, with or without a feedback report', () => {
    const notification: SesNotification = {
      ...base,
      type: 'Complaint',
      recipients: ['jane@example.org'],
      complaint: { feedbackType: 'abuse' },
    };
    expect(feedbackChangeFor(notification, 'jane@example.org')?.change).toEqual({
      complainedAt: '2026-11-27T18:00:01.000Z',
      complaint: { feedbackType: 'abuse' },
    });
    expect(
      feedbackChangeFor({ ...notification, complaint: {} }, 'jane@example.org')?.change.complaint,
    ).toEqual({});
  });

  it('leaves a message alone when the notification is about other recipients', () => {
    const notification: SesNotification = {
      ...base,
      type: 'Delivery',
      recipients: ['john@example.org'],
    };
    expect(feedbackChangeFor(notification, 'jane@example.org')).toBeNull();
  });

  it('normalises the event time', () => {
    const notification: SesNotification = {
      ...base,
      type: 'Delivery',
      timestamp: '2026-11-27T19:00:01+01:00',
      recipients: ['jane@example.org'],
    };
    expect(feedbackChangeFor(notification, 'jane@example.org')?.change.deliveredAt).toBe(
      '2026-11-27T18:00:01.000Z',
    );
  });
});
