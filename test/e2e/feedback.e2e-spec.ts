import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { randomUUID } from 'node:crypto';
import { FeedbackOutcome, FeedbackService } from '../../src/feedback/feedback.service';
import { StatusService } from '../../src/status/status.service';
import { LocalAwsClients, localAwsClients } from '../helpers/local-aws';
import {
  bounceNotification,
  complaintNotification,
  deliveryNotification,
} from '../helpers/ses-notifications';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

/** Records what every notification applied turned out as (calls through to the real service). */
function recordOutcomes(t: TestApp): Map<string, FeedbackOutcome[]> {
  const outcomes = new Map<string, FeedbackOutcome[]>();
  const service = t.app.get(FeedbackService);
  const apply = service.apply.bind(service);
  jest.spyOn(service, 'apply').mockImplementation(async (feedback) => {
    const outcome = await apply(feedback);
    const { sesMessageId } = feedback.notification;
    outcomes.set(sesMessageId, [...(outcomes.get(sesMessageId) ?? []), outcome]);
    return outcome;
  });
  return outcomes;
}

async function queueIsEmpty(aws: LocalAwsClients, queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return (
    Attributes.ApproximateNumberOfMessages === '0' &&
    Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
    Attributes.ApproximateNumberOfMessagesDelayed === '0'
  );
}

/** The feedback stats of one source, from `GET /v1/feedback/stats`. */
async function statsOf(t: TestApp, source: string): Promise<Record<string, any>> {
  const response = await t.http().get('/v1/feedback/stats').auth(API_KEY, { type: 'bearer' });
  expect(response.status).toBe(200);
  return response.body.sources[source] as Record<string, any>;
}

