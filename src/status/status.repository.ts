import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore } from '../core/redis-store';
import type {
  HitClass,
  MessageRecord,
  StatusChange,
  TimelineEvent,
  TrackingSource,
  TrackSettings,
} from './message-record';
import { isMessageId } from './message-id';
import {
  candidatesOf,
  CHUNK_BITS,
  CHUNK_ENTRIES,
  IndexSearch,
  indexKeys,
  indexWrite,
  MINUTES_PER_HOUR,
  minuteOf,
  recordMatches,
  searchBits,
  SearchPosition,
  tokensOf,
} from './message-index';
import { MessageStatus } from './message-status';
import {
  MINUTE_MS,
  RecordLocation,
  recordLocation,
  sesIndexKey,
  startOfMinute,
} from './record-location';
import {
  b36,
  clean,
  CLASS_SLOTS,
  decodeRecord,
  decodeSendTimes,
  decodeTags,
  digest8,
  encodeChange,
  encodeEntry,
  encodeNewRecord,
  encodeRecipientDetail,
  fieldsOf,
  FS,
  fromB36,
  GS,
  packSesId,
  recipientAddresses,
  sesIdTime,
  SOURCE_SLOTS,
  StatusDetail,
  TIMELINE_LENGTH,
  statusCode,
  statusOfCode,
  unpackSesId,
} from './record-codec';
import { SES_INDEX_SHARDS } from './record-location';
import {
  compareStaleEntries,
  PeekedRecord,
  STALE_REASONS,
  StaleCounts,
  StaleEntry,
  staleInfoOf,
  StaleMessage,
  StaleReason,
  SweepCursorName,
} from './stale-rules';

/** A message as it is first recorded, before it is queued. */
export interface NewMessage {
  id: string;
  from: string;
  /** One mailbox (`addr` or `Name <addr>`), or the `to` list. */
  to: string | string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  tags?: Record<string, string>;
  /** The tracking put in its HTML. */
  track?: TrackSettings;
  /** Absent or `transactional`: not stored. */
  category?: string;
  queuedAt: string;
  /** Not sent before this time (ISO 8601); stored only when given. */
  scheduledFor?: string;
  /** Hash of the request, to tell a repeated request from a different one with the same id. */
  fingerprint: string;
}

/** Outcome of recording a new message. */
export type CreateResult =
  { created: true } | { created: false; existing: MessageRecord; fingerprint?: string };

/** Outcome of a status change: applied, refused by the ranking (with the status kept), or no record. */
export type ChangeResult =
  | { outcome: 'applied'; previous: MessageStatus }
  | { outcome: 'unchanged'; current: MessageStatus }
  | { outcome: 'missing' };

/** Something that happened to a message: an optional status change, an optional open/click, a timeline entry. */
export interface MessageUpdate {
  /** The status to move to, if the ranking allows it, with the fields it records. */
  status?: MessageStatus;
  change?: StatusChange;
  /** An open or a click to count, with its class and, for a click, the link's URL. */
  tracking?: TrackingHit;
  /** The timeline entry; always recorded (also when the ranking refuses the status). */
  event: TimelineEvent;
  /** Dedupe keys: when the message has seen any of them, nothing is written. */
  dedupeKeys?: string[];
  /**
   * The recipient it is about (bare or named address), for a record with several: only that
   * one's status moves, and the message takes the highest of its recipients'. Absent: the whole
   * message (every recipient ranking lower moves with it). A record with one recipient is that
   * recipient, and a lean record keeps none: both take it as about the whole message.
   */
  recipient?: string;
}

/** An open or a click, as counted. */
export interface TrackingHit {
  kind: 'open' | 'click';
  source: TrackingSource;
  at: string;
  class: HitClass;
  /** The clicked link's URL. */
  url?: string;
}

/** When a message was pushed and delivered, for telling link scanners from people. */
export interface SendTimes {
  pushedAt?: string;
  deliveredAt?: string;
}

/**
 * What an update did: `applied` (recorded; the status moved if one was asked for: the
 * recipient's, for an update about one), `unchanged` (recorded, but the ranking kept the status),
 * `duplicate` (seen before, nothing written), `other-recipient` (the record has several
 * recipients and this is none of them: nothing written). `status` is the message's status after
 * it, `previous` the one before; `recipientChanged` (updates naming a recipient) whether that
 * recipient's own status moved.
 */
export type UpdateResult =
  | {
      outcome: 'applied' | 'unchanged' | 'duplicate';
      previous: MessageStatus;
      status: MessageStatus;
      tags: Record<string, string>;
      recipientChanged?: boolean;
      /** SES's id of the message, once pushed (not read for a `duplicate`). */
      sesMessageId?: string;
      /** Its category when not `transactional` (not read for a `duplicate`). */
      category?: string;
    }
  | { outcome: 'other-recipient'; status: MessageStatus }
  | { outcome: 'missing' };

/**
 * Outcome of cancelling a message: `canceled` (it was QUEUED; `previous` says so), `missing`,
 * `not-cancelable` (sent, failed, cancelled already...), `busy` (a receive is sending it now).
 */
export type CancelResult =
  | { outcome: 'canceled'; previous: MessageStatus; tags: Record<string, string> }
  | { outcome: 'missing' }
  | { outcome: 'not-cancelable'; status: MessageStatus }
  | { outcome: 'busy' };

/** Outcome of claiming a message for one send attempt. */
export type ClaimResult =
  | { outcome: 'claimed'; attempts: number; tags: Record<string, string> }
  | { outcome: 'busy'; leaseLeftMs: number }
  | { outcome: 'done'; status: MessageStatus }
  | { outcome: 'missing' };

