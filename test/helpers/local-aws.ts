import { randomBytes } from 'node:crypto';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  provisionSesFeedback,
  type SesFeedbackQueues,
  type SesFeedbackTopics,
} from '../../src/local/aws-provisioner';

/** Environment variable in which the global setup passes the stack's default resources. */
export const LOCAL_STACK_ENV = 'ASES_LOCAL_STACK';

/** SDK clients for the local AWS stack. */
export interface LocalAwsClients {
  sqs: SQSClient;
  sns: SNSClient;
  ses: SESClient;
  /** Closes the three clients' connections. */
  destroy(): void;
}

/** A set of queues and topics of one test suite, and the sender domain routed to them. */
export interface IsolatedFeedback {
  /** Send from any address at this domain to get this set's notifications. */
  identityDomain: string;
  queues: SesFeedbackQueues;
  queueUrls: SesFeedbackQueues;
  topicArns: SesFeedbackTopics;
}

/** The queues and topics the global setup provisioned (the stack's defaults). */
export interface LocalStackDefaults {
  queueUrls: SesFeedbackQueues;
  topicArns: SesFeedbackTopics;
}

/**
 * SQS, SNS and SES clients for the stack the e2e global setup started, from the standard
 * `AWS_ENDPOINT_URL_*` / `AWS_REGION` / credential variables it set.
 */
export function localAwsClients(): LocalAwsClients {
  const endpoint = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run this through the Jest "e2e" project, whose global setup starts the local AWS stack`,
      );
    }
    return value;
  };
  const region = process.env.AWS_REGION || 'us-east-1';
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local',
  };
  const sqs = new SQSClient({
    region,
    credentials,
    endpoint: endpoint('AWS_ENDPOINT_URL_SQS'),
    // Otherwise the SDK sends to the QueueUrl host (sqs.<region>.localhost), which does not resolve.
    useQueueUrlAsEndpoint: false,
  });
  const sns = new SNSClient({ region, credentials, endpoint: endpoint('AWS_ENDPOINT_URL_SNS') });
  const ses = new SESClient({ region, credentials, endpoint: endpoint('AWS_ENDPOINT_URL_SES') });
  return {
    sqs,
    sns,
    ses,
    destroy: () => {
      sqs.destroy();
      sns.destroy();
      ses.destroy();
    },
  };
}

/** The default queue URLs and topic ARNs of the running stack. */
export function localStackDefaults(): LocalStackDefaults {
  const json = process.env[LOCAL_STACK_ENV];
  if (!json) {
    throw new Error(`${LOCAL_STACK_ENV} is not set: the e2e global setup did not run`);
  }
  return JSON.parse(json) as LocalStackDefaults;
}

/**
 * Creates a fresh set of the four queues and three topics, named after `prefix` plus a random
 * suffix, and a sender domain `<name>.ases.test` whose notifications go to that set. Suites that
 * each send from their own domain share one stack without seeing each other's feedback.
 */
export async function provisionIsolatedFeedback(
  prefix: string,
  opts: { rawDelivery?: boolean } = {},
): Promise<IsolatedFeedback> {
  const slug = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const name = `${slug || 'suite'}-${randomBytes(3).toString('hex')}`;
  const queues: SesFeedbackQueues = {
    sendmail: `${name}-sendmail`,
    bounces: `${name}-bounces`,
    complaints: `${name}-complaints`,
    deliveries: `${name}-deliveries`,
  };
  const identityDomain = `${name}.ases.test`;
  const clients = localAwsClients();
  try {
    const { queueUrls, topicArns } = await provisionSesFeedback({
      ...clients,
      queues,
      identity: identityDomain,
      rawDelivery: opts.rawDelivery,
    });
    return { identityDomain, queues, queueUrls, topicArns };
  } finally {
    clients.destroy();
  }
}

/**
 * Receives from a queue until `count` messages whose body satisfies `match` have arrived, deletes
 * those and returns their bodies in arrival order. Other messages become visible again a second
 * later, for other readers.
 * Throws when `timeoutMs` (default 10 s) passes first.
 */
export async function receiveMatching(
  sqs: SQSClient,
  queueUrl: string,
  match: (body: string) => boolean,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const count = options.count ?? 1;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const found: string[] = [];
  while (found.length < count) {
    if (Date.now() >= deadline) {
      throw new Error(
        `expected ${count} matching message(s) on ${queueUrl} before the deadline, got ${found.length}`,
      );
    }
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const mine = Messages.filter((message) => match(message.Body ?? ''));
    const others = Messages.filter((message) => !mine.includes(message));
    found.push(...mine.map((message) => message.Body ?? ''));
    await Promise.all([deleteAll(sqs, queueUrl, mine), releaseAll(sqs, queueUrl, others)]);
  }
  return found;
}

async function deleteAll(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  if (messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

async function releaseAll(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  if (messages.length > 0) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle,
          // Not 0: they would come straight back and turn this loop into a busy wait.
          VisibilityTimeout: 1,
        })),
      }),
    );
  }
}
