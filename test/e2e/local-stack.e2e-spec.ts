import { randomBytes } from 'node:crypto';
import {
  GetIdentityNotificationAttributesCommand,
  SendEmailCommand,
  SendRawEmailCommand,
  SetIdentityNotificationTopicCommand,
} from '@aws-sdk/client-ses';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  localAwsClients,
  localStackDefaults,
  provisionIsolatedFeedback,
  receiveMatching,
  type IsolatedFeedback,
  type LocalAwsClients,
} from '../helpers/local-aws';

const SIM = 'simulator.amazonses.com';

interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
}

/** The parts of an SES notification these tests look at (the SNS `Message`). */
interface Notification {
  notificationType: 'Bounce' | 'Complaint' | 'Delivery';
  mail: {
    messageId: string;
    source: string;
    sourceArn: string;
    destination: string[];
    timestamp: string;
    headers: Array<{ name: string; value: string }>;
    commonHeaders: { subject?: string; from?: string[]; to?: string[] };
  };
  bounce?: {
    bounceType: string;
    bounceSubType: string;
    bouncedRecipients: Array<{
      emailAddress: string;
      action: string;
      status: string;
      diagnosticCode: string;
    }>;
    feedbackId: string;
    timestamp: string;
  };
  complaint?: {
    complainedRecipients: Array<{ emailAddress: string }>;
    complaintFeedbackType: string;
    complaintSubType: null;
    feedbackId: string;
    timestamp: string;
  };
  delivery?: {
    recipients: string[];
    smtpResponse: string;
    processingTimeMillis: number;
    timestamp: string;
  };
}