/** Outcome of asking for a retry of a FAILED message. */
export type RetryResult =
  | {
      outcome: 'queued';
      job: string;
      tags: Record<string, string>;
      undo: () => Promise<void>;
    }
  | { outcome: 'not-failed'; status: MessageStatus }
  | { outcome: 'no-content' }
  | { outcome: 'missing' };

/** One page of FAILED messages, newest first. */
export interface FailedPage {
  messages: MessageRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * The message an SES id belongs to: `found` (with the address it was sent to, the record's first
 * `to` mailbox, absent in lean records; and for a message with several recipients, the bare
 * addresses of all of them), `expired` (named, but its record is gone) or `unknown`.
 */
export type SesMessageLookup =
  | { outcome: 'found'; id: string; to?: string; recipients?: string[] }
  | { outcome: 'expired'; id: string }
  | { outcome: 'unknown' };

export { TIMELINE_LENGTH } from './record-codec';

/**
 * Return codes of the scripts (see each `lua/*.lua` header): no record; done; the status kept it
 * from happening; the script's other case (duplicate, busy lease, no kept job).
 */
const REPLY = { missing: 0, done: 1, kept: 2, other: 3, otherRecipient: 4 } as const;

type ScriptReply = [number, string?, string?, string?, string?, string?, string?];

interface StatusCommands {
  asesStatusCreate(
    key: string,
    field: string,
    record: string,
    expireAtMs: number,
  ): Promise<ScriptReply>;
  asesStatusPush(key: string, ...args: (string | number)[]): Promise<ScriptReply>;
  asesStatusApply(key: string, ...args: (string | number)[]): Promise<ScriptReply>;
  asesStatusClaim(key: string, field: string, owner: string, leaseMs: number): Promise<ScriptReply>;
  asesStatusCancel(key: string, ...args: (string | number)[]): Promise<ScriptReply>;
  asesStatusRelease(key: string, field: string, owner: string, refund: string): Promise<number>;
  asesStatusRetry(key: string, jobKey: string, ...args: (string | number)[]): Promise<ScriptReply>;
  asesStatusUnretry(key: string, jobKey: string, ...args: (string | number)[]): Promise<number>;
  asesIndexAdd(list: string, filters: string, ...args: (string | number)[]): Promise<number>;
  asesIndexScan(...keysThenArgs: (string | number)[]): Promise<Array<number | string[]>>;
}

/**
 * The only code that knows how statuses are laid out in Redis (docs/decisions.md has the
 * measured layout). A message's record is one packed string (`record-codec.ts`):
 * - ids ases made carry their queue time, and their record is a field of the time bucket
 *   `<prefix>r:{<minute>.<shard>}` (a hash expiring `statusTtlDays` after that minute);
 * - ids the caller gave (`localMessageId`) are a string key `<prefix>u:{<id>}` with its own TTL;
 * - `<prefix>j:{<tag>}:<id>` keeps the job of a FAILED message for a retry (same hash tag);
 * - `<prefix>x:{<minute>.<shard>}` maps SES ids (8-character digests) to ids, by push minute;
 * - the sorted set `<prefix>failed` lists FAILED messages, written after the record's script;
 * - `<prefix>i:{<hour>}:<minute>` lists the messages queued in a minute, for searches (with the
 *   Bloom filters of its chunks beside it), written before the record's script.
 * Each script touches the keys of one hash tag, so all of it runs on a Redis Cluster.
 */
@Injectable()
export class StatusRepository {
  private readonly redis: AsesRedis & StatusCommands;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly detail: StatusDetail;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & StatusCommands;
    this.prefix = options.redis.keyPrefix;
    this.ttlMs = options.statusTtlSeconds * 1000;
    this.detail = options.statusDetail;
  }

  /**
   * Records a QUEUED message, unless one with this id exists: then returns that one. The search
   * index entry is written first (another hash tag): a crash between the two leaves an entry
   * without a record, which searches skip, never a message that searches cannot find.
   */
  create(message: NewMessage): Promise<CreateResult> {
    const at = this.locate(message.id);
    const queuedAt = Date.parse(message.queuedAt);
    const record = encodeNewRecord(
      {
        ...message,
        queuedAt,
        scheduledFor:
          message.scheduledFor === undefined ? undefined : Date.parse(message.scheduledFor),
        fingerprint: at.base === 0 ? message.fingerprint : undefined,
      },
      at.base,
      this.detail,
    );
    const expireAt = (at.base === 0 ? queuedAt : startOfMinute(at.base) + MINUTE_MS) + this.ttlMs;
    // Lean records keep no addresses or tags to confirm a match with: their entries carry none.
    const listed = indexWrite(
      this.prefix,
      message.id,
      queuedAt,
      this.detail === 'full' ? tokensOf(message) : [],
    );
    return this.store(async () => {
      await this.redis.asesIndexAdd(
        listed.keys.list,
        listed.keys.filters,
        listed.entry,
        startOfMinute(at.base === 0 ? queuedAt : at.base) + MINUTE_MS + this.ttlMs,
        CHUNK_ENTRIES,
        CHUNK_BITS,
        ...listed.chunkBits,
      );
      const [code, existing] = await this.redis.asesStatusCreate(
        at.key,
        at.field,
        record,
        expireAt,
      );
      if (code === REPLY.done || existing === undefined) {
        return { created: true };
      }
      const decoded = decodeRecord(message.id, existing, at.base);
      return decoded.fingerprint === undefined
        ? { created: false, existing: decoded.record }
        : { created: false, existing: decoded.record, fingerprint: decoded.fingerprint };
    });
  }

