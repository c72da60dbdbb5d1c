import type { PublishCommand } from '@aws-sdk/client-sns';
import type { SentMail } from './local-ses.server';
import { parseHeaderBlock } from './mail-headers';
import {
  buildBounceNotification,
  buildComplaintNotification,
  buildDeliveryNotification,
  buildMailObject,
  MailboxSimulator,
  mailboxOutcome,
  newFeedbackId,
  planNotifications,
  type MailContext,
  type SesIdentityNotification,
  type SesMailObject,
} from './mailbox-simulator';
import type { SesNotificationKind } from './notification-topics.registry';

const SIM = 'simulator.amazonses.com';
const SES_ID = '0100019425a1b2c3-7f0c3c5a-1b2c-4d5e-8f90-123456789abc-000000';

const context: MailContext = {
  sourceArn: 'arn:aws:ses:eu-west-1:000000000000:identity/example.com',
  sendingAccountId: '000000000000',
  region: 'eu-west-1',
};

function sentMail(destinations: string[], overrides: Partial<SentMail> = {}): SentMail {
  return {
    sesMessageId: SES_ID,
    source: 'news@example.com',
    destinations,
    subject: 'Héllo',
    timestamp: '2025-01-02T03:04:05.000Z',
    headers: [
      { name: 'From', value: '"News, Team" <news@example.com>' },
      { name: 'To', value: destinations.join(', ') },
      { name: 'Subject', value: '=?utf-8?Q?H=C3=A9llo?=' },
      { name: 'Message-ID', value: '<custom-1@example.com>' },
      { name: 'Date', value: 'Thu, 02 Jan 2025 03:04:05 +0000' },
    ],
    sourceIp: '10.0.0.1',
    callerIdentity: 'AKIDLOCAL',
    ...overrides,
  };
}

describe('mailboxOutcome', () => {
  it.each([
    [`success@${SIM}`, 'delivered'],
    [`bounce@${SIM}`, 'bounced'],
    [`complaint@${SIM}`, 'complained'],
    [`suppressionlist@${SIM}`, 'suppressed'],
    [`ooto@${SIM}`, 'delivered'],
    [`Bounce+Label-1@Simulator.AmazonSES.com`, 'bounced'],
    [`"Jane" <complaint+x@${SIM}>`, 'complained'],
    [`nobody@${SIM}`, 'delivered'],
    ['bounce@example.com', 'delivered'],
    [`bounce@${SIM}.example.com`, 'delivered'],
    ['not-an-address', 'delivered'],
  ])('%s is %s', (address, outcome) => {
    expect(mailboxOutcome(address)).toBe(outcome);
  });
});

describe('newFeedbackId', () => {
  it('looks like an SES feedback id and starts with the time in hex', () => {
    const id = newFeedbackId(0x18c0000abcd);
    expect(id).toMatch(
      /^0100018c0000abcd-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$/,
    );
    expect(newFeedbackId()).not.toBe(newFeedbackId());
  });
});

describe('buildMailObject', () => {
  it('builds the documented mail object with common headers from the sent headers', () => {
    expect(buildMailObject(sentMail([`success@${SIM}`]), context)).toEqual({
      timestamp: '2025-01-02T03:04:05.000Z',
      messageId: SES_ID,
      source: 'news@example.com',
      sourceArn: context.sourceArn,
      sourceIp: '10.0.0.1',
      sendingAccountId: '000000000000',
      callerIdentity: 'AKIDLOCAL',
      destination: [`success@${SIM}`],
      headersTruncated: false,
      headers: sentMail([`success@${SIM}`]).headers,
      commonHeaders: {
        from: ['"News, Team" <news@example.com>'],
        to: [`success@${SIM}`],
        date: 'Thu, 02 Jan 2025 03:04:05 +0000',
        messageId: '<custom-1@example.com>',
        subject: 'Héllo',
      },
    });
  });

  it('leaves out what it does not know and falls back to the source for from', () => {
    const mail = buildMailObject(
      sentMail(['a@x.com'], { headers: [], callerIdentity: undefined }),
      context,
    );
    expect(mail).not.toHaveProperty('callerIdentity');
    expect(mail.commonHeaders).toEqual({
      from: ['news@example.com'],
      messageId: SES_ID,
      subject: 'Héllo',
    });
  });
});

