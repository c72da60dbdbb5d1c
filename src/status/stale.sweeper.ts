import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
import { MINUTE_MS } from './record-location';
import { StaleAllowance } from './stale-allowance';
import {
  minutesToSweep,
  PeekedRecord,
  pushedStaleness,
  queuedStaleness,
  STALE_REASONS,
  STALE_STATUSES,
  StaleCounts,
  StaleReason,
} from './stale-rules';
import { StatusRepository } from './status.repository';
import { StatusService } from './status.service';

/** How often the sweep runs (on one instance of the fleet at a time). */
export const SWEEP_INTERVAL_MS = 60_000;
/** The sweep's lock: longer than a sweep takes, shorter than the interval. */
const LOCK_MS = 50_000;
/** A sweep takes on no further minute after this long; the cursors say where the next goes on. */
const SWEEP_BUDGET_MS = 20_000;
/** Minutes of each kind one sweep takes on at most: the catch-up after an outage is bounded. */
export const MAX_MINUTES_PER_SWEEP = 30;
/** Listed messages of each reason one sweep checks again (oldest first, round and round). */
export const CHECKS_PER_SWEEP = 1000;
/** How long queued ids wait in memory, to be noted in Redis together. */
const NOTE_FLUSH_MS = 200;

/** What one sweep did. */
export interface SweepSummary {
  /** False when another instance held the lock: this one did nothing. */
  swept: boolean;
  /** Minutes swept, by kind (queue minutes; push minutes). */
  minutes: StaleCounts;
  /** Messages newly listed as stale, by reason. */
  found: StaleCounts;
  /** Listed messages taken off because they moved on or are gone, by reason. */
  unlisted: StaleCounts;
  /** The QUEUED threshold the sweep used, ms (absent when the queued check did not run). */
  queuedAfterMs?: number;
}

/**
 * Finds stale messages: QUEUED far longer than the send rate allows, or PUSHED (or DELAYED) with
 * no Delivery, Bounce or Reject `staleAfterHours` after the push. Once a minute, on the one
 * instance that takes the lock in Redis, it walks the minutes that passed their threshold from a
 * cursor kept in Redis: queue minutes through the ids noted as they were queued (`r:{<minute>.q}`,
 * fed by the `ases.message.queued` events of this process), push minutes through the SES-id index
 * (`x:` hashes). Stale messages are listed (`GET /v1/messages?status=STALE`), counted
 * (`StatusService.countStale`) and announced (`ases.message.stale`). docs/decisions.md has why.
 */