  /** Forgets a message that could not be queued, so the caller may try again with the same id. */
  async remove(id: string): Promise<void> {
    const at = this.locate(id);
    await this.store(() =>
      at.field === '' ? this.redis.del(at.key) : this.redis.hdel(at.key, at.field),
    );
  }

  /** The record of a message by its id (with its timeline), or null. */
  async find(id: string): Promise<MessageRecord | null> {
    const at = this.locate(id);
    const raw = await this.read(at);
    return raw === null ? null : decodeRecord(id, raw, at.base).record;
  }

  /** Whether a record of `id` is kept. */
  async exists(id: string): Promise<boolean> {
    return (await this.read(this.locate(id))) !== null;
  }

  /** When a message was pushed and delivered (empty for a missing record). */
  async sendTimes(id: string): Promise<SendTimes> {
    const at = this.locate(id);
    const raw = await this.read(at);
    return raw === null ? {} : decodeSendTimes(raw, at.base);
  }

  /**
   * The message SES sent with `sesMessageId`: `candidateId` (the id the mail carried in its
   * `X-Ases-Id` header) is checked first, then the SES-id index around the times given (the
   * notification's) and the time the SES id itself carries. `found` needs a record holding this
   * SES id (a QUEUED one, whose PUSHED write is still on its way, is not); `expired`: the header
   * or the index named a message whose record is gone; `unknown`: nothing names it.
   */
  async findBySesId(
    sesMessageId: string,
    hints: { candidateId?: string; times?: number[] } = {},
  ): Promise<SesMessageLookup> {
    let expired: string | undefined;
    const check = async (id: string): Promise<SesMessageLookup | null> => {
      const at = this.locate(id);
      const raw = await this.read(at);
      if (raw === null) {
        expired ??= id;
        return null;
      }
      const fields = fieldsOf(raw);
      if (fields.get('m') !== packSesId(sesMessageId, at.base)) {
        return null;
      }
      const to = fields.get('t');
      if (to === undefined) {
        return { outcome: 'found', id };
      }
      const recipients = recipientAddresses(raw);
      // The first to mailbox, without a recipient's state.
      const first = to.split(FS)[0].split(GS)[0];
      return recipients.length > 1
        ? { outcome: 'found', id, to: first, recipients }
        : { outcome: 'found', id, to: first };
    };
    if (hints.candidateId !== undefined && isMessageId(hints.candidateId)) {
      const match = await check(hints.candidateId);
      if (match) {
        return match;
      }
    }
    const digest = digest8(sesMessageId);
    const keys = this.indexKeysAround(digest, sesMessageId, hints.times ?? []);
    const ids = await this.store(() =>
      Promise.all(keys.map((key) => this.redis.hget(key, digest))),
    );
    for (const id of new Set(ids)) {
      if (id !== null) {
        const match = await check(id);
        if (match) {
          return match;
        }
      }
    }
    return expired === undefined ? { outcome: 'unknown' } : { outcome: 'expired', id: expired };
  }

  /**
   * Records that SES accepted the message: the SES-id index first (its own step: another hash
   * tag), then QUEUED → PUSHED with the SES id, ending the send lease. An index entry whose
   * PUSHED write never came is harmless: a lookup checks the record's SES id.
   */
  async markPushed(id: string, sesMessageId: string, pushedAt: string): Promise<ChangeResult> {
    const at = this.locate(id);
    const pushedMs = Date.parse(pushedAt);
    const digest = digest8(sesMessageId);
    const indexKey = this.indexKey(pushedMs, digest);
    const entry = this.entry({ type: 'pushed', at: pushedAt, source: 'ases' }, at.base);
    const [code, status] = await this.store(async () => {
      await this.redis
        .multi()
        .hset(indexKey, digest, id)
        .pexpireat(indexKey, startOfMinute(pushedMs) + MINUTE_MS + this.ttlMs)
        .exec();
      return this.redis.asesStatusPush(
        at.key,
        at.field,
        packSesId(sesMessageId, at.base),
        b36(pushedMs - at.base),
        entry.head,
        entry.tail,
        TIMELINE_LENGTH,
      );
    });
    if (code === REPLY.missing) {
      return { outcome: 'missing' };
    }
    return code === REPLY.done
      ? { outcome: 'applied', previous: MessageStatus.QUEUED }
      : { outcome: 'unchanged', current: statusOfCode(status) };
  }

