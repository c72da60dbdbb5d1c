import { SetIdentityNotificationTopicCommand, type SESClient } from '@aws-sdk/client-ses';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** One value per queue ases uses: outgoing mail, and SES bounce / complaint / delivery feedback. */
export interface SesFeedbackQueues<T = string> {
  sendmail: T;
  bounces: T;
  complaints: T;
  deliveries: T;
}

/** One value per SES feedback kind (the three SNS topics). */
export interface SesFeedbackTopics<T = string> {
  bounces: T;
  complaints: T;
  deliveries: T;
}

/** Options of {@link provisionSesFeedback}. */
export interface ProvisionSesFeedbackOptions {
  sqs: SQSClient;
  sns: SNSClient;
  ses: SESClient;
  /** Queue names. */
  queues: SesFeedbackQueues;
  /** Topic names. Default: `<queue name>-topic` for each feedback queue. */
  topics?: SesFeedbackTopics;
  /** SES identity (address or domain) whose notifications go to the topics. Default: none set. */
  identity?: string;
  /** Subscribe with SNS raw message delivery (bare SES JSON in SQS). Default false (envelope). */
  rawDelivery?: boolean;
  /** Give each feedback queue a policy letting its topic send to it (needed on AWS). Default true. */
  queuePolicy?: boolean;
}

/** What {@link provisionSesFeedback} created or found. */
export interface ProvisionedSesFeedback {
  queueUrls: SesFeedbackQueues;
  topicArns: SesFeedbackTopics;
}

const FEEDBACK_KINDS = ['bounces', 'complaints', 'deliveries'] as const;

const NOTIFICATION_TYPE: Record<keyof SesFeedbackTopics, 'Bounce' | 'Complaint' | 'Delivery'> = {
  bounces: 'Bounce',
  complaints: 'Complaint',
  deliveries: 'Delivery',
};

/** The default topic names: `<queue name>-topic`. */
export function defaultTopicNames(queues: SesFeedbackQueues): SesFeedbackTopics {
  return {
    bounces: `${queues.bounces}-topic`,
    complaints: `${queues.complaints}-topic`,
    deliveries: `${queues.deliveries}-topic`,
  };
}

/** The SQS queue policy that lets one SNS topic deliver to the queue. */
export function topicToQueuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowSesFeedbackTopic',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

/**
 * Sets up SES feedback through the AWS SDK, so it works against AWS and the local stack alike:
 * the four queues, one SNS topic per feedback kind subscribed to its queue, and, for `identity`,
 * SES identity notifications to those topics. Safe to run again with the same arguments.
 */
export async function provisionSesFeedback(
  options: ProvisionSesFeedbackOptions,
): Promise<ProvisionedSesFeedback> {
  const { sqs, sns, ses, queues } = options;
  const topicNames = options.topics ?? defaultTopicNames(queues);

  const createQueue = async (name: string): Promise<string> => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (!QueueUrl) {
      throw new Error(`CreateQueue ${name} returned no QueueUrl`);
    }
    return QueueUrl;
  };
  const [sendmail, bounces, complaints, deliveries] = await Promise.all(
    [queues.sendmail, queues.bounces, queues.complaints, queues.deliveries].map(createQueue),
  );
  const queueUrls: SesFeedbackQueues = { sendmail, bounces, complaints, deliveries };

  const subscribe = async (kind: (typeof FEEDBACK_KINDS)[number]): Promise<string> => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicNames[kind] }));
    if (!TopicArn) {
      throw new Error(`CreateTopic ${topicNames[kind]} returned no TopicArn`);
    }
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrls[kind], AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn;
    if (!queueArn) {
      throw new Error(`GetQueueAttributes of ${queues[kind]} returned no QueueArn`);
    }
    if (options.queuePolicy ?? true) {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrls[kind],
          Attributes: { Policy: topicToQueuePolicy(queueArn, TopicArn) },
        }),
      );
    }
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: options.rawDelivery ? { RawMessageDelivery: 'true' } : undefined,
        ReturnSubscriptionArn: true,
      }),
    );
    return TopicArn;
  };
  const [bouncesTopic, complaintsTopic, deliveriesTopic] = await Promise.all(
    FEEDBACK_KINDS.map(subscribe),
  );
  const topicArns: SesFeedbackTopics = {
    bounces: bouncesTopic,
    complaints: complaintsTopic,
    deliveries: deliveriesTopic,
  };

  if (options.identity) {
    // One at a time: SES throttles its control-plane calls at low rates.
    for (const kind of FEEDBACK_KINDS) {
      await ses.send(
        new SetIdentityNotificationTopicCommand({
          Identity: options.identity,
          NotificationType: NOTIFICATION_TYPE[kind],
          SnsTopic: topicArns[kind],
        }),
      );
    }
  }
  return { queueUrls, topicArns };
}