@Injectable()
export class StaleSweeper implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private readonly owner = randomUUID();
  private readonly queuedMs: number;
  private readonly pushedMs: number;
  private readonly notes = new Map<number, Set<string>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly repository: StatusRepository,
    private readonly status: StatusService,
    private readonly allowance: StaleAllowance,
    @InjectAsesOptions() options: ResolvedAsesOptions,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {
    this.queuedMs = options.staleQueuedMs;
    this.pushedMs = options.staleAfterMs;
  }

  onModuleInit(): void {
    if (this.queuedMs > 0) {
      this.events?.on(ASES_EVENTS.queued, this.onQueued);
    }
  }

  onApplicationBootstrap(): void {
    if (this.queuedMs > 0 || this.pushedMs > 0) {
      this.timer = setInterval(() => this.tick(), SWEEP_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Stops sweeping, notes the ids still in memory and lets a running sweep end, before Redis closes. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.events?.off(ASES_EVENTS.queued, this.onQueued);
    await this.flushNotes();
    await this.running;
  }

  /**
   * One sweep at `now`, if no other instance is sweeping: the due queue and push minutes after
   * the cursors (at most {@link MAX_MINUTES_PER_SWEEP} of each), then a check of the oldest listed
   * messages. A Redis failure rejects; the cursors keep the last minute that was done.
   */
  async sweep(now = Date.now()): Promise<SweepSummary> {
    const summary: SweepSummary = {
      swept: false,
      minutes: { queued: 0, pushed: 0 },
      found: { queued: 0, pushed: 0 },
      unlisted: { queued: 0, pushed: 0 },
    };
    if (!(await this.repository.lockSweep(this.owner, LOCK_MS))) {
      return summary;
    }
    summary.swept = true;
    const deadline = performance.now() + SWEEP_BUDGET_MS;
    try {
      const cursors = await this.repository.sweepCursors();
      if (this.queuedMs > 0) {
        await this.sweepQueued(cursors.queued, now, deadline, summary);
      }
      if (this.pushedMs > 0) {
        await this.sweepPushed(cursors.pushed, now, deadline, summary);
      }
      await this.repository.trimStale(now);
      for (const reason of STALE_REASONS) {
        await this.check(reason, cursors[`check:${reason}`] ?? 0, now, summary);
      }
    } finally {
      await this.repository.unlockSweep(this.owner).catch(() => undefined);
    }
    return summary;
  }

  /** Notes an id (re)queued now: the queued sweep finds QUEUED messages through these notes. */
  private readonly onQueued = (payload: AsesMessageEvent): void => {
    const at = Date.parse(payload.event.at);
    const minute = Math.floor((Number.isFinite(at) ? at : Date.now()) / MINUTE_MS);
    const ids = this.notes.get(minute) ?? new Set<string>();
    ids.add(payload.messageId);
    this.notes.set(minute, ids);
    this.flushTimer ??= setTimeout(() => void this.flushNotes(), NOTE_FLUSH_MS).unref();
  };

  /** Writes the noted ids to Redis, after any write still under way. */
  private flushNotes(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.writeNotes());
    return this.flushing;
  }

  private async writeNotes(): Promise<void> {
    if (this.notes.size === 0) {
      return;
    }
    const batch = new Map([...this.notes].map(([minute, ids]) => [minute, [...ids]]));
    this.notes.clear();
    try {
      await this.repository.noteQueued(batch);
    } catch (error) {
      const count = [...batch.values()].reduce((sum, ids) => sum + ids.length, 0);
      this.logger.warn(
        `${count} queued message(s) not noted for the stale sweep (if they stay QUEUED they ` +
          `will not be listed as stale): ${reasonOf(error)}`,
      );
    }
  }

  private tick(): void {
    if (this.running !== undefined || this.stopping) {
      return;
    }
    this.running = this.sweep()
      .then((summary) => this.report(summary))
      .catch((error: unknown) => {
        this.logger.warn(`stale sweep failed, tried again in a minute: ${reasonOf(error)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  private report(summary: SweepSummary): void {
    const { queued, pushed } = summary.found;
    if (queued + pushed > 0) {
      this.logger.warn(
        `stale messages found: ${queued} QUEUED too long, ${pushed} PUSHED with no outcome ` +
          '(GET /v1/messages?status=STALE)',
      );
    }
  }

  private async sweepQueued(
    cursor: number | undefined,
    now: number,
    deadline: number,
    summary: SweepSummary,
  ): Promise<void> {
    const allowance = await this.allowance.queued();
    if (!allowance.ok) {
      // Without the backlog, a message waiting its turn behind a campaign would look stale.
      this.logger.warn(`stale sweep: QUEUED messages not checked this time: ${allowance.problem}`);
      return;
    }
    summary.queuedAfterMs = allowance.ms;
    const { from, to } = minutesToSweep(cursor, now, allowance.ms, MAX_MINUTES_PER_SWEEP);
    for (let minute = from; minute <= to && this.mayGoOn(deadline); minute += 1) {
      const ids = await this.repository.queuedNotes(minute);
      const records = await this.repository.peek(ids, STALE_STATUSES.queued);
      const found = [...records].flatMap(([id, record]) => {
        const stale = queuedStaleness(record, minute * MINUTE_MS, allowance.ms, now);
        return stale === null ? [] : [{ id, record, ...stale }];
      });
      await this.list('queued', found, summary);
      await this.noteScheduled(records, minute, found);
      await this.repository.saveSweepCursor('queued', minute);
      // After the cursor: notes dropped but the cursor not moved would be a minute never listed.
      await this.repository.dropQueuedNotes(minute);
      summary.minutes.queued += 1;
    }
  }

  /**
   * Notes again, under the minute they are scheduled for, the messages of `minute` that are not
   * to be sent before a later one: their notes are dropped with this minute's, and a scheduled
   * message still QUEUED well after its time is as stale as any.
   */
  private async noteScheduled(
    records: ReadonlyMap<string, PeekedRecord>,
    minute: number,
    found: readonly { id: string }[],
  ): Promise<void> {
    const listed = new Set(found.map((entry) => entry.id));
    const later = new Map<number, string[]>();
    for (const [id, record] of records) {
      const due =
        record.scheduledFor === undefined ? minute : Math.floor(record.scheduledFor / MINUTE_MS);
      if (due > minute && !listed.has(id)) {
        later.set(due, [...(later.get(due) ?? []), id]);
      }
    }
    if (later.size > 0) {
      await this.repository.noteQueued(later);
    }
  }

  private async sweepPushed(
    cursor: number | undefined,
    now: number,
    deadline: number,
    summary: SweepSummary,
  ): Promise<void> {
    const { from, to } = minutesToSweep(cursor, now, this.pushedMs, MAX_MINUTES_PER_SWEEP);
    for (let minute = from; minute <= to && this.mayGoOn(deadline); minute += 1) {
      const ids = await this.repository.pushedInMinute(minute);
      const records = await this.repository.peek(ids, STALE_STATUSES.pushed);
      const found = [...records].flatMap(([id, record]) => {
        const stale = pushedStaleness(record, this.pushedMs, now);
        return stale === null ? [] : [{ id, record, ...stale }];
      });
      await this.list('pushed', found, summary);
      await this.repository.saveSweepCursor('pushed', minute);
      summary.minutes.pushed += 1;
    }
  }

  /** Lists what a minute's sweep found, and announces the messages that were not listed yet. */
  private async list(
    reason: StaleReason,
    found: { id: string; record: PeekedRecord; since: number; staleAt: number }[],
    summary: SweepSummary,
  ): Promise<void> {
    if (found.length === 0) {
      return;
    }
    const added = new Set(await this.repository.addStale(reason, found));
    for (const { id, record, since, staleAt } of found) {
      if (!added.has(id)) {
        continue;
      }
      summary.found[reason] += 1;
      const sinceIso = new Date(since).toISOString();
      const staleAtIso = new Date(staleAt).toISOString();
      this.status.announceStale({
        messageId: id,
        status: record.status,
        previousStatus: record.status,
        event: {
          type: 'stale',
          at: staleAtIso,
          detail: `${reason === 'queued' ? 'queued' : 'pushed'} since ${sinceIso}`,
          source: 'ases',
        },
        tags: record.tags,
        stale: { reason, since: sinceIso, staleAt: staleAtIso },
      });
    }
  }

  /**
   * Checks the oldest listed messages of `reason` after the check cursor again, and takes those
   * that moved on (or are gone) off the listing, so the counts do not wait for a listing to do it.
   */
  private async check(
    reason: StaleReason,
    after: number,
    now: number,
    summary: SweepSummary,
  ): Promise<void> {
    const entries = await this.repository.staleOldest(reason, after, CHECKS_PER_SWEEP);
    const alive = await this.repository.peek(
      entries.map((entry) => entry.id),
      STALE_STATUSES[reason],
    );
    const gone = entries
      .filter((entry) => {
        const record = alive.get(entry.id);
        // A message pushed again since (a retry) is stale again only from that push.
        return (
          record === undefined ||
          (reason === 'pushed' && pushedStaleness(record, this.pushedMs, now) === null)
        );
      })
      .map((entry) => entry.id);
    await this.repository.unlistStale(reason, gone);
    summary.unlisted[reason] += gone.length;
    const last = entries.at(-1);
    await this.repository.saveSweepCursor(
      `check:${reason}`,
      entries.length < CHECKS_PER_SWEEP || last === undefined ? 0 : last.staleAt,
    );
  }

  private mayGoOn(deadline: number): boolean {
    return !this.stopping && performance.now() < deadline;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