  /**
   * Applies one event to a message in one atomic step: skips it when the message has seen one of
   * its dedupe keys, moves the status if the ranking allows, counts an open or click, appends the
   * timeline entry and remembers the dedupe keys. Writes nothing for a missing (expired) record.
   * A message that becomes FAILED is then added to the FAILED listing (its own step).
   */
  async apply(id: string, update: MessageUpdate): Promise<UpdateResult> {
    const at = this.locate(id);
    const pairs = encodeChange(update.change ?? {}, at.base, this.detail);
    const entry = this.entry(update.event, at.base);
    const hit = update.tracking;
    // A lean record has no timeline: a repeated status event is a no-op of the ranking, so only
    // updates that count something (opens, clicks, auto-replies) need their dedupe marks.
    const keepMarks = this.detail === 'full' || update.status === undefined;
    const marks = keepMarks ? (update.dedupeKeys ?? []).map(digest8).join('') : '';
    const status = update.status;
    const [code, before, tags, after, moved, ses, category] = await this.store(() =>
      this.redis.asesStatusApply(
        at.key,
        at.field,
        update.status === undefined ? '' : statusCode(update.status),
        marks,
        hit === undefined ? '' : hit.kind === 'open' ? 'O' : 'K',
        hit === undefined ? 1 : SOURCE_SLOTS[hit.source],
        hit === undefined ? 3 : CLASS_SLOTS[hit.class],
        hit === undefined ? '0' : b36(Date.parse(hit.at) - at.base),
        hit?.url === undefined || this.detail === 'lean' ? '' : clean(hit.url),
        entry.head,
        entry.recipient,
        entry.tail,
        TIMELINE_LENGTH,
        update.recipient ?? '',
        b36(Date.parse(update.event.at) - at.base),
        status === undefined || this.detail === 'lean'
          ? ''
          : encodeRecipientDetail(status, update.change ?? {}),
        pairs.length / 2,
        ...pairs,
      ),
    );
    if (code === REPLY.missing) {
      return { outcome: 'missing' };
    }
    const previous = statusOfCode(before);
    if (code === REPLY.otherRecipient) {
      return { outcome: 'other-recipient', status: previous };
    }
    const current = after === undefined ? previous : statusOfCode(after);
    if (current === MessageStatus.FAILED && previous !== MessageStatus.FAILED) {
      const failedAt = update.change?.failedAt ?? new Date().toISOString();
      await this.store(() => this.redis.zadd(this.failedKey(), 0, `${failedAt}|${id}`));
    }
    const result: UpdateResult = {
      outcome: code === REPLY.done ? 'applied' : code === REPLY.other ? 'duplicate' : 'unchanged',
      previous,
      status: current,
      tags: decodeTags(tags ?? ''),
    };
    if (update.recipient !== undefined && code !== REPLY.other) {
      result.recipientChanged = moved === '1';
    }
    if (ses !== undefined && ses !== '') {
      result.sesMessageId = unpackSesId(ses, at.base);
    }
    if (category !== undefined && category !== '') {
      result.category = category;
    }
    return result;
  }

  /**
   * Cancels a QUEUED message that no receive is sending right now (its send lease is free):
   * CANCELED, with `canceledAt` and the timeline entry. Final: the claim then finds it done, and
   * no PUSHED, FAILED or SUPPRESSED write applies to it.
   */
  async cancel(id: string, event: TimelineEvent): Promise<CancelResult> {
    const at = this.locate(id);
    const entry = this.entry(event, at.base);
    const [code, value, tags] = await this.store(() =>
      this.redis.asesStatusCancel(
        at.key,
        at.field,
        b36(Date.parse(event.at) - at.base),
        entry.head,
        entry.tail,
        TIMELINE_LENGTH,
      ),
    );
    switch (code) {
      case REPLY.missing:
        return { outcome: 'missing' };
      case REPLY.kept:
        return { outcome: 'not-cancelable', status: statusOfCode(value) };
      case REPLY.other:
        return { outcome: 'busy' };
      default:
        return {
          outcome: 'canceled',
          previous: MessageStatus.QUEUED,
          tags: decodeTags(tags ?? ''),
        };
    }
  }

  /**
   * Claims a QUEUED message for one send attempt: takes its lease for `leaseMs` (a live lease of
   * another owner means another receive is sending it) and counts the attempt.
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const at = this.locate(id);
    const [code, value, tags] = await this.store(() =>
      this.redis.asesStatusClaim(at.key, at.field, owner, leaseMs),
    );
    switch (code) {
      case REPLY.missing:
        return { outcome: 'missing' };
      case REPLY.kept:
        return { outcome: 'done', status: statusOfCode(value) };
      case REPLY.other:
        return { outcome: 'busy', leaseLeftMs: Number(value) };
      default:
        return { outcome: 'claimed', attempts: Number(value), tags: decodeTags(tags ?? '') };
    }
  }

  /** Gives up the lease of a claim that did not end in PUSHED; `refund` uncounts the attempt. */
  async release(id: string, owner: string, refund: boolean): Promise<void> {
    const at = this.locate(id);
    await this.store(() =>
      this.redis.asesStatusRelease(at.key, at.field, owner, refund ? '1' : '0'),
    );
  }

  /** Keeps the job of a message about to be recorded FAILED, so that it can be retried. */
  async keepJob(id: string, job: string): Promise<void> {
    await this.store(() => this.redis.set(this.jobKey(id), job, 'PX', this.ttlMs));
  }

  /**
   * Moves a FAILED message back to QUEUED, with its attempts reset, and hands back its kept job
   * for the caller to enqueue; `undo` restores FAILED when the queue does not take it.
   */
  async retry(id: string, event: TimelineEvent): Promise<RetryResult> {
    const at = this.locate(id);
    const jobKey = this.jobKey(id);
    const entry = this.entry(event, at.base);
    const [code, value, failedAt, error, tags] = await this.store(() =>
      this.redis.asesStatusRetry(at.key, jobKey, at.field, entry.head, entry.tail, TIMELINE_LENGTH),
    );
    switch (code) {
      case REPLY.missing:
        return { outcome: 'missing' };
      case REPLY.kept:
        return { outcome: 'not-failed', status: statusOfCode(value) };
      case REPLY.other:
        return { outcome: 'no-content' };
      default:
        break;
    }
    const job = value ?? '';
    const member =
      failedAt === undefined || failedAt === ''
        ? undefined
        : `${new Date(at.base + fromB36(failedAt)).toISOString()}|${id}`;
    if (member !== undefined) {
      await this.store(() => this.redis.zrem(this.failedKey(), member));
    }
    return {
      outcome: 'queued',
      job,
      tags: decodeTags(tags ?? ''),
      undo: async () => {
        await this.store(async () => {
          await this.redis.asesStatusUnretry(
            at.key,
            jobKey,
            at.field,
            job,
            failedAt ?? '',
            error ?? '',
            Math.ceil(this.ttlMs / 1000),
          );
          if (member !== undefined) {
            await this.redis.zadd(this.failedKey(), 0, member);
          }
        });
      },
    };
  }