function rawMail(from: string, to: string[], subject: string): Uint8Array {
  const domain = from.slice(from.indexOf('@') + 1);
  return Buffer.from(
    [
      `From: "Newsletter" <${from}>`,
      `To: ${to.join(', ')}`,
      `Subject: ${subject}`,
      `Message-ID: <${randomBytes(8).toString('hex')}@${domain}>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'Hello from the local stack e2e test.',
      '',
    ].join('\r\n'),
  );
}

/** Receives `count` SNS envelopes about `messageId` from a queue and parses them. */
async function envelopesFor(
  clients: LocalAwsClients,
  queueUrl: string,
  messageId: string,
  count = 1,
): Promise<Array<{ envelope: SnsEnvelope; notification: Notification }>> {
  const bodies = await receiveMatching(clients.sqs, queueUrl, (body) => body.includes(messageId), {
    count,
  });
  return bodies.map((body) => {
    const envelope = JSON.parse(body) as SnsEnvelope;
    return { envelope, notification: JSON.parse(envelope.Message) as Notification };
  });
}

describe('local AWS stack (SES + mailbox simulator + SNS + SQS)', () => {
  let clients: LocalAwsClients;
  let feedback: IsolatedFeedback;
  let sender: string;

  const sendRaw = async (to: string[], from = sender, subject = 'Local stack'): Promise<string> => {
    const { MessageId } = await clients.ses.send(
      new SendRawEmailCommand({ RawMessage: { Data: rawMail(from, to, subject) } }),
    );
    expect(MessageId).toEqual(expect.any(String));
    return MessageId!;
  };

  beforeAll(async () => {
    clients = localAwsClients();
    feedback = await provisionIsolatedFeedback('local-stack');
    sender = `news@${feedback.identityDomain}`;
  });

  afterAll(() => {
    clients.destroy();
  });

  it('keeps the notification topics set for an identity, and clears them', async () => {
    const attributes = await clients.ses.send(
      new GetIdentityNotificationAttributesCommand({ Identities: [feedback.identityDomain] }),
    );
    expect(attributes.NotificationAttributes?.[feedback.identityDomain]).toMatchObject({
      BounceTopic: feedback.topicArns.bounces,
      ComplaintTopic: feedback.topicArns.complaints,
      DeliveryTopic: feedback.topicArns.deliveries,
      ForwardingEnabled: true,
    });

    const other = `other-${feedback.identityDomain}`;
    await clients.ses.send(
      new SetIdentityNotificationTopicCommand({
        Identity: other,
        NotificationType: 'Bounce',
        SnsTopic: feedback.topicArns.bounces,
      }),
    );
    await clients.ses.send(
      new SetIdentityNotificationTopicCommand({ Identity: other, NotificationType: 'Bounce' }),
    );
    const cleared = await clients.ses.send(
      new GetIdentityNotificationAttributesCommand({ Identities: [other] }),
    );
    expect(cleared.NotificationAttributes?.[other]).toBeDefined();
    expect(cleared.NotificationAttributes?.[other].BounceTopic).toBeUndefined();

    await expect(
      clients.ses.send(
        new SetIdentityNotificationTopicCommand({
          Identity: other,
          NotificationType: 'Open' as 'Bounce',
          SnsTopic: feedback.topicArns.bounces,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('publishes a Delivery for success@ to the identity delivery topic, in the SNS envelope', async () => {
    const to = `success@${SIM}`;
    const messageId = await sendRaw([to]);

    const [{ envelope, notification }] = await envelopesFor(
      clients,
      feedback.queueUrls.deliveries,
      messageId,
    );
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(feedback.topicArns.deliveries);
    expect(notification.notificationType).toBe('Delivery');
    expect(notification.mail).toMatchObject({
      messageId,
      source: sender,
      destination: [to],
      commonHeaders: { subject: 'Local stack', to: [to] },
    });
    expect(notification.mail.sourceArn).toMatch(
      new RegExp(`:identity/${feedback.identityDomain}$`),
    );
    expect(notification.mail.headers).toContainEqual({ name: 'To', value: to });
    expect(notification.delivery).toMatchObject({ recipients: [to] });
    expect(notification.delivery?.smtpResponse).toMatch(/^250 /);
    expect(notification.delivery?.processingTimeMillis).toBeGreaterThanOrEqual(0);
    expect(Date.parse(notification.delivery!.timestamp)).toBeGreaterThanOrEqual(
      Date.parse(notification.mail.timestamp),
    );
  });

  it('publishes a permanent General Bounce with status 5.1.1 for bounce@', async () => {
    const to = `bounce@${SIM}`;
    const messageId = await sendRaw([to]);

    const [{ envelope, notification }] = await envelopesFor(
      clients,
      feedback.queueUrls.bounces,
      messageId,
    );
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(feedback.topicArns.bounces);
    expect(notification).toMatchObject({
      notificationType: 'Bounce',
      mail: { messageId, source: sender, destination: [to] },
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: to, action: 'failed', status: '5.1.1' }],
      },
    });
    expect(notification.bounce?.bouncedRecipients[0].diagnosticCode).toMatch(/^smtp; 550 5\.1\.1/);
    expect(notification.bounce?.feedbackId).toMatch(/-000000$/);
  });

  it('publishes a Delivery and then an abuse Complaint for complaint@', async () => {
    const to = `complaint@${SIM}`;
    const messageId = await sendRaw([to]);

    const [delivered] = await envelopesFor(clients, feedback.queueUrls.deliveries, messageId);
    const [complained] = await envelopesFor(clients, feedback.queueUrls.complaints, messageId);
    expect(delivered.envelope.TopicArn).toBe(feedback.topicArns.deliveries);
    expect(delivered.notification.delivery?.recipients).toEqual([to]);
    expect(complained.envelope.TopicArn).toBe(feedback.topicArns.complaints);
    expect(complained.notification).toMatchObject({
      notificationType: 'Complaint',
      mail: { messageId },
      complaint: {
        complainedRecipients: [{ emailAddress: to }],
        complaintFeedbackType: 'abuse',
        complaintSubType: null,
      },
    });
    expect(Date.parse(complained.envelope.Timestamp)).toBeGreaterThan(
      Date.parse(delivered.envelope.Timestamp),
    );
    expect(Date.parse(complained.notification.complaint!.timestamp)).toBeGreaterThan(
      Date.parse(delivered.notification.delivery!.timestamp),
    );
  });

  it('publishes an OnAccountSuppressionList Bounce for suppressionlist@', async () => {
    const to = `suppressionlist@${SIM}`;
    const messageId = await sendRaw([to]);

    const [{ envelope, notification }] = await envelopesFor(
      clients,
      feedback.queueUrls.bounces,
      messageId,
    );
    expect(envelope.TopicArn).toBe(feedback.topicArns.bounces);
    expect(notification.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'OnAccountSuppressionList',
      bouncedRecipients: [{ emailAddress: to, action: 'failed' }],
    });
    expect(notification.bounce?.bouncedRecipients[0].diagnosticCode).toMatch(/suppression list/);
  });

  it('groups recipients with the same outcome, honouring +labels and letter case', async () => {
    const delivered = [`success+a@${SIM}`, `ooto@${SIM}`, 'someone@example.com'];
    const bounced = `Bounce+Label@Simulator.AmazonSES.com`;
    const suppressed = `suppressionlist+x@${SIM}`;
    const messageId = await sendRaw([...delivered, bounced, suppressed]);

    const [delivery] = await envelopesFor(clients, feedback.queueUrls.deliveries, messageId);
    expect(delivery.notification.delivery?.recipients).toEqual(delivered);
    expect(delivery.notification.mail.destination).toEqual([...delivered, bounced, suppressed]);

    const bounces = await envelopesFor(clients, feedback.queueUrls.bounces, messageId, 2);
    const bySubType = Object.fromEntries(
      bounces.map(({ notification }) => [
        notification.bounce?.bounceSubType,
        notification.bounce?.bouncedRecipients.map((r) => r.emailAddress),
      ]),
    );
    expect(bySubType).toEqual({ General: [bounced], OnAccountSuppressionList: [suppressed] });
  });

  it('reports every recipient of a v1 SendEmail, from its parameters', async () => {
    const to = [`success@${SIM}`, `ooto+1@${SIM}`];
    const { MessageId } = await clients.ses.send(
      new SendEmailCommand({
        Source: sender,
        Destination: { ToAddresses: to },
        Message: { Subject: { Data: 'Plain send' }, Body: { Text: { Data: 'Hello' } } },
      }),
    );

    const [{ notification }] = await envelopesFor(
      clients,
      feedback.queueUrls.deliveries,
      MessageId!,
    );
    expect(notification.mail).toMatchObject({
      source: sender,
      destination: to,
      commonHeaders: { subject: 'Plain send' },
    });
    expect(notification.delivery?.recipients).toEqual(to);
  });

  it('delivers the bare SES JSON through a raw-delivery subscription', async () => {
    const raw = await provisionIsolatedFeedback('local-stack-raw', { rawDelivery: true });
    const messageId = await sendRaw([`success@${SIM}`], `news@${raw.identityDomain}`);

    const [body] = await receiveMatching(clients.sqs, raw.queueUrls.deliveries, (b) =>
      b.includes(messageId),
    );
    const notification = JSON.parse(body) as Notification & { Type?: string };
    expect(notification.Type).toBeUndefined();
    expect(notification.notificationType).toBe('Delivery');
    expect(notification.mail.messageId).toBe(messageId);
  });

  it('prefers an address identity over its domain, kind by kind', async () => {
    const raw = await provisionIsolatedFeedback('local-stack-vip', { rawDelivery: true });
    const vip = `vip@${feedback.identityDomain}`;
    await clients.ses.send(
      new SetIdentityNotificationTopicCommand({
        Identity: vip,
        NotificationType: 'Delivery',
        SnsTopic: raw.topicArns.deliveries,
      }),
    );
    const messageId = await sendRaw([`success@${SIM}`, `bounce@${SIM}`], vip);

    const [delivery] = await receiveMatching(clients.sqs, raw.queueUrls.deliveries, (b) =>
      b.includes(messageId),
    );
    expect((JSON.parse(delivery) as Notification).mail.sourceArn).toMatch(
      new RegExp(`:identity/${vip}$`),
    );
    // The address has no Bounce topic of its own: its domain's applies.
    const [bounce] = await envelopesFor(clients, feedback.queueUrls.bounces, messageId);
    expect(bounce.envelope.TopicArn).toBe(feedback.topicArns.bounces);
  });

  it('sends notifications of identities without topics to the default topics', async () => {
    const defaults = localStackDefaults();
    // A queue of our own on the default topics, so that suites reading the default queues
    // lose nothing to this test.
    const queueName = `local-stack-defaults-${randomBytes(3).toString('hex')}`;
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    for (const topicArn of [defaults.topicArns.deliveries, defaults.topicArns.bounces]) {
      await clients.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: Attributes!.QueueArn,
        }),
      );
    }
    const from = `news@unconfigured-${randomBytes(3).toString('hex')}.ases.test`;
    const messageId = await sendRaw([`success@${SIM}`, `bounce@${SIM}`], from);

    const received = await envelopesFor(clients, QueueUrl!, messageId, 2);
    const topicByType = Object.fromEntries(
      received.map(({ envelope, notification }) => [
        notification.notificationType,
        envelope.TopicArn,
      ]),
    );
    expect(topicByType).toEqual({
      Delivery: defaults.topicArns.deliveries,
      Bounce: defaults.topicArns.bounces,
    });
  });

  it('serves the mail viewer, /store and the health check through the SES endpoint', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_SES!;
    const messageId = await sendRaw([`success@${SIM}`], sender, 'Seen in the store');

    const viewer = await fetch(`${endpoint}/`);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await viewer.text()).toMatch(/<html/i);

    const store = await fetch(`${endpoint}/store`);
    expect(store.status).toBe(200);
    const { emails } = (await store.json()) as {
      emails: Array<{ messageId: string; subject: string; from: string }>;
    };
    expect(emails).toContainEqual(
      expect.objectContaining({ messageId, subject: 'Seen in the store' }),
    );

    expect((await fetch(`${endpoint}/health-check`)).status).toBe(200);
    // The backend's own answers pass through unchanged: an unsigned request for an unknown path.
    const unknown = await fetch(`${endpoint}/no-such-page`);
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unknown.json()).toMatchObject({ message: 'Missing Authentication Token' });
  });
});
