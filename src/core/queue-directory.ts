import { Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ResolvedAsesOptions } from './ases-options';
import { QUEUE_ROLES, QueueRole } from './queue-roles';

/** A queue's approximate message counts (SQS `ApproximateNumberOfMessages*`). */
export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received and not deleted yet (in flight). */
  inFlight: number;
  /** Sent with a delay that has not passed yet. */
  delayed: number;
}

const DEPTH_ATTRIBUTES = {
  visible: 'ApproximateNumberOfMessages',
  inFlight: 'ApproximateNumberOfMessagesNotVisible',
  delayed: 'ApproximateNumberOfMessagesDelayed',
} as const;

/** The SQS client ases shares, and the URLs of its queues, resolved once at start-up. */
export class QueueDirectory implements OnApplicationShutdown {
  private readonly logger = new Logger('ases');

  private constructor(
    readonly client: SQSClient,
    readonly urls: Readonly<Partial<Record<QueueRole, string>>>,
  ) {}

  /** The roles whose queue is configured (the optional events queue may not be). */
  get roles(): QueueRole[] {
    return QUEUE_ROLES.filter((role) => this.urls[role] !== undefined);
  }

  /**
   * Builds the client and resolves every queue name to its URL, failing start-up with the queue
   * named when one does not exist, rather than failing at the first poll.
   */
  static async create(options: ResolvedAsesOptions): Promise<QueueDirectory> {
    const endpoint = options.endpoints.sqs;
    const client = new SQSClient({
      region: options.region,
      endpoint,
      credentials: options.credentials,
      // With a custom endpoint (a local stack, a VPC endpoint) the queue URL's own host may not
      // resolve; the SDK would otherwise switch to it. Only the option decides: the library reads
      // no environment (the standalone service maps AWS_ENDPOINT_URL_SQS to endpoints.sqs).
      useQueueUrlAsEndpoint: endpoint === undefined,
      // Resolve the middleware stack once per command type, not on every call.
      cacheMiddleware: true,
      // Each sendmail poller keeps a long poll open; deletes, visibility changes and the producer
      // need sockets besides. The SDK's default of 50 would make them queue behind the polls.
      requestHandler: {
        httpAgent: { keepAlive: true, maxSockets: options.sendPollers * 2 + 50 },
        httpsAgent: { keepAlive: true, maxSockets: options.sendPollers * 2 + 50 },
      },
    });
    const urls: Partial<Record<QueueRole, string>> = {};
    try {
      for (const role of QUEUE_ROLES) {
        const queue = options.queues[role];
        if (queue !== undefined) {
          urls[role] = await resolveQueueUrl(client, role, queue);
        }
      }
    } catch (error) {
      client.destroy();
      throw error;
    }
    return new QueueDirectory(client, urls);
  }

  /** Asks SQS about each queue; returns the roles that did not answer, with why. */
  async check(): Promise<Partial<Record<QueueRole, string>>> {
    const problems: Partial<Record<QueueRole, string>> = {};
    await Promise.all(
      this.roles.map(async (role) => {
        try {
          await this.client.send(
            new GetQueueAttributesCommand({
              QueueUrl: this.urls[role],
              AttributeNames: ['QueueArn'],
            }),
            { abortSignal: AbortSignal.timeout(3000) },
          );
        } catch (error) {
          problems[role] = error instanceof Error ? `${error.name}: ${error.message}` : 'failed';
        }
      }),
    );
    return problems;
  }

  /**
   * The approximate message counts of one configured queue (GetQueueAttributes; SQS updates
   * them within about a minute). Throws when SQS does not answer within `timeoutMs`.
   */
  async depth(role: QueueRole, timeoutMs: number): Promise<QueueDepth> {
    const url = this.urls[role];
    if (url === undefined) {
      throw new Error(`no ${role} queue is configured`);
    }
    const output = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: Object.values(DEPTH_ATTRIBUTES),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    const attributes: Partial<Record<string, string>> = output.Attributes ?? {};
    const count = (name: string): number => Number(attributes[name]) || 0;
    return {
      visible: count(DEPTH_ATTRIBUTES.visible),
      inFlight: count(DEPTH_ATTRIBUTES.inFlight),
      delayed: count(DEPTH_ATTRIBUTES.delayed),
    };
  }

  onApplicationShutdown(): void {
    this.logger.debug('closing the SQS client');
    this.client.destroy();
  }
}

async function resolveQueueUrl(client: SQSClient, role: QueueRole, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) {
    return queue;
  }
  try {
    const output = await client.send(new GetQueueUrlCommand({ QueueName: queue }));
    if (output.QueueUrl) {
      return output.QueueUrl;
    }
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist) && !isNotFound(error)) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`ases: cannot look up the ${role} queue "${queue}": ${reason}`);
    }
  }
  throw new Error(
    `ases: the ${role} queue "${queue}" does not exist (create it, or set queues.${role} to an ` +
      'existing queue name or URL)',
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /NonExistentQueue|QueueDoesNotExist/.test(error.name);
}