  /**
   * FAILED messages, newest first, `limit` to a page. Index entries past the retention, or of
   * messages no longer FAILED (a later event moved them on), are dropped as they are met.
   */
  async failedPage(cursor: string | undefined, limit: number): Promise<FailedPage> {
    return this.store(async () => {
      const cutoff = new Date(Date.now() - this.ttlMs).toISOString();
      await this.redis.zremrangebylex(this.failedKey(), '-', `(${cutoff}`);
      const messages: MessageRecord[] = [];
      let from = cursor === undefined ? '+' : `(${cursor}`;
      let last: string | undefined;
      let more = true;
      while (messages.length < limit && more) {
        const members = await this.redis.zrevrangebylex(
          this.failedKey(),
          from,
          '-',
          'LIMIT',
          0,
          limit - messages.length,
        );
        more = members.length === limit - messages.length;
        const records = await Promise.all(members.map((member) => this.find(idOfMember(member))));
        const stale: string[] = [];
        members.forEach((member, index) => {
          const record = records[index];
          if (record?.status === MessageStatus.FAILED) {
            messages.push(record);
          } else {
            stale.push(member);
          }
        });
        if (stale.length > 0) {
          await this.redis.zrem(this.failedKey(), ...stale);
        }
        last = members.at(-1) ?? last;
        from = last === undefined ? from : `(${last}`;
      }
      return more && last !== undefined ? { messages, nextCursor: last } : { messages };
    });
  }

  private entry(event: TimelineEvent, base: number) {
    return this.detail === 'lean'
      ? { head: '', recipient: '', tail: '' }
      : encodeEntry(event, base);
  }

  private async read(at: RecordLocation): Promise<string | null> {
    return this.store(() =>
      at.field === '' ? this.redis.get(at.key) : this.redis.hget(at.key, at.field),
    );
  }

  private locate(id: string): RecordLocation {
    return recordLocation(this.prefix, id);
  }

  private jobKey(id: string): string {
    return `${this.prefix}j:{${this.locate(id).tag}}:${id}`;
  }

  private indexKey(pushedMs: number, digest: string): string {
    return sesIndexKey(this.prefix, pushedMs, digest);
  }

  /** Index hashes of the minutes a push at about these times (±1 minute) would be in. */
  private indexKeysAround(digest: string, sesMessageId: string, times: number[]): string[] {
    const around = [...times];
    const carried = sesIdTime(sesMessageId);
    if (carried !== undefined) {
      around.push(carried);
    }
    const keys = new Set<string>();
    for (const time of around.filter(Number.isFinite)) {
      for (const offset of [-MINUTE_MS, 0, MINUTE_MS]) {
        keys.add(this.indexKey(time + offset, digest));
      }
    }
    return [...keys];
  }

  private failedKey(): string {
    return `${this.prefix}failed`;
  }

  /** Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE, so callers never see ioredis errors. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore('the status store', work);
  }

  // Finding messages (message-index.ts; docs/decisions.md, "Finding messages"). Keys, both with
  // the hour's hash tag and expiring with the minute's records:
  // - `<prefix>i:{<hour>}:<minute>`: an entry for each message queued in the minute, appended;
  // - `<prefix>i:{<hour>}:<minute>:b`: the Bloom filters of its chunks of CHUNK_ENTRIES entries.
  // Entries only narrow the search: each candidate's record is read and checked.

  /**
   * Messages matching `search`, newest queued first, from `from` on, at most `limit`; `next` says
   * where the following page starts, absent when no older minute of the retention is left. A page
   * reads at most SEARCH_BUDGET of the index and of records, so a sparse search over weeks
   * answers in parts: a page may then hold fewer than `limit` messages, or none, and a `next`.
   */
  async searchPage(
    search: IndexSearch,
    from: SearchPosition,
    limit: number,
    now = Date.now(),
  ): Promise<SearchResult> {
    const bits = searchBits(search);
    const oldest = Math.max(
      search.since === undefined ? -Infinity : minuteOf(search.since),
      // Index keys outlive their minute by the retention; the minute before may still be there.
      minuteOf(now - this.ttlMs) - 1,
    );
    const messages: MessageRecord[] = [];
    const spent = { hours: 0, looked: 0, entries: 0, records: 0 };
    // Every hour of the retention, if need be: an empty one costs a fraction of a millisecond.
    const hours = Math.ceil(this.ttlMs / (MINUTES_PER_HOUR * MINUTE_MS)) + 2;
    const readEnough = (): boolean =>
      spent.looked >= SEARCH_BUDGET.looked ||
      spent.entries >= SEARCH_BUDGET.entries ||
      spent.records >= SEARCH_BUDGET.records;
    let minute = from.minute;
    let before = from.before;
    let cap = Math.max(2 * limit, SCAN_CAP.first);
    while (minute >= oldest) {
      if (spent.hours >= hours || readEnough()) {
        return { messages, next: { minute } };
      }
      const hour = Math.floor(minute / MINUTES_PER_HOUR);
      const minutes = await this.scanIndexHour(
        hour,
        minute,
        Math.max(oldest, hour * MINUTES_PER_HOUR),
        cap,
        bits.chunk,
      );
      // An hour read in several calls (its minutes hold many entries) counts once.
      spent.hours += minute === from.minute || minute % MINUTES_PER_HOUR === 59 ? 1 : 0;
      for (const [i, { length, entries: raw }] of minutes.entries()) {
        const at = minute - i;
        if (i > 0 && readEnough()) {
          return { messages, next: { minute: at } };
        }
        spent.looked += length;
        spent.entries += raw.length;
        const candidates = candidatesOf(raw, at, search, bits, i === 0 ? before : undefined);
        let done = 0;
        let slice = Math.max(limit - messages.length, RECORD_SLICE.first);
        while (done < candidates.length) {
          if (spent.records >= SEARCH_BUDGET.records) {
            const key = done > 0 ? candidates[done - 1].key : i === 0 ? before : undefined;
            return {
              messages,
              next: key === undefined ? { minute: at } : { minute: at, before: key },
            };
          }
          const room = Math.min(slice, SEARCH_BUDGET.records - spent.records);
          const batch = candidates.slice(done, done + room);
          const raws = await this.readRecords(batch.map((entry) => entry.id));
          spent.records += batch.length;
          for (const [j, entry] of batch.entries()) {
            const value = raws[j];
            if (value === null || !recordMatches(value, entry, search)) {
              continue;
            }
            const { record } = decodeRecord(entry.id, value, this.locate(entry.id).base);
            // A page lists messages; the timeline of one is a GET away.
            delete record.events;
            messages.push(record);
            if (messages.length === limit) {
              const last = at === oldest && done + j === candidates.length - 1;
              return last ? { messages } : { messages, next: { minute: at, before: entry.key } };
            }
          }
          done += batch.length;
          slice = Math.min(slice * 2, RECORD_SLICE.max);
        }
      }
      minute -= minutes.length;
      before = undefined;
      cap = Math.min(cap * 2, SCAN_CAP.max);
    }
    return { messages };
  }

