import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { QueueDirectory } from '../core/queue-directory';
import { SendRateLimiter } from '../mailer/send-rate.limiter';
import { queuedAllowanceMs } from './stale-rules';

/** What a sendmail queue message counts as while it waits: visible, in flight, or delayed. */
const BACKLOG_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/** How long the sweep waits for SQS's answer. */
const SQS_TIMEOUT_MS = 5000;

/** How long a message may stay QUEUED now, or why that cannot be told. */
export type QueuedAllowance =
  | { ok: true; ms: number; backlog: number; ratePerSecond: number | null }
  | { ok: false; problem: string };

/**
 * The QUEUED threshold of the stale sweep: `staleQueuedMinutes`, or longer while the sendmail
 * queue's backlog takes longer to send at the fleet's rate (see `queuedAllowanceMs`). Reads the
 * backlog from SQS (GetQueueAttributes) and the rate in force and any pause from the send rate
 * limiter, which lives in the mailer module: it is looked up when first needed rather than
 * imported, as the mailer module imports this one.
 */
@Injectable()
export class StaleAllowance {
  private limiter: SendRateLimiter | null | undefined;

  constructor(
    private readonly queues: QueueDirectory,
    private readonly moduleRef: ModuleRef,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** The QUEUED threshold now; not `ok` when the sendmail queue's backlog cannot be read. */
  async queued(): Promise<QueuedAllowance> {
    let backlog: number;
    try {
      backlog = await this.backlog();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, problem: `the sendmail queue's backlog could not be read (${reason})` };
    }
    const { ratePerSecond, pausedMs } = await this.sending();
    const ms = queuedAllowanceMs({
      floorMs: this.options.staleQueuedMs,
      backlog,
      ratePerSecond,
      pausedMs,
    });
    return { ok: true, ms, backlog, ratePerSecond };
  }

  private async backlog(): Promise<number> {
    const url = this.queues.urls.sendmail;
    if (url === undefined) {
      throw new Error('no sendmail queue is configured');
    }
    const output = await this.queues.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...BACKLOG_ATTRIBUTES] }),
      { abortSignal: AbortSignal.timeout(SQS_TIMEOUT_MS) },
    );
    const attributes: Partial<Record<string, string>> = output.Attributes ?? {};
    return BACKLOG_ATTRIBUTES.reduce((sum, name) => sum + (Number(attributes[name]) || 0), 0);
  }

  /** The rate in force (lowered after throttling; MaxSendRate with `auto`) and any pause. */
  private async sending(): Promise<{ ratePerSecond: number | null; pausedMs: number }> {
    const configured = typeof this.options.sendRate === 'number' ? this.options.sendRate : null;
    const limiter = this.rateLimiter();
    if (limiter === null) {
      return { ratePerSecond: configured, pausedMs: 0 };
    }
    try {
      const state = await limiter.snapshot();
      return { ratePerSecond: state.rate ?? configured, pausedMs: state.paused?.leftMs ?? 0 };
    } catch {
      return { ratePerSecond: configured, pausedMs: 0 };
    }
  }

  private rateLimiter(): SendRateLimiter | null {
    if (this.limiter === undefined) {
      try {
        this.limiter = this.moduleRef.get(SendRateLimiter, { strict: false });
      } catch {
        this.limiter = null;
      }
    }
    return this.limiter ?? null;
  }
}
