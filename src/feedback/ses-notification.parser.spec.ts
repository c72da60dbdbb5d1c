import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParsedFeedback, SesEventType, SesNotification } from './ses-notification';
import { parseFeedbackMessage } from './ses-notification.parser';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'ses');
const REMOVE = Symbol('remove');

const ENVELOPE_ID = '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324';
const TOPIC_ARN = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
const ENVELOPE_TIMESTAMP = '2016-01-27T14:59:38.521Z';

type Json = Record<string, unknown>;

const fixtureCache = new Map<string, string>();

function fixtureText(name: string): string {
  let text = fixtureCache.get(name);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
    fixtureCache.set(name, text);
  }
  return text;
}

function fixture(name: string): Json {
  return JSON.parse(fixtureText(name)) as Json;
}

/** A fixture with fields set or removed, addressed by dotted paths (`bounce.bouncedRecipients.0`). */
function variant(name: string, changes: Record<string, unknown>): Json {
  const document = fixture(name);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let target = document;
    for (const key of keys) {
      target = target[key] as Json;
    }
    if (value === REMOVE) {
      delete target[last];
    } else {
      target[last] = value;
    }
  }
  return document;
}

/** The SNS envelope an SQS subscription receives without raw message delivery. */
function envelope(message: unknown, fields: Json = {}): Json {
  return {
    Type: 'Notification',
    MessageId: ENVELOPE_ID,
    TopicArn: TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: ENVELOPE_TIMESTAMP,
    SignatureVersion: '1',
    Signature: 'EXAMPLEw6JRNwm1LFQL4ICB0bnXrdB8ClRMTQFGBqwLpGbM78tJ4etTwC5zU7O3tS6tGpey3ejedNdOJ=',
    SigningCertURL: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb72.pem',
    UnsubscribeURL: `https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:c9135db0`,
    ...fields,
  };
}

function parse(document: unknown): ParsedFeedback {
  return parseFeedbackMessage(JSON.stringify(document));
}

function notificationOf(result: ParsedFeedback): SesNotification {
  if (result.kind !== 'notification') {
    throw new Error(`expected a notification, got ${JSON.stringify(result)}`);
  }
  return result.notification;
}

const DSN_BOUNCE: SesNotification = {
  type: 'Bounce',
  origin: 'identity',
  sesMessageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
  timestamp: '2016-01-27T14:59:38.237Z',
  mailTimestamp: '2016-01-27T14:59:38.237Z',
  recipients: ['jane@example.com'],
  destination: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
  bounce: {
    type: 'Permanent',
    subType: 'General',
    feedbackId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000',
    recipients: [
      {
        emailAddress: 'jane@example.com',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 <jane@example.com>... User',
      },
    ],
  },
};

const DELIVERY: SesNotification = {
  type: 'Delivery',
  origin: 'identity',
  sesMessageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
  timestamp: '2016-01-27T14:59:38.237Z',
  mailTimestamp: '2016-01-27T14:59:38.237Z',
  recipients: ['jane@example.com'],
  destination: ['jane@example.com'],
  delivery: {
    smtpResponse: '250 ok:  Message 64111812 accepted',
    processingTimeMillis: 546,
    reportingMTA: 'a8-70.smtp-out.amazonses.com',
  },
};

const EVENT_MESSAGE_ID = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
const OPEN_USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60';

const CLICK: SesNotification = {
  type: 'Click',
  origin: 'event',
  sesMessageId: EVENT_MESSAGE_ID,
  timestamp: '2017-08-09T23:51:25.570Z',
  mailTimestamp: '2017-08-09T23:50:05.795Z',
  recipients: [],
  destination: ['recipient@example.com'],
  click: {
    link: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
    ipAddress: '192.0.2.1',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36',
    linkTags: { samplekey0: ['samplevalue0'], samplekey1: ['samplevalue1'] },
  },
};

const DELAY: SesNotification = {
  type: 'DeliveryDelay',
  origin: 'event',
  sesMessageId: EVENT_MESSAGE_ID,
  timestamp: '2020-06-16T00:25:40.095Z',
  mailTimestamp: '2020-06-16T00:15:40.641Z',
  recipients: ['recipient@example.com'],
  destination: ['recipient@example.com'],
  delay: {
    delayType: 'TransientCommunicationFailure',
    expirationTime: '2020-06-16T00:25:40.914Z',
    recipients: [
      {
        emailAddress: 'recipient@example.com',
        status: '4.4.1',
        diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
      },
    ],
  },
};

