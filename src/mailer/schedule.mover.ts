import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StoreMonitor } from '../core/store-monitor';
import { ScheduleRepository, SCHEDULE_SHARDS, TakenJob } from './schedule.repository';
import { parseSendmailJob } from './sendmail-job';
import { SendmailQueue } from './sendmail.queue';

/** How often the schedule is looked at. */
const MOVE_INTERVAL_MS = 2000;
/**
 * Jobs due within this are moved to the queue, delayed there until due: SQS delays up to 15
 * minutes, and a minute of margin covers a slow move.
 */
export const MOVE_HORIZON_MS = 14 * 60 * 1000;
/** A move that did not finish in this time (the instance died) is taken again by any instance. */
const MOVE_LEASE_MS = 60_000;
/** Most jobs moved per shard and look. */
const MOVE_BATCH = 100;

/**
 * Moves scheduled messages from the store to the sendmail queue as they come within SQS's delay.
 * Every instance runs one; the take script leases each job to one of them. A job moved twice (an
 * instance died between queueing it and forgetting it) is received twice, and the status lets
 * only one copy be sent.
 */
@Injectable()
export class ScheduleMover implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly schedule: ScheduleRepository,
    private readonly queue: SendmailQueue,
    private readonly store: StoreMonitor,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined && this.store.available) {
        this.running = this.moveDue()
          .then(() => undefined)
          .catch((error: unknown) => {
            this.logger.warn(`send schedule not moved this time: ${errorText(error)}`);
          })
          .finally(() => {
            this.running = undefined;
          });
      }
    }, MOVE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Moves every job due within the horizon of `now` to the queue; resolves to how many. */
  async moveDue(now = Date.now()): Promise<number> {
    let moved = 0;
    for (let shard = 0; shard < SCHEDULE_SHARDS; shard += 1) {
      for (;;) {
        const taken = await this.schedule.take(shard, {
          now,
          horizonMs: MOVE_HORIZON_MS,
          leaseMs: MOVE_LEASE_MS,
          limit: MOVE_BATCH,
        });
        moved += await this.enqueue(taken);
        if (taken.length < MOVE_BATCH) {
          break;
        }
      }
    }
    return moved;
  }

  private async enqueue(taken: TakenJob[]): Promise<number> {
    if (taken.length === 0) {
      return 0;
    }
    const readable = taken.flatMap((item) => {
      const job = parseSendmailJob(item.body);
      if (!job) {
        // Written by this code, so only a damaged store gets here: say so, and drop it.
        this.logger.error(`scheduled message ${item.id} is unreadable; dropped from the schedule`);
      }
      return job ? [{ item, job }] : [];
    });
    const failed = await this.queue.enqueue(readable.map(({ job }) => job));
    for (const [index, reason] of failed) {
      // Left leased: it is taken again when the lease ends.
      this.logger.warn(`scheduled message ${readable[index].item.id} not queued yet: ${reason}`);
    }
    const forget = taken.filter(
      (item) => !readable.some((entry, index) => entry.item === item && failed.has(index)),
    );
    await Promise.all(forget.map((item) => this.schedule.done(item)));
    return readable.length - failed.size;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