describe('SES feedback through SNS and SQS', () => {
  let aws: LocalAwsClients;
  let t: TestApp;
  let outcomes: Map<string, FeedbackOutcome[]>;

  beforeAll(async () => {
    aws = localAwsClients();
    t = await startTestApp('feedback', { maxFeedbackAttempts: 3 });
    outcomes = recordOutcomes(t);
  });

  afterAll(async () => {
    await t.close();
    aws.destroy();
  });

  const publish = (topicArn: string, message: string) =>
    aws.sns.send(new PublishCommand({ TopicArn: topicArn, Message: message }));

  /** Sends a message through the API to `to` and waits until SES feedback made it `status`. */
  async function sent(to: string, status: string): Promise<Record<string, any>> {
    const response = await t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({ from: t.sender(), to, subject: 'feedback', text: 'hello' });
    expect(response.status).toBe(202);
    return waitForStatus(t, response.body.id, status);
  }

  it('applies a notification that arrives before PUSHED once PUSHED is written', async () => {
    const repository = t.app.get(StatusService);
    const id = `race-${randomUUID()}`;
    const sesMessageId = `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
    const to = 'jane@example.org';
    await publish(
      t.feedback.topicArns.bounces,
      bounceNotification({ sesMessageId, source: t.sender(), destination: [to] }),
    );
    // SES's notification wins the race: it is seen while no message has this SES id.
    await waitFor(
      () => outcomes.get(sesMessageId) ?? [],
      (seen) => seen.includes('unknown-message'),
      { what: 'the early notification to be tried' },
    );
    await repository.create({
      id,
      from: t.sender(),
      to,
      subject: 'race',
      queuedAt: new Date().toISOString(),
      fingerprint: 'x',
    });
    await repository.markPushed(id, sesMessageId, new Date().toISOString());
    const record = await waitForStatus(t, id, 'BOUNCED');
    expect(record.bounce).toMatchObject({ type: 'Permanent', subType: 'General', status: '5.1.1' });
    expect(outcomes.get(sesMessageId)?.at(-1)).toBe('applied');
  });

  it('drops poison messages and still applies the good one behind them', async () => {
    const record = await sent('poison-check@example.org', 'DELIVERED');
    const poisonBefore = (await statsOf(t, 'bounces')).poison as number;
    const queueUrl = t.feedback.queueUrls.bounces;
    for (const body of ['not json at all', '{"Type":"Notification","Message":"{oops"}', '[]']) {
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    // The good one in raw form (SNS raw message delivery), straight into the queue.
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: bounceNotification({
          sesMessageId: record.sesMessageId,
          source: t.sender(),
          destination: [record.to],
        }),
      }),
    );
    const bounced = await waitForStatus(t, record.id, 'BOUNCED');
    expect(bounced.deliveredAt).toBe(record.deliveredAt);
    await waitFor(() => queueIsEmpty(aws, queueUrl), Boolean, {
      what: 'the bounces queue to drain',
    });
    expect((await statsOf(t, 'bounces')).poison - poisonBefore).toBe(3);
  });

  it('never moves a status back: a late delivery leaves a bounce, a complaint follows it', async () => {
    const record = await sent('bounce@simulator.amazonses.com', 'BOUNCED');
    const mail = {
      sesMessageId: record.sesMessageId,
      source: t.sender(),
      destination: [record.to],
    };
    const before = outcomes.get(record.sesMessageId)?.length ?? 0;
    await publish(t.feedback.topicArns.deliveries, deliveryNotification(mail));
    await publish(t.feedback.topicArns.bounces, bounceNotification(mail));
    await waitFor(
      () => (outcomes.get(record.sesMessageId) ?? []).slice(before),
      (seen) => seen.length === 2,
      { what: 'the late delivery and the repeated bounce to be applied' },
    );
    expect(outcomes.get(record.sesMessageId)?.slice(before)).toEqual(['unchanged', 'unchanged']);
    const unchanged = await t.status(record.id);
    // The late delivery is in the timeline; nothing else moved.
    const { events: eventsAfter, ...after } = unchanged.body;
    const { events: eventsBefore, ...recordWithoutEvents } = record;
    expect(after).toEqual(recordWithoutEvents);
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(
      eventsAfter.slice(eventsBefore.length).map((event: { type: string }) => event.type),
    ).toEqual(['delivery', 'bounce']);

    // Every feedback queue takes every type: a complaint through the deliveries topic applies.
    await publish(t.feedback.topicArns.deliveries, complaintNotification(mail));
    const complained = await waitForStatus(t, record.id, 'COMPLAINED');
    expect(complained).toMatchObject({
      bounce: record.bounce,
      complaint: { feedbackType: 'abuse' },
    });
  });

  it('does not give a message the status of another recipient', async () => {
    const record = await sent('mine@example.org', 'DELIVERED');
    await publish(
      t.feedback.topicArns.bounces,
      bounceNotification(
        { sesMessageId: record.sesMessageId, source: t.sender(), destination: [record.to] },
        ['someone-else@example.org'],
      ),
    );
    await waitFor(
      () => outcomes.get(record.sesMessageId) ?? [],
      (seen) => seen.includes('other-recipient'),
      { what: 'the foreign bounce to be seen' },
    );
    expect((await t.status(record.id)).body.status).toBe('DELIVERED');
  });

  it('drops a notification for an SES id it never learns, after maxFeedbackAttempts tries', async () => {
    const before = (await statsOf(t, 'complaints')).unknownMessage as number;
    const sesMessageId = `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
    await publish(
      t.feedback.topicArns.complaints,
      complaintNotification({ sesMessageId, source: t.sender(), destination: ['x@example.org'] }),
    );
    await waitFor(
      async () => (await statsOf(t, 'complaints')).unknownMessage as number,
      (dropped) => dropped === before + 1,
      { what: 'the unknown notification to be dropped' },
    );
    expect(outcomes.get(sesMessageId)).toEqual([
      'unknown-message',
      'unknown-message',
      'unknown-message',
    ]);
    await waitFor(() => queueIsEmpty(aws, t.feedback.queueUrls.complaints), Boolean, {
      what: 'the complaints queue to drain',
    });
  });

  it('logs SNS subscription confirmations that land in a queue and leaves statuses alone', async () => {
    const before = await statsOf(t, 'deliveries');
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.feedback.queueUrls.deliveries,
        MessageBody: JSON.stringify({
          Type: 'SubscriptionConfirmation',
          MessageId: randomUUID(),
          Token: 'token',
          TopicArn: t.feedback.topicArns.deliveries,
          Message: 'You have chosen to subscribe to the topic.',
          SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
        }),
      }),
    );
    await waitFor(() => queueIsEmpty(aws, t.feedback.queueUrls.deliveries), Boolean, {
      what: 'the confirmation to be consumed',
    });
    const after = await statsOf(t, 'deliveries');
    expect(after).toMatchObject({
      subscriptions: before.subscriptions + 1,
      poison: before.poison,
      unknownMessage: before.unknownMessage,
    });
  });
});

describe('SES feedback with SNS raw message delivery', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('feedback-raw', {}, { rawDelivery: true });
  });

  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['bounce@simulator.amazonses.com', 'BOUNCED'],
    ['complaint@simulator.amazonses.com', 'COMPLAINED'],
    ['success@simulator.amazonses.com', 'DELIVERED'],
  ])('applies %s without the SNS envelope', async (to, status) => {
    const response = await t
      .http()
      .post('/v1/messages')
      .auth(API_KEY, { type: 'bearer' })
      .send({ from: t.sender(), to, subject: 'raw', html: '<p>raw</p>' });
    await waitForStatus(t, response.body.id, status);
  });
});
