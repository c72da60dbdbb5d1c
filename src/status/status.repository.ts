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
  fieldsOf,
  fromB36,
  packSesId,
  sesIdTime,
  SOURCE_SLOTS,
  StatusDetail,
  TIMELINE_LENGTH,
  statusCode,
  statusOfCode,
} from './record-codec';

/** A message as it is first recorded, before it is queued. */
export interface NewMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  tags?: Record<string, string>;
  /** The tracking put in its HTML. */
  track?: TrackSettings;
  queuedAt: string;
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
 * What an update did: `applied` (recorded; the status moved if one was asked for), `unchanged`
 * (recorded, but the ranking kept the status), `duplicate` (seen before, nothing written).
 * `status` is the status after it, `previous` the one before.
 */
export type UpdateResult =
  | {
      outcome: 'applied' | 'unchanged' | 'duplicate';
      previous: MessageStatus;
      status: MessageStatus;
      tags: Record<string, string>;
    }
  | { outcome: 'missing' };

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
 * The message an SES id belongs to: `found` (with the address it was sent to, absent in lean
 * records), `expired` (named, but its record is gone) or `unknown`.
 */
export type SesMessageLookup =
  | { outcome: 'found'; id: string; to?: string }
  | { outcome: 'expired'; id: string }
  | { outcome: 'unknown' };

export { TIMELINE_LENGTH } from './record-codec';

/**
 * Return codes of the scripts (see each `lua/*.lua` header): no record; done; the status kept it
 * from happening; the script's other case (duplicate, busy lease, no kept job).
 */
const REPLY = { missing: 0, done: 1, kept: 2, other: 3 } as const;

type ScriptReply = [number, string?, string?, string?, string?];

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
  asesStatusRelease(key: string, field: string, owner: string, refund: string): Promise<number>;
  asesStatusRetry(key: string, jobKey: string, ...args: (string | number)[]): Promise<ScriptReply>;
  asesStatusUnretry(key: string, jobKey: string, ...args: (string | number)[]): Promise<number>;
}

/**
 * The only code that knows how statuses are laid out in Redis (docs/decisions.md has the
 * measured layout). A message's record is one packed string (`record-codec.ts`):
 * - ids ases made carry their queue time, and their record is a field of the time bucket
 *   `<prefix>r:{<minute>.<shard>}` (a hash expiring `statusTtlDays` after that minute);
 * - ids the caller gave (`localMessageId`) are a string key `<prefix>u:{<id>}` with its own TTL;
 * - `<prefix>j:{<tag>}:<id>` keeps the job of a FAILED message for a retry (same hash tag);
 * - `<prefix>x:{<minute>.<shard>}` maps SES ids (8-character digests) to ids, by push minute;
 * - the sorted set `<prefix>failed` lists FAILED messages, written after the record's script.
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

  /** Records a QUEUED message, unless one with this id exists: then returns that one. */
  create(message: NewMessage): Promise<CreateResult> {
    const at = this.locate(message.id);
    const queuedAt = Date.parse(message.queuedAt);
    const record = encodeNewRecord(
      {
        ...message,
        queuedAt,
        fingerprint: at.base === 0 ? message.fingerprint : undefined,
      },
      at.base,
      this.detail,
    );
    const expireAt = (at.base === 0 ? queuedAt : startOfMinute(at.base) + MINUTE_MS) + this.ttlMs;
    return this.store(async () => {
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
      return to === undefined ? { outcome: 'found', id } : { outcome: 'found', id, to };
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
    const [code, before, tags] = await this.store(() =>
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
        pairs.length / 2,
        ...pairs,
      ),
    );
    if (code === REPLY.missing) {
      return { outcome: 'missing' };
    }
    const previous = statusOfCode(before);
    const applied = code === REPLY.done && update.status !== undefined;
    if (applied && update.status === MessageStatus.FAILED) {
      const failedAt = update.change?.failedAt ?? new Date().toISOString();
      await this.store(() => this.redis.zadd(this.failedKey(), 0, `${failedAt}|${id}`));
    }
    return {
      outcome: code === REPLY.done ? 'applied' : code === REPLY.other ? 'duplicate' : 'unchanged',
      previous,
      status: applied && update.status !== undefined ? update.status : previous,
      tags: decodeTags(tags ?? ''),
    };
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
}

/** The message id of a FAILED index member, `<failedAt>|<id>`. */
function idOfMember(member: string): string {
  return member.slice(member.indexOf('|') + 1);
}
