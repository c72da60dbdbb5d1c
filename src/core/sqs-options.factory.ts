import type { Message } from '@aws-sdk/client-sqs';
import type { SqsConsumerOptions, SqsOptions } from '@ssut/nestjs-sqs/dist/sqs.types';
import type { ResolvedAsesOptions } from './ases-options';
import { QueueDirectory } from './queue-directory';
import { QueueRole, SQS_CONSUMER } from './queue-roles';
import { receiveCount, retryDelaySeconds } from './redelivery';

/** Seconds a received sendmail message stays hidden while it waits its turn and is sent. */
export const SENDMAIL_VISIBILITY_SECONDS = 60;
/** Seconds a received feedback message stays hidden while it is applied. */
export const FEEDBACK_VISIBILITY_SECONDS = 30;

function consumer(
  role: QueueRole,
  directory: QueueDirectory,
  options: ResolvedAsesOptions,
  settings: Pick<SqsConsumerOptions, 'batchSize' | 'visibilityTimeout'> & {
    retryCapSeconds: number;
  },
): SqsConsumerOptions {
  return {
    name: SQS_CONSUMER[role],
    queueUrl: directory.urls[role] ?? '',
    sqs: directory.client,
    batchSize: settings.batchSize,
    visibilityTimeout: settings.visibilityTimeout,
    waitTimeSeconds: options.pollWaitSeconds,
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    // A handler that throws asks for a retry: hide the message for a growing delay, not the full
    // visibility timeout, and not zero (which would spin on a failing dependency).
    terminateVisibilityTimeout: (messages: Message[]) =>
      retryDelaySeconds(receiveCount(messages[0] ?? {}), settings.retryCapSeconds),
    // No abort at shutdown: ConsumerDrain lets the pending poll return and its messages finish.
    stopOptions: { abort: false },
  };
}

/** The @ssut/nestjs-sqs options: one consumer per queue, one producer for the sendmail queue. */
export function buildSqsOptions(
  directory: QueueDirectory,
  options: ResolvedAsesOptions,
): SqsOptions {
  // A batch should not wait much longer than a second for its turn under the rate.
  const sendmailBatch = Math.min(10, Math.max(1, Math.ceil(options.sendRate)));
  return {
    consumers: directory.roles.map((role) =>
      role === 'sendmail'
        ? consumer(role, directory, options, {
            batchSize: sendmailBatch,
            visibilityTimeout: SENDMAIL_VISIBILITY_SECONDS,
            retryCapSeconds: 300,
          })
        : consumer(role, directory, options, {
            batchSize: 10,
            visibilityTimeout: FEEDBACK_VISIBILITY_SECONDS,
            retryCapSeconds: 60,
          }),
    ),
    producers: [
      {
        name: SQS_CONSUMER.sendmail,
        queueUrl: directory.urls.sendmail ?? '',
        sqs: directory.client,
      },
    ],
  };
}
