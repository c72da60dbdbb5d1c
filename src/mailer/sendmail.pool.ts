import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { ChangeMessageVisibilityBatchCommand, Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { waitUntilIdle } from '../core/consumer-drain';
import { QueueDirectory } from '../core/queue-directory';
import { STORE_HEARTBEAT_MS, StoreMonitor } from '../core/store-monitor';
import { receiveCount, retryDelaySeconds } from '../core/redelivery';
import { MAX_RETRY_DELAY_SECONDS } from './sender.service';
import { Disposition, SendmailConsumer } from './sendmail.consumer';
import { SendRateLimiter } from './send-rate.limiter';

/** Seconds a received sendmail message stays hidden; the heartbeat renews it while it is in hand. */
export const SENDMAIL_VISIBILITY_SECONDS = 60;
/** Seconds between two renewals of the visibility of the messages in hand. */
export const SENDMAIL_HEARTBEAT_SECONDS = 20;
/** Messages one poller receives and holds at once (SQS's maximum). */
export const POLLER_BATCH = 10;
/** Delay between the starts of two pollers. */
const STAGGER_MS = 100;

/**
 * The consumers of the sendmail queue: `sendPollers` sqs-consumer pollers, each receiving up to 10
 * messages and sending them concurrently, so that the shared rate, not the SES round trip, is
 * what limits a process. At most `10 × sendPollers` messages are in hand; a heartbeat keeps them
 * hidden while they wait for a slot. While sending is paused the pollers stop receiving.
 * A message is deleted only once its outcome is recorded; one to try again is hidden for the
 * sender's delay. At shutdown the pollers stop, messages still waiting for a slot are put back at
 * once, and sends under way finish (bounded by `shutdownTimeoutMs`).
 */
@Injectable()
export class SendmailPool
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('ases');
  private readonly consumers = new Map<string, Consumer>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly directory: QueueDirectory,
    private readonly consumer: SendmailConsumer,
    private readonly limiter: SendRateLimiter,
    private readonly store: StoreMonitor,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  onApplicationBootstrap(): void {
    // Every message in hand waiting for its slot listens for the stop.
    setMaxListeners(this.options.sendPollers * POLLER_BATCH + 10, this.stopping.signal);
    const queueUrl = this.directory.urls.sendmail;
    if (queueUrl === undefined) {
      return;
    }
    if (this.options.sendPollers === 0) {
      this.logger.log('sendPollers is 0: this instance accepts mail but does not send it');
      return;
    }
    for (let index = 1; index <= this.options.sendPollers; index += 1) {
      const poller = Consumer.create({
        queueUrl,
        sqs: this.directory.client,
        batchSize: POLLER_BATCH,
        visibilityTimeout: SENDMAIL_VISIBILITY_SECONDS,
        heartbeatInterval: SENDMAIL_HEARTBEAT_SECONDS,
        waitTimeSeconds: this.options.pollWaitSeconds,
        messageSystemAttributeNames: ['ApproximateReceiveCount'],
        preReceiveMessageCallback: () => this.whilePaused(),
        handleMessageBatch: (messages) => this.handleBatch(messages),
        // Only if the batch handler itself fails; it settles each message on its own otherwise.
        terminateVisibilityTimeout: (messages: Message[]) =>
          retryDelaySeconds(receiveCount(messages[0] ?? {}), MAX_RETRY_DELAY_SECONDS),
      });
      poller.on('error', (error) => this.logger.error(`sendmail: SQS error: ${error.message}`));
      const start = (): void => {
        if (!this.stopping.signal.aborted) {
          this.consumers.set(`sendmail-${index}`, poller);
          poller.start();
        }
      };
      // Started one after another: hundreds of first sends at once (cold code, new sockets)
      // would stall the event loop and make their slots late.
      if (index === 1) {
        start();
      } else {
        setTimeout(start, (index - 1) * STAGGER_MS).unref();
      }
    }
  }

  /** The started pollers' states, for tests: running (not stopped), polling (busy). */
  pollerStates(): Array<{ isRunning: boolean; isPolling: boolean }> {
    return [...this.consumers.values()].map((poller) => poller.status);
  }

  /** Stops polling, and cuts short the waits for a slot (those messages go back at once). */
  onModuleDestroy(): void {
    this.stopping.abort();
    for (const poller of this.consumers.values()) {
      poller.stop({ abort: false });
    }
  }

  /** Lets the sends under way finish and their outcomes be written, before Redis closes. */
  async beforeApplicationShutdown(): Promise<void> {
    const busy = await waitUntilIdle(this.consumers, this.options.shutdownTimeoutMs);
    if (busy.length > 0) {
      this.logger.warn(
        `shutdown: ${busy.length} sendmail pollers still busy after ` +
          `${this.options.shutdownTimeoutMs} ms; their messages will be received again`,
      );
    }
  }

  private async handleBatch(messages: Message[]): Promise<Message[]> {
    const dispositions = await Promise.all(
      messages.map((message) => this.consumer.handle(message, this.stopping.signal)),
    );
    const done: Message[] = [];
    const later = new Map<number, Message[]>();
    messages.forEach((message, index) => {
      const disposition: Disposition = dispositions[index];
      if (disposition.delete) {
        done.push(message);
      } else {
        later.set(disposition.delaySeconds, [
          ...(later.get(disposition.delaySeconds) ?? []),
          message,
        ]);
      }
    });
    await Promise.all([...later].map(([delay, batch]) => this.hide(batch, delay)));
    return done;
  }

  /** Hides messages for `seconds` (0: visible again now), to be received again then. */
  private async hide(messages: Message[], seconds: number): Promise<void> {
    try {
      await this.directory.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.directory.urls.sendmail,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: Math.min(43_200, Math.max(0, Math.round(seconds))),
          })),
        }),
      );
    } catch (error) {
      // They come back after the visibility timeout instead; nothing is lost.
      this.logger.error(
        `sendmail: could not put ${messages.length} messages back: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Keeps a poller from receiving while sending is paused or Redis is away (the messages are
   * better in SQS than received only to fail their claim).
   */
  private async whilePaused(): Promise<void> {
    let left = this.pausedForMs();
    while (left > 0 && !this.stopping.signal.aborted) {
      await sleep(Math.min(left, 1000), undefined, { signal: this.stopping.signal }).catch(
        () => undefined,
      );
      left = this.pausedForMs();
    }
  }

  private pausedForMs(): number {
    return this.store.available ? this.limiter.pausedForMs() : STORE_HEARTBEAT_MS;
  }
}
