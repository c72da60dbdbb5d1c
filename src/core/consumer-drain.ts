import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { SqsService } from '@ssut/nestjs-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedAsesOptions } from './ases-options';
import { InjectAsesOptions, InjectAsesSqs } from './ases.tokens';

/** Something that reports whether it is still receiving or handling messages. */
export interface Pollable {
  status: { isPolling: boolean };
}

/**
 * Waits until none of `consumers` is polling, checking every `intervalMs`; resolves to the
 * names still busy when `timeoutMs` ran out (empty when all went idle).
 */
export async function waitUntilIdle(
  consumers: ReadonlyMap<string, Pollable>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const busy = (): string[] =>
    [...consumers].filter(([, consumer]) => consumer.status.isPolling).map(([name]) => name);
  while (busy().length > 0 && Date.now() < deadline) {
    await sleep(intervalMs);
  }
  return busy();
}

/**
 * Graceful shutdown of the consumers. Nest calls `SqsService.onModuleDestroy` first, which stops
 * polling without aborting; a long poll still pending then returns, and what it received is
 * handled and deleted like any other message. This waits for that (bounded by
 * `shutdownTimeoutMs`) before Redis and the SQS client are closed in `onApplicationShutdown`.
 * Not aborting matters: SQS hands messages to a receive whose caller has gone, and they stay
 * invisible until their visibility timeout.
 */
@Injectable()
export class ConsumerDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ases');

  constructor(
    @InjectAsesSqs() private readonly sqs: SqsService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const consumers = new Map(
      [...this.sqs.consumers].map(([name, consumer]) => [name, consumer.instance] as const),
    );
    const busy = await waitUntilIdle(consumers, this.options.shutdownTimeoutMs);
    if (busy.length > 0) {
      this.logger.warn(
        `shutdown: ${busy.join(', ')} still busy after ${this.options.shutdownTimeoutMs} ms; ` +
          'their messages will be received again after their visibility timeout',
      );
    }
  }
}