  /**
   * The index of `hour` from minute `first` down to `last`, or to the minute where `cap` entries
   * are returned (see index-scan-120.lua): for each minute, its length and the entries of the
   * chunks whose filter has every bit of `chunkBits`.
   */
  private async scanIndexHour(
    hour: number,
    first: number,
    last: number,
    cap: number,
    chunkBits: readonly number[],
  ): Promise<Array<{ length: number; entries: string[] }>> {
    const start = hour * MINUTES_PER_HOUR;
    const keys = Array.from({ length: MINUTES_PER_HOUR }, (_, i) =>
      indexKeys(this.prefix, start + i),
    );
    const reply = await this.store(() =>
      this.redis.asesIndexScan(
        ...keys.map((key) => key.list),
        ...keys.map((key) => key.filters),
        first - start,
        last - start,
        cap,
        SCAN_CAP.looked,
        CHUNK_ENTRIES,
        CHUNK_BITS / 8,
        ...chunkBits,
      ),
    );
    const minutes: Array<{ length: number; entries: string[] }> = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      minutes.push({ length: Number(reply[i]), entries: reply[i + 1] as string[] });
    }
    return minutes;
  }

  /** The packed records of `ids` (null: none), one HMGET per time bucket, in parallel. */
  private async readRecords(ids: readonly string[]): Promise<Array<string | null>> {
    const found: Array<string | null> = ids.map(() => null);
    const buckets = new Map<string, { fields: string[]; at: number[] }>();
    const reads: Array<() => Promise<void>> = [];
    ids.forEach((id, i) => {
      const at = this.locate(id);
      if (at.field === '') {
        reads.push(async () => {
          found[i] = await this.redis.get(at.key);
        });
        return;
      }
      const bucket = buckets.get(at.key) ?? { fields: [], at: [] };
      bucket.fields.push(at.field);
      bucket.at.push(i);
      buckets.set(at.key, bucket);
    });
    for (const [key, bucket] of buckets) {
      reads.push(async () => {
        const values = await this.redis.hmget(key, ...bucket.fields);
        values.forEach((value, k) => {
          found[bucket.at[k]] = value;
        });
      });
    }
    await this.store(() => Promise.all(reads.map((read) => read())));
    return found;
  }

  // Stale messages (stale.sweeper.ts; docs/decisions.md, "Stale messages"). Keys:
  // - `<prefix>r:{<minute>.q}`: the ids (re)queued in a minute, a set kept until the sweep has
  //   looked at them (it expires with that minute's records otherwise);
  // - `<prefix>stale:queued`, `<prefix>stale:pushed`: the listings, sorted sets of ids scored by
  //   the time they turned stale (ms), at most STALE_LISTING_CAP each;
  // - `<prefix>stale:sweep`: the sweep's cursors (a hash); `<prefix>stale:lock`: its lock.
  // Each is its own single-key step; stale-peek-1.lua reads one bucket (or string key) a call.

  /** Notes the ids (re)queued in each minute (minute → ids), for the stale sweep. */
  async noteQueued(idsByMinute: ReadonlyMap<number, readonly string[]>): Promise<void> {
    await this.store(() =>
      Promise.all(
        [...idsByMinute].map(([minute, ids]) => {
          const key = this.queuedNotesKey(minute);
          return this.redis
            .multi()
            .sadd(key, ...ids)
            .pexpireat(key, (minute + 1) * MINUTE_MS + this.ttlMs)
            .exec();
        }),
      ),
    );
  }

  /** The ids noted as (re)queued in `minute`. */
  queuedNotes(minute: number): Promise<string[]> {
    return this.store(() => this.redis.smembers(this.queuedNotesKey(minute)));
  }

  /** Forgets the notes of a minute the stale sweep is done with. */
  async dropQueuedNotes(minute: number): Promise<void> {
    await this.store(() => this.redis.del(this.queuedNotesKey(minute)));
  }

  /** The ids pushed in `minute`, from every shard of the SES-id index. */
  async pushedInMinute(minute: number): Promise<string[]> {
    const shards = await this.store(() =>
      Promise.all(
        Array.from({ length: SES_INDEX_SHARDS }, (_, shard) =>
          // sesIndexKey's layout, shard by shard.
          this.redis.hvals(`${this.prefix}x:{${b36(minute)}.${shard}}`),
        ),
      ),
    );
    return shards.flat();
  }

  /**
   * What the stale sweep needs of the records of `ids` that are in one of `statuses`; the others
   * (moved on, or gone) are left out. One script call per time bucket or string key.
   */
  async peek(
    ids: Iterable<string>,
    statuses: readonly MessageStatus[],
  ): Promise<Map<string, PeekedRecord>> {
    const wanted = statuses.map(statusCode).join('');
    const buckets = new Map<string, Map<string, { id: string; base: number }>>();
    for (const id of ids) {
      if (!isMessageId(id)) {
        continue;
      }
      const at = this.locate(id);
      const fields = buckets.get(at.key) ?? new Map<string, { id: string; base: number }>();
      fields.set(at.field, { id, base: at.base });
      buckets.set(at.key, fields);
    }
    const found = new Map<string, PeekedRecord>();
    const all = [...buckets];
    for (let i = 0; i < all.length; i += PEEK_CONCURRENCY) {
      await this.store(() =>
        Promise.all(
          all.slice(i, i + PEEK_CONCURRENCY).map(async ([key, fields]) => {
            const reply = await this.staleRedis.asesStalePeek(key, wanted, ...fields.keys());
            for (let j = 0; j + PEEKED_ITEMS - 1 < reply.length; j += PEEKED_ITEMS) {
              const target = fields.get(reply[j]);
              if (target !== undefined) {
                found.set(
                  target.id,
                  peekedRecord(reply.slice(j + 1, j + PEEKED_ITEMS), target.base),
                );
              }
            }
          }),
        ),
      );
    }
    return found;
  }

  /** Lists stale messages under `reason`, each once; returns the ids that were not listed yet. */
  async addStale(
    reason: StaleReason,
    entries: readonly { id: string; staleAt: number }[],
  ): Promise<string[]> {
    const added: string[] = [];
    for (let i = 0; i < entries.length; i += STALE_ADD_CHUNK) {
      const pairs = entries
        .slice(i, i + STALE_ADD_CHUNK)
        .flatMap(({ id, staleAt }) => [staleAt, id]);
      added.push(
        ...(await this.store(() =>
          this.staleRedis.asesStaleAdd(this.staleKey(reason), STALE_LISTING_CAP, ...pairs),
        )),
      );
    }
    return added;
  }

  /** Takes messages off the stale listing of `reason`. */
  async unlistStale(reason: StaleReason, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) {
      await this.store(() => this.redis.zrem(this.staleKey(reason), ...ids));
    }
  }

  /** How many messages each stale listing holds. */
  async staleCounts(): Promise<StaleCounts> {
    const [queued, pushed] = await this.store(() =>
      Promise.all([
        this.redis.zcard(this.staleKey('queued')),
        this.redis.zcard(this.staleKey('pushed')),
      ]),
    );
    return { queued, pushed };
  }

  /** Drops listed messages that turned stale longer ago than the retention: their records are gone. */
  async trimStale(now: number): Promise<void> {
    await this.store(() =>
      Promise.all(
        STALE_REASONS.map((reason) =>
          this.redis.zremrangebyscore(this.staleKey(reason), '-inf', `(${now - this.ttlMs}`),
        ),
      ),
    );
  }

  /** Up to `count` entries of the stale listing of `reason` that turned stale after `after` (ms), oldest first. */
  async staleOldest(reason: StaleReason, after: number, count: number): Promise<StaleEntry[]> {
    const reply = await this.store(() =>
      this.redis.zrangebyscore(
        this.staleKey(reason),
        `(${after}`,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        count,
      ),
    );
    return staleEntries(reason, reply);
  }

  /**
   * Listed stale messages of `reasons` after `after` (the previous page's last entry), newest
   * first, `limit` to a page. Each record is read again: one that moved on (sent, delivered,
   * bounced...) or is gone is taken off its listing and left out, so a page shows only messages
   * that are stale now.
   */
  async stalePage(
    after: StaleEntry | undefined,
    limit: number,
    reasons: readonly StaleReason[],
  ): Promise<{ messages: StaleMessage[]; last?: StaleEntry }> {
    const messages: StaleMessage[] = [];
    let cursor = after;
    let more = true;
    while (messages.length < limit && more) {
      const want = limit - messages.length;
      const fetched = await this.store(() =>
        Promise.all(reasons.map((reason) => this.staleAfter(reason, cursor, want + 1))),
      );
      const candidates = fetched.flat().sort(compareStaleEntries);
      more = candidates.length > want;
      const page = candidates.slice(0, want);
      const records = await Promise.all(page.map((entry) => this.find(entry.id)));
      const gone: Record<StaleReason, string[]> = { queued: [], pushed: [] };
      page.forEach((entry, index) => {
        const record = records[index];
        const stale = staleInfoOf(record, entry);
        if (record !== null && stale !== null) {
          messages.push({ ...record, stale });
        } else {
          gone[entry.reason].push(entry.id);
        }
      });
      await Promise.all(STALE_REASONS.map((reason) => this.unlistStale(reason, gone[reason])));
      cursor = page.at(-1) ?? cursor;
    }
    return more && cursor !== undefined ? { messages, last: cursor } : { messages };
  }

  /** Takes the stale sweep's lock for `ttlMs`, unless another instance holds it. */
  async lockSweep(owner: string, ttlMs: number): Promise<boolean> {
    const reply = await this.store(() =>
      this.redis.set(this.sweepKey('lock'), owner, 'PX', ttlMs, 'NX'),
    );
    return reply === 'OK';
  }

  /** Gives the stale sweep's lock up, if `owner` still holds it. */
  async unlockSweep(owner: string): Promise<void> {
    await this.store(() => this.staleRedis.asesStaleUnlock(this.sweepKey('lock'), owner));
  }

  /** The stale sweep's cursors; absent ones were never set (first start, or a flushed Redis). */
  async sweepCursors(): Promise<Partial<Record<SweepCursorName, number>>> {
    const stored = await this.store(() => this.redis.hgetall(this.sweepKey('sweep')));
    const cursors: Partial<Record<SweepCursorName, number>> = {};
    for (const [name, value] of Object.entries(stored)) {
      if (Number.isFinite(Number(value))) {
        cursors[name as SweepCursorName] = Number(value);
      }
    }
    return cursors;
  }

  /** Moves one of the stale sweep's cursors. */
  async saveSweepCursor(name: SweepCursorName, value: number): Promise<void> {
    await this.store(() => this.redis.hset(this.sweepKey('sweep'), name, value));
  }

  /** Up to `count` entries of one stale listing after `cursor`, in listing order. */
  private async staleAfter(
    reason: StaleReason,
    cursor: StaleEntry | undefined,
    count: number,
  ): Promise<StaleEntry[]> {
    const key = this.staleKey(reason);
    // The newest `count` entries at or below `max`, newest first.
    const newest = (max: string) =>
      this.redis.zrange(key, max, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES');
    if (cursor === undefined) {
      return staleEntries(reason, await newest('+inf'));
    }
    // Entries of the cursor's own time that come after it (rarely any), then the older ones.
    const [ties, older] = await Promise.all([
      this.redis.zrange(key, cursor.staleAt, cursor.staleAt, 'BYSCORE', 'WITHSCORES'),
      newest(`(${cursor.staleAt}`),
    ]);
    const later = staleEntries(reason, ties)
      .filter((entry) => compareStaleEntries(cursor, entry) < 0)
      .sort(compareStaleEntries);
    return [...later, ...staleEntries(reason, older)].slice(0, count);
  }

  private get staleRedis(): AsesRedis & StaleCommands {
    return this.redis as unknown as AsesRedis & StaleCommands;
  }

  private queuedNotesKey(minute: number): string {
    return `${this.prefix}r:{${b36(minute)}.q}`;
  }

  private staleKey(reason: StaleReason): string {
    return `${this.prefix}stale:${reason}`;
  }

  private sweepKey(name: 'lock' | 'sweep'): string {
    return `${this.prefix}stale:${name}`;
  }
}