describe('original headers in every notification', () => {
  const raw = [
    'From: "News" <news@example.com>',
    `To: "Doe, Jane" <bounce@${SIM}>,`,
    `\t<complaint@${SIM}>`,
    'Subject: =?utf-8?Q?H=C3=A9llo?=',
    'X-Ases-Id: abc',
    'X-Ases-Id: second',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'X-Ases-Id: body, not a header',
  ].join('\r\n');
  const mail = sentMail([`bounce@${SIM}`, `complaint@${SIM}`, 'a@example.com'], {
    headers: parseHeaderBlock(raw),
  });
  const plan = planNotifications(mail, context, {
    deliveredAt: new Date('2025-01-02T03:04:05.150Z'),
    complainedAt: new Date('2025-01-02T03:04:05.250Z'),
  });

  it('carries every header of the raw message, unfolded, in order, X-Ases-Id exactly', () => {
    expect(plan.map((p) => p.kind)).toEqual(['Delivery', 'Bounce', 'Complaint']);
    for (const { notification } of plan) {
      expect(notification.mail.headersTruncated).toBe(false);
      expect(notification.mail.headers).toEqual([
        { name: 'From', value: '"News" <news@example.com>' },
        { name: 'To', value: `"Doe, Jane" <bounce@${SIM}>, <complaint@${SIM}>` },
        { name: 'Subject', value: '=?utf-8?Q?H=C3=A9llo?=' },
        { name: 'X-Ases-Id', value: 'abc' },
        { name: 'X-Ases-Id', value: 'second' },
        { name: 'MIME-Version', value: '1.0' },
        { name: 'Content-Type', value: 'text/plain; charset=utf-8' },
      ]);
      expect(notification.mail.headers.find((h) => h.name === 'X-Ases-Id')?.value).toBe('abc');
    }
  });

  it('reports the common headers as SES sets them, with the SES id when there is no Message-ID', () => {
    for (const { notification } of plan) {
      expect(notification.mail.messageId).toBe(SES_ID);
      expect(notification.mail.commonHeaders).toEqual({
        from: ['"News" <news@example.com>'],
        to: [`"Doe, Jane" <bounce@${SIM}>`, `<complaint@${SIM}>`],
        messageId: SES_ID,
        subject: 'Héllo',
      });
    }
  });

  it('survives the JSON an SNS message carries', () => {
    const [{ notification }] = plan;
    const parsed = JSON.parse(JSON.stringify(notification)) as SesIdentityNotification;
    expect(parsed.mail).toEqual(notification.mail);
    expect(Object.keys(parsed.mail)).toEqual(
      expect.arrayContaining(['headersTruncated', 'headers', 'commonHeaders']),
    );
  });
});

