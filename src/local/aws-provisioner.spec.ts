import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  defaultTopicNames,
  JOB_CONTENT_LIFECYCLE_RULE,
  provisionJobBucket,
  provisionSesFeedback,
  topicToQueuePolicy,
} from './aws-provisioner';

const queues = {
  sendmail: 'app-sendmail',
  bounces: 'app-bounces',
  complaints: 'app-complaints',
  deliveries: 'app-deliveries',
};

/** A fake SDK client that answers by command name and records what it was sent. */
function fakeClient(answer: (name: string, input: Record<string, unknown>) => unknown) {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    send: jest.fn((command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push({ name, input: command.input });
      // An answer that throws rejects, as the SDK does with a service error.
      return new Promise((resolve) => resolve(answer(name, command.input)));
    }),
  };
  return { client, calls };
}

function fakes() {
  const sqs = fakeClient((name, input) => {
    if (name === 'CreateQueue') {
      return { QueueUrl: `https://sqs.local/1/${String(input.QueueName)}` };
    }
    if (name === 'GetQueueAttributes') {
      const queueName = String(input.QueueUrl).split('/').pop();
      return { Attributes: { QueueArn: `arn:aws:sqs:r:1:${queueName}` } };
    }
    return {};
  });
  const sns = fakeClient((name, input) =>
    name === 'CreateTopic' ? { TopicArn: `arn:aws:sns:r:1:${String(input.Name)}` } : {},
  );
  const ses = fakeClient(() => ({}));
  return {
    sqs,
    sns,
    ses,
    clients: {
      sqs: sqs.client as unknown as SQSClient,
      sns: sns.client as unknown as SNSClient,
      ses: ses.client as unknown as SESClient,
    },
  };
}

describe('defaultTopicNames', () => {
  it('names each topic after its queue', () => {
    expect(defaultTopicNames(queues)).toEqual({
      bounces: 'app-bounces-topic',
      complaints: 'app-complaints-topic',
      deliveries: 'app-deliveries-topic',
    });
  });
});

describe('topicToQueuePolicy', () => {
  it('lets only that topic send to that queue', () => {
    expect(JSON.parse(topicToQueuePolicy('arn:q', 'arn:t'))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowSesFeedbackTopic',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: 'arn:q',
          Condition: { ArnEquals: { 'aws:SourceArn': 'arn:t' } },
        },
      ],
    });
  });
});