describe('parseFeedbackMessage', () => {
  describe('documented identity notifications (notificationType), raw delivery', () => {
    it('reads the bounce with a DSN, keeping each recipient DSN field', () => {
      expect(parseFeedbackMessage(fixtureText('bounce-with-dsn'))).toStrictEqual({
        kind: 'notification',
        notification: DSN_BOUNCE,
      });
    });

    it('reads the same bounce without the original headers identically', () => {
      expect(parseFeedbackMessage(fixtureText('bounce-without-headers'))).toStrictEqual({
        kind: 'notification',
        notification: DSN_BOUNCE,
      });
    });

    it('reads the bounce without a DSN: two recipients and no action, status or diagnosticCode', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('bounce-without-dsn')))).toStrictEqual(
        {
          type: 'Bounce',
          origin: 'identity',
          sesMessageId: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
          timestamp: '2016-01-27T14:59:38.237Z',
          mailTimestamp: '2016-01-27T14:59:38.237Z',
          recipients: ['jane@example.com', 'richard@example.com'],
          destination: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
          bounce: {
            type: 'Permanent',
            subType: 'General',
            feedbackId: '00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000',
            recipients: [
              { emailAddress: 'jane@example.com' },
              { emailAddress: 'richard@example.com' },
            ],
          },
        },
      );
    });

    it('reads the complaint with a feedback report', () => {
      expect(
        notificationOf(parseFeedbackMessage(fixtureText('complaint-with-feedback-report'))),
      ).toStrictEqual({
        type: 'Complaint',
        origin: 'identity',
        sesMessageId: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
        timestamp: '2016-01-27T14:59:38.237Z',
        mailTimestamp: '2016-01-27T14:59:38.237Z',
        recipients: ['richard@example.com'],
        destination: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
        complaint: {
          feedbackType: 'abuse',
          feedbackId: '000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000',
        },
      });
    });

    it('reads the complaint without a feedback report: no feedbackType', () => {
      expect(
        notificationOf(parseFeedbackMessage(fixtureText('complaint-without-feedback-report'))),
      ).toStrictEqual({
        type: 'Complaint',
        origin: 'identity',
        sesMessageId: '0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000',
        timestamp: '2016-01-27T14:59:38.237Z',
        mailTimestamp: '2016-01-27T14:59:38.237Z',
        recipients: ['richard@example.com'],
        destination: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
        complaint: {
          feedbackId: '0000013786031775-fea503bc-7497-49e1-881b-a0379bb037d3-000000',
        },
      });
    });

    it('reads the delivery, with and without the original headers', () => {
      expect(parseFeedbackMessage(fixtureText('delivery'))).toStrictEqual({
        kind: 'notification',
        notification: DELIVERY,
      });
      expect(parseFeedbackMessage(fixtureText('delivery-without-headers'))).toStrictEqual({
        kind: 'notification',
        notification: DELIVERY,
      });
    });
  });

  describe('documented event publishing records (eventType)', () => {
    it('reads a Bounce event, dated by bounce.timestamp rather than mail.timestamp', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-bounce')))).toStrictEqual({
        type: 'Bounce',
        origin: 'event',
        sesMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        timestamp: '2017-08-05T00:41:02.669Z',
        mailTimestamp: '2017-08-05T00:40:02.012Z',
        recipients: ['recipient@example.com'],
        destination: ['recipient@example.com'],
        bounce: {
          type: 'Permanent',
          subType: 'General',
          feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
          recipients: [
            {
              emailAddress: 'recipient@example.com',
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
        },
      });
    });

    it('reads a Complaint event', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-complaint')))).toStrictEqual({
        type: 'Complaint',
        origin: 'event',
        sesMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        timestamp: '2017-08-05T00:41:02.669Z',
        mailTimestamp: '2017-08-05T00:40:01.123Z',
        recipients: ['recipient@example.com'],
        destination: ['recipient@example.com'],
        complaint: {
          feedbackType: 'abuse',
          feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
        },
      });
    });

    it('reads a Delivery event, dated by delivery.timestamp', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-delivery')))).toStrictEqual({
        type: 'Delivery',
        origin: 'event',
        sesMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        timestamp: '2016-10-19T23:21:04.133Z',
        mailTimestamp: '2016-10-19T23:20:52.240Z',
        recipients: ['recipient@example.com'],
        destination: ['recipient@example.com'],
        delivery: {
          smtpResponse: '250 2.6.0 Message received',
          processingTimeMillis: 11893,
          reportingMTA: 'mta.example.com',
        },
      });
    });

    it('reads a Send event: no recipients of its own, dated by mail.timestamp', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-send')))).toStrictEqual({
        type: 'Send',
        origin: 'event',
        sesMessageId: EVENT_MESSAGE_ID,
        timestamp: '2016-10-14T05:02:16.645Z',
        mailTimestamp: '2016-10-14T05:02:16.645Z',
        recipients: [],
        destination: ['recipient@example.com'],
      });
    });

    it('reads a Reject event and its reason, keeping mail.destination as documented', () => {
      // The guide's example really lists the sender as the destination; ases must not care.
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-reject')))).toStrictEqual({
        type: 'Reject',
        origin: 'event',
        sesMessageId: EVENT_MESSAGE_ID,
        timestamp: '2016-10-14T17:38:15.211Z',
        mailTimestamp: '2016-10-14T17:38:15.211Z',
        recipients: [],
        destination: ['sender@example.com'],
        reject: { reason: 'Bad content' },
      });
    });

    it('reads an Open event, dated by open.timestamp', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-open')))).toStrictEqual({
        type: 'Open',
        origin: 'event',
        sesMessageId: EVENT_MESSAGE_ID,
        timestamp: '2017-08-09T22:00:19.652Z',
        mailTimestamp: '2017-08-09T21:59:49.927Z',
        recipients: [],
        destination: ['recipient@example.com'],
        open: { ipAddress: '192.0.2.1', userAgent: OPEN_USER_AGENT },
      });
    });

    it('reads a Click event with its link and link tags, dated by click.timestamp', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-click')))).toStrictEqual(CLICK);
    });

    it('reads a Rendering Failure event, dated by mail.timestamp', () => {
      expect(
        notificationOf(parseFeedbackMessage(fixtureText('event-rendering-failure'))),
      ).toStrictEqual({
        type: 'Rendering Failure',
        origin: 'event',
        sesMessageId: EVENT_MESSAGE_ID,
        timestamp: '2018-01-22T18:43:06.197Z',
        mailTimestamp: '2018-01-22T18:43:06.197Z',
        recipients: [],
        destination: ['recipient@example.com'],
        renderingFailure: {
          errorMessage: "Attribute 'attributeName' is not present in the rendering data.",
          templateName: 'MyTemplate',
        },
      });
    });

    it('reads a DeliveryDelay event with its delayed recipients, dated by deliveryDelay.timestamp', () => {
      expect(
        notificationOf(parseFeedbackMessage(fixtureText('event-delivery-delay'))),
      ).toStrictEqual(DELAY);
    });

    it('reads a Subscription event: the contact list and where the change came from', () => {
      expect(notificationOf(parseFeedbackMessage(fixtureText('event-subscription')))).toStrictEqual(
        {
          type: 'Subscription',
          origin: 'event',
          sesMessageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
          timestamp: '2022-01-12T01:00:17.910Z',
          mailTimestamp: '2022-01-12T01:00:14.340Z',
          recipients: [],
          destination: ['recipient@example.com'],
          subscription: { contactList: 'ContactListName', source: 'UnsubscribeHeader' },
        },
      );
    });

    it('reads the same event the same way whichever field names its type', () => {
      for (const name of ['event-bounce', 'event-open', 'event-delivery-delay', 'event-click']) {
        const document = fixture(name);
        const identity: Json = { ...document, notificationType: document.eventType };
        delete identity.eventType;
        const asEvent = notificationOf(parse(document));
        expect(notificationOf(parse(identity))).toStrictEqual({ ...asEvent, origin: 'identity' });
      }
    });
  });

  describe('types ases does not know', () => {
    it.each([
      'Received',
      'AmazonSnsSubscriptionSucceeded',
      'bounce',
      'RenderingFailure',
      'Rendering failure',
      'Delivery ',
      '',
      'SomethingSesAddsLater',
    ])('reports type %j as unsupported, whichever field names it', (type) => {
      const expected = { kind: 'unsupported', eventType: type };
      expect(parse({ eventType: type, mail: fixture('event-send').mail })).toStrictEqual(expected);
      expect(parse({ notificationType: type })).toStrictEqual(expected);
      expect(parse(envelope({ eventType: type, newField: [1] }))).toStrictEqual({
        ...expected,
        envelope: { messageId: ENVELOPE_ID, topicArn: TOPIC_ARN, timestamp: ENVELOPE_TIMESTAMP },
      });
    });

    it('reports the message SES sends when an SNS topic is first attached to an identity', () => {
      expect(parseFeedbackMessage(fixtureText('subscription-succeeded'))).toStrictEqual({
        kind: 'unsupported',
        eventType: 'AmazonSnsSubscriptionSucceeded',
      });
      expect(parse(envelope(fixtureText('subscription-succeeded')))).toStrictEqual({
        kind: 'unsupported',
        eventType: 'AmazonSnsSubscriptionSucceeded',
        envelope: { messageId: ENVELOPE_ID, topicArn: TOPIC_ARN, timestamp: ENVELOPE_TIMESTAMP },
      });
    });

    it('prefers notificationType when a body carries both type fields', () => {
      expect(parse(variant('event-send', { notificationType: 'Delivery' }))).toStrictEqual({
        kind: 'invalid',
        reason: 'delivery must be an object, got nothing',
      });
      expect(parse(variant('event-delivery', { notificationType: 'Open' }))).toStrictEqual({
        kind: 'invalid',
        reason: 'open must be an object, got nothing',
      });
      expect(parse(variant('event-open', { notificationType: 'Later' }))).toStrictEqual({
        kind: 'unsupported',
        eventType: 'Later',
      });
      expect(notificationOf(parse(variant('event-open', { notificationType: 'Open' })))).toEqual(
        expect.objectContaining({ type: 'Open', origin: 'identity' }),
      );
    });

    it('cuts a huge unknown type short', () => {
      expect(parse({ eventType: 'X'.repeat(100_000) })).toStrictEqual({
        kind: 'unsupported',
        eventType: `${'X'.repeat(80)}…`,
      });
    });
  });

  describe('SNS envelope', () => {
    it('reads the stored envelope fixture and returns its MessageId, TopicArn and Timestamp', () => {
      expect(parseFeedbackMessage(fixtureText('sns-notification-bounce'))).toStrictEqual({
        kind: 'notification',
        envelope: { messageId: ENVELOPE_ID, topicArn: TOPIC_ARN, timestamp: ENVELOPE_TIMESTAMP },
        notification: DSN_BOUNCE,
      });
    });

    it.each([
      'bounce-with-dsn',
      'bounce-without-dsn',
      'bounce-without-headers',
      'complaint-with-feedback-report',
      'complaint-without-feedback-report',
      'delivery',
      'delivery-without-headers',
      'event-bounce',
      'event-complaint',
      'event-delivery',
      'event-send',
      'event-reject',
      'event-open',
      'event-click',
      'event-rendering-failure',
      'event-delivery-delay',
      'event-subscription',
    ])('reads %s in an envelope exactly as in raw delivery', (name) => {
      const raw = notificationOf(parseFeedbackMessage(fixtureText(name)));
      expect(parse(envelope(fixtureText(name)))).toStrictEqual({
        kind: 'notification',
        envelope: { messageId: ENVELOPE_ID, topicArn: TOPIC_ARN, timestamp: ENVELOPE_TIMESTAMP },
        notification: raw,
      });
    });

    it.each([
      ['absent', REMOVE],
      ['null', null],
      ['a string', 'Amazon SES Email Event Notification'],
    ])('accepts a Subject that is %s', (_label, subject) => {
      const body = envelope(fixture('delivery'));
      if (subject === REMOVE) {
        delete body.Subject;
      } else {
        body.Subject = subject;
      }
      expect(notificationOf(parse(body))).toStrictEqual(DELIVERY);
    });

    it('returns only the MessageId when TopicArn and Timestamp are missing or not strings', () => {
      const body = envelope(fixture('delivery'), { TopicArn: 42 });
      delete body.Timestamp;
      expect(parse(body)).toStrictEqual({
        kind: 'notification',
        envelope: { messageId: ENVELOPE_ID },
        notification: DELIVERY,
      });
    });

    it.each([
      ['sns-subscription-confirmation', 'SubscriptionConfirmation'],
      ['sns-unsubscribe-confirmation', 'UnsubscribeConfirmation'],
    ])('reports the documented %s as a subscription message', (name, type) => {
      expect(parseFeedbackMessage(fixtureText(name))).toStrictEqual({
        kind: 'subscription',
        type,
        topicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
      });
    });

    it('reports a subscription message without a TopicArn', () => {
      const body = fixture('sns-subscription-confirmation');
      delete body.TopicArn;
      expect(parse(body)).toStrictEqual({ kind: 'subscription', type: 'SubscriptionConfirmation' });
    });

    it.each<[string, Json, string]>([
      [
        'an unknown Type',
        envelope(fixture('delivery'), { Type: 'Notice' }),
        'unknown SNS message Type "Notice": expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation',
      ],
      [
        'a Message that is not JSON',
        envelope('Hello world!'),
        'SNS envelope Message is not valid JSON',
      ],
      [
        'a Message that is already an object',
        envelope(fixture('delivery'), { Message: fixture('delivery') }),
        'SNS envelope Message must be a string holding the SES JSON, got an object',
      ],
      [
        'no Message',
        envelope(fixture('delivery'), { Message: undefined }),
        'SNS envelope Message must be a string holding the SES JSON, got nothing',
      ],
      [
        'a Message holding a JSON array',
        envelope('[{"notificationType":"Delivery"}]'),
        'SNS envelope Message must be a JSON object, got an array',
      ],
      [
        'a Message holding JSON null',
        envelope('null'),
        'SNS envelope Message must be a JSON object, got null',
      ],
      [
        'no MessageId',
        envelope(fixture('delivery'), { MessageId: undefined }),
        'SNS envelope MessageId must be a non-empty string, got nothing',
      ],
      [
        'a Message that is an envelope itself',
        envelope(envelope(fixture('delivery'))),
        'not an SES notification: no notificationType or eventType',
      ],
      [
        'a Message with a bad SES field',
        envelope(variant('delivery', { 'delivery.recipients': [] })),
        'delivery.recipients must be a non-empty array, got an empty array',
      ],
    ])('rejects an envelope with %s', (_label, body, reason) => {
      expect(parse(body)).toStrictEqual({ kind: 'invalid', reason });
    });
  });

  describe('unknown extra fields', () => {
    it('ignores them at every level of a bounce, raw and in an envelope', () => {
      const body = variant('bounce-with-dsn', {
        newTopLevel: { nested: [1, 2, 3] },
        'mail.newMailField': 'x',
        'mail.tags': { 'ses:configuration-set': ['ConfigSet'] },
        'bounce.newBounceField': null,
        'bounce.bouncedRecipients.0.newRecipientField': { deep: true },
      });
      expect(notificationOf(parse(body))).toStrictEqual(DSN_BOUNCE);
      const wrapped = envelope(body, { NewEnvelopeField: 'x', MessageAttributes: {} });
      expect(notificationOf(parse(wrapped))).toStrictEqual(DSN_BOUNCE);
    });

    it('ignores them in a complaint and a delivery', () => {
      const complaint = variant('complaint-without-feedback-report', {
        'complaint.newField': 1,
        'complaint.complainedRecipients.0.newField': 'x',
      });
      expect(notificationOf(parse(complaint)).complaint).toStrictEqual({
        feedbackId: '0000013786031775-fea503bc-7497-49e1-881b-a0379bb037d3-000000',
      });
      const delivery = variant('delivery', { 'delivery.newField': [], 'mail.newField': {} });
      expect(notificationOf(parse(delivery))).toStrictEqual(DELIVERY);
    });
  });

  describe('recipients', () => {
    it('lists every bounced recipient, skipping entries without an emailAddress string', () => {
      const body = variant('bounce-with-dsn', {
        'bounce.bouncedRecipients': [
          { emailAddress: 'Jane@Example.com', status: '5.1.1', action: 'failed' },
          { status: '5.0.0' },
          'mary@example.com',
          null,
          { emailAddress: 42 },
          { emailAddress: '   ' },
          { emailAddress: '  richard@example.com\n', diagnosticCode: 'smtp; 550 no such user' },
        ],
      });
      const notification = notificationOf(parse(body));
      expect(notification.recipients).toEqual(['Jane@Example.com', 'richard@example.com']);
      expect(notification.bounce?.recipients).toStrictEqual([
        { emailAddress: 'Jane@Example.com', status: '5.1.1', action: 'failed' },
        { emailAddress: 'richard@example.com', diagnosticCode: 'smtp; 550 no such user' },
      ]);
    });

    it('drops DSN fields of the wrong type but keeps the recipient', () => {
      const body = variant('bounce-with-dsn', {
        'bounce.bouncedRecipients.0.status': 511,
        'bounce.bouncedRecipients.0.action': null,
      });
      expect(notificationOf(parse(body)).bounce?.recipients).toStrictEqual([
        {
          emailAddress: 'jane@example.com',
          diagnosticCode: 'smtp; 550 5.1.1 <jane@example.com>... User',
        },
      ]);
    });

    it('lists every complained recipient', () => {
      const body = variant('event-complaint', {
        'complaint.complainedRecipients': [
          { emailAddress: 'a@example.com' },
          { emailAddress: ' B@example.com ' },
          {},
        ],
      });
      expect(notificationOf(parse(body)).recipients).toEqual(['a@example.com', 'B@example.com']);
    });

    it('lists every delivered recipient, skipping non-strings', () => {
      const body = variant('event-delivery', {
        'delivery.recipients': ['a@example.com', 7, ' b@example.com', '', null],
      });
      expect(notificationOf(parse(body)).recipients).toEqual(['a@example.com', 'b@example.com']);
    });

    it('trims mail.destination and skips non-strings in it', () => {
      const body = variant('delivery', {
        'mail.destination': [' jane@example.com ', 5, 'Mary@Example.com', ''],
      });
      expect(notificationOf(parse(body)).destination).toEqual([
        'jane@example.com',
        'Mary@Example.com',
      ]);
    });

    it.each([
      ['missing', REMOVE],
      ['not an array', 'jane@example.com'],
    ])('treats a mail.destination that is %s as empty', (_label, destination) => {
      const body = variant('delivery', { 'mail.destination': destination });
      expect(notificationOf(parse(body))).toStrictEqual({ ...DELIVERY, destination: [] });
    });
  });

  describe('optional fields', () => {
    it.each([
      ['missing', REMOVE],
      ['a number', 138111222],
    ])('omits a bounce feedbackId that is %s', (_label, feedbackId) => {
      const body = variant('bounce-with-dsn', { 'bounce.feedbackId': feedbackId });
      expect(notificationOf(parse(body)).bounce).toStrictEqual({
        type: 'Permanent',
        subType: 'General',
        recipients: DSN_BOUNCE.bounce?.recipients,
      });
    });

    it('keeps Undetermined bounces and any subtype SES sends', () => {
      const body = variant('bounce-without-dsn', {
        'bounce.bounceType': 'Undetermined',
        'bounce.bounceSubType': 'Undetermined',
      });
      expect(notificationOf(parse(body)).bounce).toMatchObject({
        type: 'Undetermined',
        subType: 'Undetermined',
      });
      const suppressed = variant('event-bounce', {
        'bounce.bounceSubType': 'OnAccountSuppressionList',
      });
      expect(notificationOf(parse(suppressed)).bounce?.subType).toBe('OnAccountSuppressionList');
    });

    it.each([
      ['null', null, {}],
      [
        'OnAccountSuppressionList',
        'OnAccountSuppressionList',
        { subType: 'OnAccountSuppressionList' },
      ],
    ])('reads complaintSubType %s', (_label, subType, expected) => {
      const body = variant('complaint-without-feedback-report', {
        'complaint.complaintSubType': subType,
        'complaint.feedbackId': REMOVE,
      });
      expect(notificationOf(parse(body)).complaint).toStrictEqual(expected);
    });

    it('gives a delivery with only recipients and a timestamp an empty delivery object', () => {
      const body = variant('delivery', {
        delivery: { timestamp: '2016-01-27T14:59:40.000Z', recipients: ['jane@example.com'] },
      });
      expect(notificationOf(parse(body))).toStrictEqual({
        ...DELIVERY,
        timestamp: '2016-01-27T14:59:40.000Z',
        delivery: {},
      });
    });

    it('drops delivery fields of the wrong type', () => {
      const body = variant('delivery', {
        'delivery.processingTimeMillis': '546',
        'delivery.smtpResponse': 250,
        'delivery.reportingMTA': ['a8-70.smtp-out.amazonses.com'],
      });
      expect(notificationOf(parse(body)).delivery).toStrictEqual({});
    });

    it('keeps a processingTimeMillis of 0', () => {
      const body = variant('delivery', { 'delivery.processingTimeMillis': 0 });
      expect(notificationOf(parse(body)).delivery?.processingTimeMillis).toBe(0);
    });
  });

  describe('event publishing variations', () => {
    it('lists every delayed recipient, with reportingMTA and unknown fields', () => {
      const body = variant('event-delivery-delay', {
        'deliveryDelay.reportingMTA': '192.0.2.12',
        'deliveryDelay.newField': { nested: true },
        'deliveryDelay.delayedRecipients': [
          {
            emailAddress: 'a@example.com',
            status: '4.2.2',
            diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
            newField: 1,
          },
          { status: '4.4.1' },
          { emailAddress: ' B@Example.com ', status: 442 },
        ],
      });
      expect(notificationOf(parse(body))).toStrictEqual({
        ...DELAY,
        recipients: ['a@example.com', 'B@Example.com'],
        delay: {
          delayType: 'TransientCommunicationFailure',
          expirationTime: '2020-06-16T00:25:40.914Z',
          reportingMTA: '192.0.2.12',
          recipients: [
            {
              emailAddress: 'a@example.com',
              status: '4.2.2',
              diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
            },
            { emailAddress: 'B@Example.com' },
          ],
        },
      });
    });

    it.each([
      ['missing', REMOVE],
      ['not a date', 'in four hours'],
      ['a date without a zone', '2020-06-16T00:25:40'],
    ])('omits a delay expirationTime that is %s', (_label, expirationTime) => {
      const body = variant('event-delivery-delay', {
        'deliveryDelay.expirationTime': expirationTime,
      });
      expect(notificationOf(parse(body)).delay).toStrictEqual({
        delayType: 'TransientCommunicationFailure',
        recipients: DELAY.delay?.recipients,
      });
    });

    it('dates a delay without a timestamp by mail.timestamp', () => {
      const body = variant('event-delivery-delay', { 'deliveryDelay.timestamp': REMOVE });
      expect(notificationOf(parse(body)).timestamp).toBe('2020-06-16T00:15:40.641Z');
    });

    it('reads an open with no ipAddress, userAgent or timestamp', () => {
      const body = variant('event-open', { open: {} });
      expect(notificationOf(parse(body))).toEqual(
        expect.objectContaining({ timestamp: '2017-08-09T21:59:49.927Z', open: {} }),
      );
    });

    it('reads a click with only its link', () => {
      const body = variant('event-click', { click: { link: 'https://example.com/a' } });
      expect(notificationOf(parse(body))).toStrictEqual({
        ...CLICK,
        timestamp: CLICK.mailTimestamp,
        click: { link: 'https://example.com/a' },
      });
    });

    it('keeps only string values of click.linkTags and never lets a tag set a prototype', () => {
      const body = variant('event-click', {
        'click.linkTags': JSON.parse(
          '{"a":["x",1,null],"b":"y","c":[],"d":{"e":["f"]},"__proto__":["p"]}',
        ) as unknown,
        'click.newField': 'x',
      });
      const tags = notificationOf(parse(body)).click?.linkTags as Record<string, string[]>;
      expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
      expect(Object.entries(tags)).toEqual([
        ['a', ['x']],
        ['c', []],
        ['__proto__', ['p']],
      ]);
    });

    it.each([
      ['missing', REMOVE],
      ['a list', [['samplekey0', 'samplevalue0']]],
    ])('omits click.linkTags that are %s', (_label, linkTags) => {
      const body = variant('event-click', { 'click.linkTags': linkTags });
      expect(notificationOf(parse(body)).click).toStrictEqual({
        link: CLICK.click?.link,
        ipAddress: CLICK.click?.ipAddress,
        userAgent: CLICK.click?.userAgent,
      });
    });

    it('reads a rendering failure without a template name', () => {
      const body = variant('event-rendering-failure', { 'failure.templateName': REMOVE });
      expect(notificationOf(parse(body)).renderingFailure).toStrictEqual({
        errorMessage: "Attribute 'attributeName' is not present in the rendering data.",
      });
    });

    it('reads a subscription change without a contact list or source', () => {
      const body = variant('event-subscription', {
        subscription: { timestamp: '2022-01-12T01:00:17.910Z', newField: [] },
      });
      expect(notificationOf(parse(body))).toEqual(
        expect.objectContaining({ timestamp: '2022-01-12T01:00:17.910Z', subscription: {} }),
      );
    });

    it('tolerates unknown fields in the send and reject objects', () => {
      const send = variant('event-send', { send: { newField: 1 }, newTopLevel: 'x' });
      expect(notificationOf(parse(send)).type).toBe('Send');
      const reject = variant('event-reject', { 'reject.newField': true });
      expect(notificationOf(parse(reject)).reject).toStrictEqual({ reason: 'Bad content' });
    });

    it('omits mailTimestamp when mail.timestamp is not an ISO 8601 date-time', () => {
      const body = variant('event-open', { 'mail.timestamp': '2017-08-09T21:59:49' });
      const notification = notificationOf(parse(body));
      expect(notification.timestamp).toBe('2017-08-09T22:00:19.652Z');
      expect('mailTimestamp' in notification).toBe(false);
    });
  });

  describe('timestamp', () => {
    it.each([
      ['missing', REMOVE],
      ['null', null],
      ['not a date', 'yesterday'],
      ['a date without a zone', '2016-01-27T14:59:40'],
      ['a number', 1453906780000],
    ])('falls back to mail.timestamp when the event timestamp is %s', (_label, timestamp) => {
      const body = variant('event-bounce', { 'bounce.timestamp': timestamp });
      expect(notificationOf(parse(body)).timestamp).toBe('2017-08-05T00:40:02.012Z');
    });

    it('returns the timestamp as SES wrote it, offset included', () => {
      const body = variant('event-delivery', {
        'delivery.timestamp': '2016-10-19T18:21:04.133-05:00',
      });
      expect(notificationOf(parse(body)).timestamp).toBe('2016-10-19T18:21:04.133-05:00');
    });

    it('rejects a notification where neither timestamp is an ISO 8601 date-time', () => {
      const body = variant('complaint-with-feedback-report', {
        'complaint.timestamp': REMOVE,
        // The form of the mail object example in the SES guide, which Date.parse cannot read.
        'mail.timestamp': '2018-10-08T14:05:45 +0000',
      });
      expect(parse(body)).toStrictEqual({
        kind: 'invalid',
        reason:
          'complaint.timestamp and mail.timestamp must hold an ISO 8601 date-time with a zone; neither does',
      });
    });

    it('rejects an impossible date that looks like ISO 8601', () => {
      const body = variant('delivery', {
        'delivery.timestamp': '2016-13-45T25:61:00Z',
        'mail.timestamp': REMOVE,
      });
      expect(parse(body)).toMatchObject({ kind: 'invalid' });
    });
  });

  describe('garbage', () => {
    it.each<[string, string, string]>([
      ['text that is not JSON', 'Hello world!', 'body is not valid JSON'],
      ['an empty body', '', 'body is not valid JSON'],
      ['truncated JSON', fixtureText('delivery').slice(0, 200), 'body is not valid JSON'],
      ['a JSON array', '[]', 'body must be a JSON object, got an empty array'],
      [
        'a JSON array of notifications',
        `[${fixtureText('delivery')}]`,
        'body must be a JSON object, got an array',
      ],
      ['JSON null', 'null', 'body must be a JSON object, got null'],
      ['a JSON number', '42', 'body must be a JSON object, got number 42'],
      ['a JSON string', '"Bounce"', 'body must be a JSON object, got the string "Bounce"'],
      ['a JSON boolean', 'true', 'body must be a JSON object, got boolean true'],
      ['an empty object', '{}', 'not an SES notification: no notificationType or eventType'],
      [
        'an object with a non-string Type',
        '{"Type":1,"Message":"{}"}',
        'not an SES notification: no notificationType or eventType',
      ],
      [
        'a non-string notificationType',
        '{"notificationType":["Bounce"]}',
        'notificationType must be a string, got an array',
      ],
      ['a null eventType', '{"eventType":null}', 'eventType must be a string, got null'],
    ])('rejects %s', (_label, body, reason) => {
      expect(parseFeedbackMessage(body)).toStrictEqual({ kind: 'invalid', reason });
    });

    it('rejects a body that is not a string at all', () => {
      const bodies: unknown[] = [undefined, null, 42, {}, Buffer.from('{}')];
      for (const body of bodies) {
        expect(parseFeedbackMessage(body as string)).toMatchObject({
          kind: 'invalid',
          reason: expect.stringMatching(/^body must be a string, got /),
        });
      }
    });

    it('rejects a huge non-JSON body with a short reason', () => {
      expect(parseFeedbackMessage('x'.repeat(5_000_000))).toStrictEqual({
        kind: 'invalid',
        reason: 'body is not valid JSON',
      });
    });

    it('rejects deeply nested JSON without overflowing the stack', () => {
      const depth = 100_000;
      expect(parseFeedbackMessage('['.repeat(depth) + ']'.repeat(depth))).toStrictEqual({
        kind: 'invalid',
        reason: 'body must be a JSON object, got an array',
      });
      const deepMail = `{"notificationType":"Bounce","mail":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      expect(parseFeedbackMessage(deepMail)).toStrictEqual({
        kind: 'invalid',
        reason: 'mail.messageId must be a non-empty string, got nothing',
      });
    });

    it('describes a wrong value briefly, cutting huge strings short', () => {
      const body = variant('delivery', { 'mail.messageId': 7, 'delivery.recipients': 'x' });
      expect(parse(body)).toStrictEqual({
        kind: 'invalid',
        reason: 'mail.messageId must be a non-empty string, got number 7',
      });
      const huge = variant('delivery', { 'delivery.recipients': 'y'.repeat(1_000_000) });
      const result = parse(huge);
      expect(result).toStrictEqual({
        kind: 'invalid',
        reason: `delivery.recipients must be a non-empty array, got the string "${'y'.repeat(80)}…"`,
      });
    });

    it.each<[string, string, Record<string, unknown>, string]>([
      ['no mail', 'delivery', { mail: REMOVE }, 'mail must be an object, got nothing'],
      ['a mail array', 'delivery', { mail: [] }, 'mail must be an object, got an empty array'],
      [
        'no mail.messageId',
        'bounce-with-dsn',
        { 'mail.messageId': REMOVE },
        'mail.messageId must be a non-empty string, got nothing',
      ],
      [
        'a blank mail.messageId',
        'event-complaint',
        { 'mail.messageId': '  ' },
        'mail.messageId must be a non-empty string, got an empty string',
      ],
      [
        'no bounce object',
        'bounce-with-dsn',
        { bounce: REMOVE },
        'bounce must be an object, got nothing',
      ],
      [
        'a bounce string',
        'event-bounce',
        { bounce: 'Permanent' },
        'bounce must be an object, got the string "Permanent"',
      ],
      [
        'no bounceType',
        'bounce-with-dsn',
        { 'bounce.bounceType': REMOVE },
        'bounce.bounceType must be a non-empty string, got nothing',
      ],
      [
        'a numeric bounceSubType',
        'bounce-with-dsn',
        { 'bounce.bounceSubType': 1 },
        'bounce.bounceSubType must be a non-empty string, got number 1',
      ],
      [
        'empty bouncedRecipients',
        'bounce-with-dsn',
        { 'bounce.bouncedRecipients': [] },
        'bounce.bouncedRecipients must be a non-empty array, got an empty array',
      ],
      [
        'bouncedRecipients as an object',
        'bounce-with-dsn',
        { 'bounce.bouncedRecipients': { emailAddress: 'jane@example.com' } },
        'bounce.bouncedRecipients must be a non-empty array, got an object',
      ],
      [
        'bouncedRecipients without any address',
        'bounce-without-dsn',
        { 'bounce.bouncedRecipients': [{ status: '5.1.1' }, 'jane@example.com'] },
        'bounce.bouncedRecipients has no entry with an emailAddress string',
      ],
      [
        'no complaint object',
        'complaint-with-feedback-report',
        { complaint: REMOVE },
        'complaint must be an object, got nothing',
      ],
      [
        'no complainedRecipients',
        'complaint-with-feedback-report',
        { 'complaint.complainedRecipients': REMOVE },
        'complaint.complainedRecipients must be a non-empty array, got nothing',
      ],
      [
        'complainedRecipients without any address',
        'event-complaint',
        { 'complaint.complainedRecipients': [{ emailAddress: null }] },
        'complaint.complainedRecipients has no entry with an emailAddress string',
      ],
      [
        'no delivery object',
        'delivery',
        { delivery: REMOVE },
        'delivery must be an object, got nothing',
      ],
      [
        'delivery.recipients as a string',
        'event-delivery',
        { 'delivery.recipients': 'recipient@example.com' },
        'delivery.recipients must be a non-empty array, got the string "recipient@example.com"',
      ],
      [
        'delivery.recipients without any string',
        'delivery',
        { 'delivery.recipients': [1, { emailAddress: 'jane@example.com' }] },
        'delivery.recipients has no email address string',
      ],
      ['no send object', 'event-send', { send: REMOVE }, 'send must be an object, got nothing'],
      ['a send array', 'event-send', { send: [] }, 'send must be an object, got an empty array'],
      [
        'a Send without any usable timestamp',
        'event-send',
        { 'mail.timestamp': '2016-10-14 05:02:16' },
        'send.timestamp and mail.timestamp must hold an ISO 8601 date-time with a zone; neither does',
      ],
      [
        'no reject object',
        'event-reject',
        { reject: REMOVE },
        'reject must be an object, got nothing',
      ],
      [
        'no reject.reason',
        'event-reject',
        { 'reject.reason': REMOVE },
        'reject.reason must be a non-empty string, got nothing',
      ],
      [
        'no failure object',
        'event-rendering-failure',
        { failure: REMOVE },
        'failure must be an object, got nothing',
      ],
      [
        'a numeric failure.errorMessage',
        'event-rendering-failure',
        { 'failure.errorMessage': 3 },
        'failure.errorMessage must be a non-empty string, got number 3',
      ],
      [
        'no deliveryDelay object',
        'event-delivery-delay',
        { deliveryDelay: REMOVE },
        'deliveryDelay must be an object, got nothing',
      ],
      [
        'no deliveryDelay.delayType',
        'event-delivery-delay',
        { 'deliveryDelay.delayType': REMOVE },
        'deliveryDelay.delayType must be a non-empty string, got nothing',
      ],
      [
        'no delayedRecipients',
        'event-delivery-delay',
        { 'deliveryDelay.delayedRecipients': REMOVE },
        'deliveryDelay.delayedRecipients must be a non-empty array, got nothing',
      ],
      [
        'empty delayedRecipients',
        'event-delivery-delay',
        { 'deliveryDelay.delayedRecipients': [] },
        'deliveryDelay.delayedRecipients must be a non-empty array, got an empty array',
      ],
      [
        'delayedRecipients without any address',
        'event-delivery-delay',
        { 'deliveryDelay.delayedRecipients': [{ status: '4.4.1' }, 'recipient@example.com'] },
        'deliveryDelay.delayedRecipients has no entry with an emailAddress string',
      ],
      ['no open object', 'event-open', { open: REMOVE }, 'open must be an object, got nothing'],
      ['an open string', 'event-open', { open: 'x' }, 'open must be an object, got the string "x"'],
      ['no click object', 'event-click', { click: REMOVE }, 'click must be an object, got nothing'],
      [
        'no click.link',
        'event-click',
        { 'click.link': REMOVE },
        'click.link must be a non-empty string, got nothing',
      ],
      [
        'a blank click.link',
        'event-click',
        { 'click.link': ' ' },
        'click.link must be a non-empty string, got an empty string',
      ],
      [
        'no mail in a Click',
        'event-click',
        { mail: REMOVE },
        'mail must be an object, got nothing',
      ],
      [
        'no subscription object',
        'event-subscription',
        { subscription: REMOVE },
        'subscription must be an object, got nothing',
      ],
    ])('rejects a notification with %s', (_label, name, changes, reason) => {
      const body = variant(name, changes);
      expect(parse(body)).toStrictEqual({ kind: 'invalid', reason });
      expect(parse(envelope(body))).toStrictEqual({ kind: 'invalid', reason });
    });

    it('never throws when any field of any fixture is replaced by a value of another type', () => {
      const replacements: unknown[] = [null, 0, -1.5, true, '', ' x ', [], [null], {}, { a: 1 }];
      const names = readdirSync(FIXTURES)
        .filter((file) => file.endsWith('.json'))
        .map((file) => file.replace(/\.json$/, ''));
      expect(names.length).toBeGreaterThanOrEqual(15);
      let parsed = 0;
      for (const name of names) {
        for (const path of pathsOf(fixture(name))) {
          for (const value of [REMOVE, ...replacements]) {
            const body = variant(name, { [path]: value });
            for (const result of [parse(body), parse(envelope(body))]) {
              expectWellFormed(result);
              parsed += 1;
            }
          }
        }
      }
      expect(parsed).toBeGreaterThan(5_000);
    });
  });
});

/** Every dotted path in a JSON document, containers included, but not inside the header copies. */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (
    typeof value !== 'object' ||
    value === null ||
    /^mail\.(headers|commonHeaders|tags)$/.test(prefix)
  ) {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...pathsOf(child, path)];
  });
}

/** The object each type carries its details in; Send carries none. */
const DETAIL_FIELD: Record<SesEventType, keyof SesNotification | undefined> = {
  Send: undefined,
  Reject: 'reject',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Delivery: 'delivery',
  Open: 'open',
  Click: 'click',
  'Rendering Failure': 'renderingFailure',
  DeliveryDelay: 'delay',
  Subscription: 'subscription',
};

/** The types whose record lists the recipients it is about. */
const PER_RECIPIENT: SesEventType[] = ['Bounce', 'Complaint', 'Delivery', 'DeliveryDelay'];

/** What every consumer relies on, whatever the input was. */
function expectWellFormed(result: ParsedFeedback): void {
  switch (result.kind) {
    case 'notification': {
      const { notification } = result;
      expect(Object.keys(DETAIL_FIELD)).toContain(notification.type);
      expect(['identity', 'event']).toContain(notification.origin);
      expect(notification.sesMessageId).toMatch(/^\S(.*\S)?$/);
      if (PER_RECIPIENT.includes(notification.type)) {
        expect(notification.recipients.length).toBeGreaterThan(0);
      } else {
        expect(notification.recipients).toEqual([]);
      }
      for (const address of [...notification.recipients, ...notification.destination]) {
        expect(address).toMatch(/^\S(.*\S)?$/);
      }
      expect(Number.isNaN(Date.parse(notification.timestamp))).toBe(false);
      if (notification.mailTimestamp !== undefined) {
        expect(Number.isNaN(Date.parse(notification.mailTimestamp))).toBe(false);
      }
      for (const [type, field] of Object.entries(DETAIL_FIELD)) {
        if (field !== undefined) {
          const expectation = expect(notification[field]);
          if (type === notification.type) {
            expectation.toBeDefined();
          } else {
            expectation.toBeUndefined();
          }
        }
      }
      if (notification.click !== undefined) {
        expect(notification.click.link).toMatch(/^\S(.*\S)?$/);
      }
      break;
    }
    case 'subscription':
      expect(['SubscriptionConfirmation', 'UnsubscribeConfirmation']).toContain(result.type);
      break;
    case 'unsupported':
      expect(typeof result.eventType).toBe('string');
      expect(result.eventType.length).toBeLessThanOrEqual(81);
      break;
    case 'invalid':
      expect(result.reason.length).toBeGreaterThan(0);
      expect(result.reason.length).toBeLessThan(250);
      expect(result.reason).not.toMatch(/^unexpected parser error/);
      break;
  }
}