describe('notification builders', () => {
  const mail: SesMailObject = buildMailObject(sentMail([`bounce@${SIM}`]), context);
  const at = new Date('2025-01-02T03:04:05.150Z');

  it('builds a Delivery with the processing time since the send', () => {
    expect(buildDeliveryNotification(mail, ['a@x.com'], at, 'eu-west-1')).toEqual({
      notificationType: 'Delivery',
      mail,
      delivery: {
        timestamp: '2025-01-02T03:04:05.150Z',
        processingTimeMillis: 150,
        recipients: ['a@x.com'],
        smtpResponse: '250 2.6.0 Message received',
        remoteMtaIp: '127.0.0.1',
        reportingMTA: 'a8-70.smtp-out.eu-west-1.amazonses.com',
      },
    });
  });

  it('builds a permanent General bounce for an unknown user', () => {
    expect(
      buildBounceNotification(mail, 'General', [`bounce@${SIM}`], at, 'fb-1', 'eu-west-1'),
    ).toEqual({
      notificationType: 'Bounce',
      mail,
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: `bounce@${SIM}`,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: '2025-01-02T03:04:05.150Z',
        feedbackId: 'fb-1',
        remoteMtaIp: '127.0.0.1',
        reportingMTA: 'dns; a8-70.smtp-out.eu-west-1.amazonses.com',
      },
    });
  });

  it('builds a suppression-list bounce that SES reports without contacting any MTA', () => {
    const notification = buildBounceNotification(
      mail,
      'OnAccountSuppressionList',
      [`suppressionlist@${SIM}`],
      at,
      'fb-2',
      'eu-west-1',
    );
    expect(notification.notificationType).toBe('Bounce');
    const bounce = notification.notificationType === 'Bounce' ? notification.bounce : undefined;
    expect(bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'OnAccountSuppressionList',
      reportingMTA: 'dns; amazonses.com',
      bouncedRecipients: [
        { emailAddress: `suppressionlist@${SIM}`, action: 'failed', status: '5.1.1' },
      ],
    });
    expect(bounce).not.toHaveProperty('remoteMtaIp');
    expect(bounce?.bouncedRecipients[0].diagnosticCode).toMatch(
      /^Amazon SES did not send the message to this address because it is on the suppression list for your account/,
    );
  });

  it('builds an abuse complaint', () => {
    expect(buildComplaintNotification(mail, [`complaint@${SIM}`], at, 'fb-3')).toEqual({
      notificationType: 'Complaint',
      mail,
      complaint: {
        complainedRecipients: [{ emailAddress: `complaint@${SIM}` }],
        timestamp: '2025-01-02T03:04:05.150Z',
        feedbackId: 'fb-3',
        complaintSubType: null,
        userAgent: 'Amazon SES Mailbox Simulator',
        complaintFeedbackType: 'abuse',
        arrivalDate: '2025-01-02T03:04:05.000Z',
      },
    });
  });
});

describe('planNotifications', () => {
  const times = {
    deliveredAt: new Date('2025-01-02T03:04:05.150Z'),
    complainedAt: new Date('2025-01-02T03:04:05.250Z'),
  };
  let counter = 0;
  const ids = (): string => `fb-${(counter += 1)}`;

  it('sends one notification per outcome, grouping recipients, complaints after delivery', () => {
    const destinations = [
      `success@${SIM}`,
      'someone@example.com',
      `bounce@${SIM}`,
      `bounce+2@${SIM}`,
      `complaint@${SIM}`,
      `suppressionlist@${SIM}`,
      `ooto@${SIM}`,
    ];
    const plan = planNotifications(sentMail(destinations), context, times, ids);

    const summary = plan.map(({ kind, afterDelivery, notification }) => ({
      kind,
      afterDelivery,
      recipients: recipientsOf(notification),
    }));
    expect(summary).toEqual([
      {
        kind: 'Delivery',
        afterDelivery: false,
        recipients: [`success@${SIM}`, 'someone@example.com', `ooto@${SIM}`, `complaint@${SIM}`],
      },
      { kind: 'Bounce', afterDelivery: false, recipients: [`bounce@${SIM}`, `bounce+2@${SIM}`] },
      { kind: 'Bounce', afterDelivery: false, recipients: [`suppressionlist@${SIM}`] },
      { kind: 'Complaint', afterDelivery: true, recipients: [`complaint@${SIM}`] },
    ]);
    for (const { notification } of plan) {
      expect(notification.mail.destination).toEqual(destinations);
      expect(notification.mail.messageId).toBe(SES_ID);
    }
  });

  it('plans a single Delivery when nothing bounces or complains', () => {
    const plan = planNotifications(sentMail([`success@${SIM}`, `ooto@${SIM}`]), context, times);
    expect(plan.map((p) => p.kind)).toEqual(['Delivery']);
  });

  it('reports each recipient once, by bare address', () => {
    const plan = planNotifications(
      sentMail([`"B" <bounce@${SIM}>`, `BOUNCE@${SIM}`]),
      context,
      times,
    );
    expect(plan.map((p) => recipientsOf(p.notification))).toEqual([[`bounce@${SIM}`]]);
  });
});

