import type { Message } from '@aws-sdk/client-sqs';
import type { SqsConsumerOptions, SqsOptions } from '@ssut/nestjs-sqs/dist/sqs.types';
import type { ResolvedAsesOptions } from './ases-options';
import { QueueDirectory } from './queue-directory';
import { QueueRole, SQS_CONSUMER } from './queue-roles';
import { receiveCount, retryDelaySeconds } from './redelivery';

/** Seconds a received feedback message stays hidden while it is applied. */
export const FEEDBACK_VISIBILITY_SECONDS = 30;
/** Longest delay before a failed feedback message is handed out again. */
const FEEDBACK_RETRY_CAP_SECONDS = 60;

/** The consumer of one feedback queue. */
function feedbackConsumer(
  role: QueueRole,
  directory: QueueDirectory,
  options: ResolvedAsesOptions,
): SqsConsumerOptions {
  return {
    name: SQS_CONSUMER[role],
    queueUrl: directory.urls[role] ?? '',
    sqs: directory.client,
    batchSize: 10,
    visibilityTimeout: FEEDBACK_VISIBILITY_SECONDS,
    waitTimeSeconds: options.pollWaitSeconds,
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    // A handler that throws asks for a retry: hide the message for a growing delay, not the full
    // visibility timeout, and not zero (which would spin on a failing dependency).
    terminateVisibilityTimeout: (messages: Message[]) =>
      retryDelaySeconds(receiveCount(messages[0] ?? {}), FEEDBACK_RETRY_CAP_SECONDS),
    // No abort at shutdown: ConsumerDrain lets the pending poll return and its messages finish.
    stopOptions: { abort: false },
  };
}

/**
 * The @ssut/nestjs-sqs options: one consumer per feedback queue, and the producer of the sendmail
 * queue. The sendmail queue's consumers are SendmailPool's: it needs several pollers per queue,
 * which the library's one-handler-per-name binding cannot express.
 */
export function buildSqsOptions(
  directory: QueueDirectory,
  options: ResolvedAsesOptions,
): SqsOptions {
  return {
    consumers: directory.roles
      .filter((role) => role !== 'sendmail')
      .map((role) => feedbackConsumer(role, directory, options)),
    producers: [
      {
        name: SQS_CONSUMER.sendmail,
        queueUrl: directory.urls.sendmail ?? '',
        sqs: directory.client,
      },
    ],
  };
}
