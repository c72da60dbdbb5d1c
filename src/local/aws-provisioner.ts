import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SetIdentityNotificationTopicCommand, type SESClient } from '@aws-sdk/client-ses';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { JOB_CONTENT_PREFIX } from '../mailer/job-content.store';

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

/**
 * Days a claim-check object is kept: the longest schedule (`sendAt`, 30 days ahead) plus time for
 * the send's retries; the sender deletes each object itself once its message is done with, so
 * this only collects what a crash or a dropped job left behind.
 */
export const JOB_CONTENT_EXPIRATION_DAYS = 35;

/** The bucket lifecycle rule that expires forgotten claim-check objects (docs/aws-setup.md). */
export const JOB_CONTENT_LIFECYCLE_RULE: LifecycleRule = {
  ID: 'ases-expire-job-contents',
  Status: 'Enabled',
  Filter: { Prefix: JOB_CONTENT_PREFIX },
  Expiration: { Days: JOB_CONTENT_EXPIRATION_DAYS },
};

/** Options of {@link provisionJobBucket}. */
export interface ProvisionJobBucketOptions {
  s3: S3Client;
  bucket: string;
  /** Region to create the bucket in; outside us-east-1 S3 wants it named. Default us-east-1. */
  region?: string;
}

/** What {@link provisionJobBucket} did. */
export interface ProvisionedJobBucket {
  bucket: string;
  /** Whether the lifecycle rule is set; false where the S3 at hand does not support it. */
  lifecycleRule: boolean;
}

/**
 * Creates the claim-check bucket (if it is not there yet) and puts its lifecycle rule, which
 * replaces the bucket's whole lifecycle configuration: on a bucket of your own with other rules,
 * add {@link JOB_CONTENT_LIFECYCLE_RULE} to them instead. Safe to run again.
 */
export async function provisionJobBucket(
  options: ProvisionJobBucketOptions,
): Promise<ProvisionedJobBucket> {
  const { s3, bucket } = options;
  const region = options.region ?? 'us-east-1';
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration:
          region === 'us-east-1'
            ? undefined
            : { LocationConstraint: region as BucketLocationConstraint },
      }),
    );
  } catch (error) {
    // Outside us-east-1, S3 answers a second CreateBucket of one's own bucket with this.
    if ((error as { name?: unknown }).name !== 'BucketAlreadyOwnedByYou') {
      throw error;
    }
  }
  try {
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [JOB_CONTENT_LIFECYCLE_RULE] },
      }),
    );
    return { bucket, lifecycleRule: true };
  } catch {
    // Emulators often lack bucket configuration; locally nothing lives 35 days anyway.
    return { bucket, lifecycleRule: false };
  }
}
