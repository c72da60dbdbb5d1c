import { Injectable } from '@nestjs/common';
import type { SqsService } from '@ssut/nestjs-sqs';
import { InjectAsesSqs } from '../core/ases.tokens';
import { SQS_CONSUMER } from '../core/queue-roles';
import { SendmailJob, serializeSendmailJob } from './sendmail-job';

const SQS_BATCH = 10;
const PARALLEL_BATCHES = 5;
/** SQS's longest message delay. */
export const MAX_SQS_DELAY_SECONDS = 900;

/**
 * How long SQS should hold a job back: until its `sendAt`, rounded up to whole seconds (never
 * early), at most SQS's 15 minutes (the sender delays it again if it comes sooner).
 */
export function queueDelaySeconds(job: SendmailJob, now = Date.now()): number {
  if (job.sendAt === undefined || job.pushed !== undefined) {
    return 0;
  }
  const left = Math.ceil((Date.parse(job.sendAt) - now) / 1000);
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, left));
}

/** Puts send jobs on the sendmail queue (through ases's @ssut/nestjs-sqs producer). */
@Injectable()
export class SendmailQueue {
  constructor(@InjectAsesSqs() private readonly sqs: SqsService) {}

  /**
   * Enqueues the jobs, ten to an SQS batch, each delayed until its `sendAt` (up to 15 minutes), and
   * at least `minDelaySeconds`; resolves to the jobs that could not be enqueued (by
   * index, with the reason), so one failed batch does not sink the others.
   */
  async enqueue(jobs: SendmailJob[], minDelaySeconds = 0): Promise<Map<number, string>> {
    const failed = new Map<number, string>();
    const batches: number[][] = [];
    for (let start = 0; start < jobs.length; start += SQS_BATCH) {
      batches.push(jobs.slice(start, start + SQS_BATCH).map((_job, offset) => start + offset));
    }
    for (let next = 0; next < batches.length; next += PARALLEL_BATCHES) {
      await Promise.all(
        batches.slice(next, next + PARALLEL_BATCHES).map(async (batch) => {
          try {
            // Batch entry ids are the job indexes: message ids may hold characters SQS refuses there.
            await this.sqs.send(
              SQS_CONSUMER.sendmail,
              batch.map((index) => {
                const delaySeconds = Math.min(
                  MAX_SQS_DELAY_SECONDS,
                  Math.max(minDelaySeconds, queueDelaySeconds(jobs[index])),
                );
                return {
                  id: `m${index}`,
                  body: serializeSendmailJob(jobs[index]),
                  ...(delaySeconds > 0 ? { delaySeconds } : {}),
                };
              }),
            );
          } catch (error) {
            // sqs-producer names the refused entries; any other error loses the whole batch.
            const ids = (error as { failedMessages?: unknown }).failedMessages;
            const indexes = Array.isArray(ids)
              ? ids.map((id) => Number(String(id).slice(1)))
              : batch;
            const reason = error instanceof Error ? error.message : String(error);
            indexes.forEach((index) => failed.set(index, reason));
          }
        }),
      );
    }
    return failed;
  }
}