/** The message id of a FAILED index member, `<failedAt>|<id>`. */
function idOfMember(member: string): string {
  return member.slice(member.indexOf('|') + 1);
}

/** Most stale messages each listing keeps (the newest): more means something systemic. */
export const STALE_LISTING_CAP = 100_000;
/** Script calls of one stale peek in flight at once. */
const PEEK_CONCURRENCY = 100;
/** Items `stale-peek-1.lua` returns per record: the field, then what `peekedRecord` reads. */
const PEEKED_ITEMS = 7;
/** Listing entries per `stale-add-1.lua` call. */
const STALE_ADD_CHUNK = 500;

/**
 * What one search page may read at most, besides every hour of the retention (one script call
 * each, about 0.3 ms an empty one): index entries looked at (their chunk's filter checked: about
 * 6 ms an hour at 100 messages/s), index entries read, records read (about 60 ms for 10 000).
 * Past any of them the page ends with what it found and where to go on: a page takes at most a
 * few hundred ms.
 */
export const SEARCH_BUDGET = {
  looked: 8_000_000,
  entries: 100_000,
  records: 10_000,
} as const;
/**
 * One index script call stops after the minute where it has returned `first` entries (doubling
 * with each call of a page, up to `max`) or looked at `looked`: Redis runs nothing else meanwhile.
 */