describe('MailboxSimulator', () => {
  const topics: Record<SesNotificationKind, string> = {
    Bounce: 'arn:aws:sns:eu-west-1:000000000000:b',
    Complaint: 'arn:aws:sns:eu-west-1:000000000000:c',
    Delivery: 'arn:aws:sns:eu-west-1:000000000000:d',
  };

  function setup(options: { failOn?: string; topicless?: SesNotificationKind } = {}) {
    const published: Array<{ topicArn: string; notification: SesIdentityNotification }> = [];
    const logger = { log: jest.fn<void, [string]>(), warn: jest.fn<void, [string]>() };
    const sns = {
      send: jest.fn((command: PublishCommand) => {
        const { TopicArn = '', Message = '' } = command.input;
        if (TopicArn === options.failOn) {
          return Promise.reject(new Error('SNS is down'));
        }
        published.push({
          topicArn: TopicArn,
          notification: JSON.parse(Message) as SesIdentityNotification,
        });
        return Promise.resolve({ MessageId: 'm' });
      }),
    };
    const simulator = new MailboxSimulator({
      sns,
      routing: {
        identityFor: (source) => source.split('@')[1],
        topicFor: (_source, kind) => (kind === options.topicless ? undefined : topics[kind]),
      },
      region: 'eu-west-1',
      delayMs: 5,
      complaintDelayMs: 5,
      logger,
    });
    return { simulator, published, logger, sns };
  }

  it('publishes each notification to the topic of its kind, the complaint last', async () => {
    const { simulator, published } = setup();
    simulator.simulate(sentMail([`complaint@${SIM}`, `bounce@${SIM}`]));
    expect(published).toEqual([]);
    await simulator.idle();

    expect(published.map((p) => [p.topicArn, p.notification.notificationType])).toEqual([
      [topics.Delivery, 'Delivery'],
      [topics.Bounce, 'Bounce'],
      [topics.Complaint, 'Complaint'],
    ]);
    expect(published[0].notification.mail.sourceArn).toBe(
      'arn:aws:ses:eu-west-1:000000000000:identity/example.com',
    );
  });

  it('logs a failed publish and still publishes the other kinds', async () => {
    const { simulator, published, logger } = setup({ failOn: topics.Bounce });
    simulator.simulate(sentMail([`success@${SIM}`, `bounce@${SIM}`]));
    await simulator.idle();

    expect(published.map((p) => p.notification.notificationType)).toEqual(['Delivery']);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('SNS is down'));
  });

  it('skips a kind that has no topic', async () => {
    const { simulator, published, logger } = setup({ topicless: 'Delivery' });
    simulator.simulate(sentMail([`success@${SIM}`]));
    await simulator.idle();

    expect(published).toEqual([]);
    expect(logger.log).toHaveBeenCalledWith(expect.stringContaining('no Delivery topic'));
  });

  it('publishes nothing once stopped', async () => {
    const { simulator, sns } = setup();
    simulator.simulate(sentMail([`success@${SIM}`]));
    await simulator.stop();
    simulator.simulate(sentMail([`bounce@${SIM}`]));
    await simulator.idle();

    expect(sns.send).not.toHaveBeenCalled();
  });
});

function recipientsOf(notification: SesIdentityNotification): string[] {
  switch (notification.notificationType) {
    case 'Delivery':
      return notification.delivery.recipients;
    case 'Bounce':
      return notification.bounce.bouncedRecipients.map((r) => r.emailAddress);
    case 'Complaint':
      return notification.complaint.complainedRecipients.map((r) => r.emailAddress);
  }
}