describe('provisionSesFeedback', () => {
  it('creates the queues and topics, subscribes each topic to its queue, and sets the identity', async () => {
    const { sqs, sns, ses, clients } = fakes();
    const result = await provisionSesFeedback({
      ...clients,
      queues,
      identity: 'example.com',
      rawDelivery: true,
    });

    expect(result).toEqual({
      queueUrls: {
        sendmail: 'https://sqs.local/1/app-sendmail',
        bounces: 'https://sqs.local/1/app-bounces',
        complaints: 'https://sqs.local/1/app-complaints',
        deliveries: 'https://sqs.local/1/app-deliveries',
      },
      topicArns: {
        bounces: 'arn:aws:sns:r:1:app-bounces-topic',
        complaints: 'arn:aws:sns:r:1:app-complaints-topic',
        deliveries: 'arn:aws:sns:r:1:app-deliveries-topic',
      },
    });
    expect(
      sqs.calls
        .filter((c) => c.name === 'CreateQueue')
        .map((c) => c.input.QueueName)
        .sort(),
    ).toEqual(['app-bounces', 'app-complaints', 'app-deliveries', 'app-sendmail']);
    expect(sns.calls.filter((c) => c.name === 'Subscribe').map((c) => c.input)).toEqual(
      ['bounces', 'complaints', 'deliveries'].map((kind) => ({
        TopicArn: `arn:aws:sns:r:1:app-${kind}-topic`,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:r:1:app-${kind}`,
        Attributes: { RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      })),
    );
    const policies = sqs.calls.filter((c) => c.name === 'SetQueueAttributes');
    expect(policies).toHaveLength(3);
    expect(ses.calls.map((c) => c.input)).toEqual([
      {
        Identity: 'example.com',
        NotificationType: 'Bounce',
        SnsTopic: 'arn:aws:sns:r:1:app-bounces-topic',
      },
      {
        Identity: 'example.com',
        NotificationType: 'Complaint',
        SnsTopic: 'arn:aws:sns:r:1:app-complaints-topic',
      },
      {
        Identity: 'example.com',
        NotificationType: 'Delivery',
        SnsTopic: 'arn:aws:sns:r:1:app-deliveries-topic',
      },
    ]);
  });

  it('uses given topic names, subscribes with the envelope, and leaves SES alone without identity', async () => {
    const { sqs, sns, ses, clients } = fakes();
    const result = await provisionSesFeedback({
      ...clients,
      queues,
      topics: { bounces: 'tb', complaints: 'tc', deliveries: 'td' },
      queuePolicy: false,
    });

    expect(result.topicArns).toEqual({
      bounces: 'arn:aws:sns:r:1:tb',
      complaints: 'arn:aws:sns:r:1:tc',
      deliveries: 'arn:aws:sns:r:1:td',
    });
    expect(sns.calls.filter((c) => c.name === 'Subscribe')[0].input.Attributes).toBeUndefined();
    expect(sqs.calls.some((c) => c.name === 'SetQueueAttributes')).toBe(false);
    expect(ses.calls).toEqual([]);
  });

  it('fails naming the queue when SQS returns no QueueArn', async () => {
    const { clients } = fakes();
    const sqs = fakeClient((name) => (name === 'CreateQueue' ? { QueueUrl: 'u' } : {}));
    await expect(
      provisionSesFeedback({ ...clients, sqs: sqs.client as unknown as SQSClient, queues }),
    ).rejects.toThrow(
      /GetQueueAttributes of app-(bounces|complaints|deliveries) returned no QueueArn/,
    );
  });
});

describe('provisionJobBucket', () => {
  const named = (name: string): Error => Object.assign(new Error(name), { name });

  it('creates the bucket and expires ases/jobs/ after 35 days', async () => {
    const s3 = fakeClient(() => ({}));
    const result = await provisionJobBucket({
      s3: s3.client as unknown as S3Client,
      bucket: 'ases-local',
    });

    expect(result).toEqual({ bucket: 'ases-local', lifecycleRule: true });
    expect(s3.calls).toEqual([
      { name: 'CreateBucket', input: { Bucket: 'ases-local' } },
      {
        name: 'PutBucketLifecycleConfiguration',
        input: {
          Bucket: 'ases-local',
          LifecycleConfiguration: { Rules: [JOB_CONTENT_LIFECYCLE_RULE] },
        },
      },
    ]);
    expect(JOB_CONTENT_LIFECYCLE_RULE).toEqual({
      ID: 'ases-expire-job-contents',
      Status: 'Enabled',
      Filter: { Prefix: 'ases/jobs/' },
      Expiration: { Days: 35 },
    });
  });

  it('names the region outside us-east-1, and takes a bucket it already owns', async () => {
    const s3 = fakeClient((name) => {
      if (name === 'CreateBucket') {
        throw named('BucketAlreadyOwnedByYou');
      }
      return {};
    });
    const result = await provisionJobBucket({
      s3: s3.client as unknown as S3Client,
      bucket: 'mail-jobs',
      region: 'eu-west-1',
    });

    expect(result.lifecycleRule).toBe(true);
    expect(s3.calls[0].input).toEqual({
      Bucket: 'mail-jobs',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
  });

  it('carries on without the rule where S3 does not support it', async () => {
    const s3 = fakeClient((name) => {
      if (name === 'PutBucketLifecycleConfiguration') {
        throw named('NotImplemented');
      }
      return {};
    });
    await expect(
      provisionJobBucket({ s3: s3.client as unknown as S3Client, bucket: 'ases-local' }),
    ).resolves.toEqual({ bucket: 'ases-local', lifecycleRule: false });
  });

  it('fails when the bucket cannot be created', async () => {
    const s3 = fakeClient(() => {
      throw named('BucketAlreadyExists');
    });
    await expect(
      provisionJobBucket({ s3: s3.client as unknown as S3Client, bucket: 'taken' }),
    ).rejects.toThrow('BucketAlreadyExists');
  });
});