const SCAN_CAP = { first: 1_000, max: 20_000, looked: 1_000_000 } as const;
/** Records read at once for a search: the page's room at first, doubling while few match. */
const RECORD_SLICE = { first: 32, max: 1_000 } as const;

/** One page of a search: the messages found (records without their timeline), and where the next starts. */
export interface SearchResult {
  messages: MessageRecord[];
  next?: SearchPosition;
}

/** The stale scripts of `./lua`; argument order as in each file's header. */
interface StaleCommands {
  asesStalePeek(key: string, wanted: string, ...fields: string[]): Promise<string[]>;
  asesStaleAdd(key: string, cap: number, ...pairs: (string | number)[]): Promise<string[]>;
  asesStaleUnlock(key: string, owner: string): Promise<number>;
}

/** A record as `stale-peek-1.lua` returns it (status, p, q, g, last retry, S), kept at `base`. */
function peekedRecord(reply: string[], base: number): PeekedRecord {
  const [status, pushed, queued, tags, retried, scheduled] = reply;
  const record: PeekedRecord = {
    status: statusOfCode(status),
    // Caller-given ids keep absolute times (base 0) and their queue time.
    queuedAt: base === 0 ? fromB36(queued) : base,
    tags: decodeTags(tags),
  };
  if (pushed !== '') {
    record.pushedAt = base + fromB36(pushed);
  }
  if (retried !== '') {
    record.retriedAt = base + fromB36(retried);
  }
  if (scheduled !== undefined && scheduled !== '') {
    record.scheduledFor = base + fromB36(scheduled);
  }
  return record;
}

/** Entries of a stale listing from a WITHSCORES reply. */
function staleEntries(reason: StaleReason, reply: string[]): StaleEntry[] {
  const entries: StaleEntry[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    entries.push({ reason, id: reply[i], staleAt: Number(reply[i + 1]) });
  }
  return entries;
}
