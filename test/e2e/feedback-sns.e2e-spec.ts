import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { SNS_HTTPS_CLIENT } from '../../src/feedback/sns-https.client';
import { LocalAwsClients, localAwsClients } from '../helpers/local-aws';
import {
  Mail,
  bounceNotification,
  deliveryNotification,
  sesEvent,
  snsEnvelope,
} from '../helpers/ses-notifications';
import {
  FakeSnsHttpsClient,
  TEST_TOPIC_ARN,
  fakeSnsHttpsClient,
  signedSnsMessage,
} from '../helpers/sns-signer';
import { API_KEY, TestApp, recordPushed, startTestApp, waitFor } from '../helpers/test-app';

type Json = Record<string, any>;

describe('POST /v1/feedback/sns: SNS over HTTPS, with real signatures', () => {
  let aws: LocalAwsClients;
  let t: TestApp;
  let client: FakeSnsHttpsClient;

  beforeAll(async () => {
    aws = localAwsClients();
    client = fakeSnsHttpsClient();
    t = await startTestApp(
      'feedback-sns',
      { sns: { topicArns: [TEST_TOPIC_ARN] } },
      { configure: (builder) => builder.overrideProvider(SNS_HTTPS_CLIENT).useValue(client) },
    );
  });

  afterAll(async () => {
    await t.close();
    aws.destroy();
  });

  const pushed = (to: string, tags?: Record<string, string>) => recordPushed(t, to, tags);

  /** Posts a body the way SNS does: JSON text as `text/plain`. */
  const post = (body: unknown) =>
    t
      .http()
      .post('/v1/feedback/sns')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', String((body as Json).Type))
      .send(JSON.stringify(body));

  async function stats(): Promise<Json> {
    const response = await t.http().get('/v1/feedback/stats').auth(API_KEY, { type: 'bearer' });
    expect(response.status).toBe(200);
    return response.body.sources['sns-https'] as Json;
  }

  it.each([1, 2] as const)(
    'applies a notification signed with SignatureVersion %s, without an API key',
    async (version) => {
      const mail = await pushed(`v${version}@example.org`);
      const response = await post(
        signedSnsMessage(
          { Message: deliveryNotification(mail), Subject: 'Amazon SES Email Event' },
          { version },
        ),
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ok: true, outcome: 'applied' });
      expect((await t.status(mail.id)).body.status).toBe('DELIVERED');
    },
  );

  it('takes a JSON content type too, and counts events by type', async () => {
    const mail = await pushed('json@example.org');
    const before = await stats();
    const response = await t
      .http()
      .post('/v1/feedback/sns')
      .send(signedSnsMessage({ Message: bounceNotification(mail) }));
    expect(response.status).toBe(200);
    expect((await t.status(mail.id)).body.status).toBe('BOUNCED');
    const after = await stats();
    expect(after.events.Bounce).toBe((before.events.Bounce ?? 0) + 1);
    expect(after.applied).toBe(before.applied + 1);
    expect(after.lastEventAt).not.toBeNull();
  });

  it('refuses with 403 and counts: tampered fields, foreign certificate URLs, other topics', async () => {
    const mail = await pushed('forged@example.org');
    const good = signedSnsMessage({ Message: deliveryNotification(mail) });
    const before = await stats();

    const tampered = { ...good, Message: bounceNotification(mail) };
    const badCertUrls = [
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem',
      'https://s3.amazonaws.com/SimpleNotificationService-abc.pem',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
    ].map((certUrl) => signedSnsMessage({ Message: deliveryNotification(mail) }, { certUrl }));
    const otherTopic = signedSnsMessage({
      Message: deliveryNotification(mail),
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:someone-elses',
    });

    for (const body of [tampered, ...badCertUrls]) {
      const response = await post(body);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    }
    const topic = await post(otherTopic);
    expect(topic.status).toBe(403);
    expect(topic.body.message).toMatch(/topic/i);
    for (const url of badCertUrls.map((body) => body.SigningCertURL)) {
      expect(client.requests).not.toContain(url);
    }

    const after = await stats();
    expect(after.signatureFailures).toBe(before.signatureFailures + 4);
    expect(after.forbiddenTopics).toBe(before.forbiddenTopics + 1);
    expect((await t.status(mail.id)).body.status).toBe('PUSHED');
  });

  it('answers 400 naming the problem for a body that is not an SNS message', async () => {
    const notJson = await t
      .http()
      .post('/v1/feedback/sns')
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/JSON/),
    });
    const missing = await post({ Type: 'Notification', TopicArn: TEST_TOPIC_ARN });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/MessageId/);
  });

  it('confirms a subscription of an allowed topic by visiting its SubscribeURL', async () => {
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TEST_TOPIC_ARN)}&Token=${randomUUID()}`;
    const response = await post(
      signedSnsMessage({
        Type: 'SubscriptionConfirmation',
        SubscribeURL: subscribeUrl,
        Token: 'token',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('subscription-confirmed');
    expect(client.requests).toContain(subscribeUrl);
  });

  it('applies an event once whether it came over HTTPS or through a queue', async () => {
    const mail = await pushed('both-ways@example.org');
    const open = sesEvent('Open', mail, 'open', {
      ipAddress: '192.0.2.7',
      timestamp: new Date().toISOString(),
      userAgent: 'Mail',
    });
    const signed = signedSnsMessage({ Message: open });
    expect((await post(signed)).body.outcome).toBe('applied');
    expect((await post(signed)).body.outcome).toBe('duplicate');
    // The same publication also delivered to an SQS subscription.
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.feedback.queueUrls.deliveries,
        MessageBody: snsEnvelope(open, signed.MessageId, TEST_TOPIC_ARN),
      }),
    );
    const response = await t.http().get('/v1/feedback/stats').auth(API_KEY, { type: 'bearer' });
    const before = response.body.sources.deliveries.duplicates as number;
    await waitFor(
      async () => {
        const now = await t.http().get('/v1/feedback/stats').auth(API_KEY, { type: 'bearer' });
        return now.body.sources.deliveries.duplicates as number;
      },
      (duplicates) => duplicates === before + 1,
      { what: 'the queued copy to be dropped as a duplicate' },
    );
    expect((await t.status(mail.id)).body.opens.count).toBe(1);
  });

  it('asks SNS to retry (503) an event for a just-sent message not recorded yet, and drops an old one', async () => {
    const unknown: Mail = {
      sesMessageId: `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`,
      source: t.sender(),
      destination: ['nobody@example.org'],
    };
    const retry = await post(signedSnsMessage({ Message: deliveryNotification(unknown) }));
    expect(retry.status).toBe(503);
    expect(retry.body.code).toBe('RETRY_LATER');
    const old = { ...unknown, sentAt: new Date(Date.now() - 3_600_000).toISOString() };
    const dropped = await post(signedSnsMessage({ Message: deliveryNotification(old) }));
    expect(dropped.status).toBe(200);
    expect(dropped.body.outcome).toBe('unknown-message');
  });
});

describe('POST /v1/feedback/sns with the defaults', () => {
  let t: TestApp;
  let client: FakeSnsHttpsClient;

  beforeAll(async () => {
    client = fakeSnsHttpsClient();
    t = await startTestApp(
      'feedback-sns-off',
      { sns: { topicArns: [TEST_TOPIC_ARN], confirmSubscriptions: false } },
      { configure: (builder) => builder.overrideProvider(SNS_HTTPS_CLIENT).useValue(client) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  it('does not visit SubscribeURL when confirming is switched off', async () => {
    const body = signedSnsMessage({
      Type: 'SubscriptionConfirmation',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t',
      Token: 't',
    });
    const response = await t.http().post('/v1/feedback/sns').send(body);
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('subscription-not-confirmed');
    expect(client.requests).not.toContain(body.SubscribeURL);
  });

  it('refuses every topic when no topic is allowed', async () => {
    const closed = await startTestApp(
      'feedback-sns-closed',
      {},
      {
        configure: (builder) => builder.overrideProvider(SNS_HTTPS_CLIENT).useValue(client),
      },
    );
    try {
      const response = await closed.http().post('/v1/feedback/sns').send(signedSnsMessage({}));
      expect(response.status).toBe(403);
      expect(response.body.message).toMatch(/SNS_TOPIC_ARNS/);
    } finally {
      await closed.close();
    }
  });
});
