import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { inStore } from '../core/redis-store';
import { HIT_CLASSES } from '../tracking/hit-classifier';
import {
  ClickCounter,
  HitClass,
  LinkClicks,
  MessageRecord,
  StatusChange,
  TimelineEvent,
  TrackingCounter,
  TrackingSource,
  TrackSettings,
} from './message-record';
import { MessageStatus, statusesBefore, toMessageStatus } from './message-status';

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

/** How many timeline entries a message keeps (the latest ones). */
export const TIMELINE_LENGTH = 50;

// Creates the hash only if it does not exist, so two requests with one id cannot both win.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1`;

// PUSHED also writes the SES-id index, in the same step, so feedback never sees one without the
// other, and ends the send lease.
const PUSH = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, ''} end
if current ~= 'QUEUED' then return {2, current} end
redis.call('HSET', KEYS[1], 'status', 'PUSHED', 'sesMessageId', ARGV[1], 'pushedAt', ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = tonumber(ARGV[3]) end
redis.call('SET', KEYS[2], ARGV[4], 'EX', ttl)
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[6]), -1)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('DEL', KEYS[4])
return {1, current}`;

// One atomic step per event: dedupe, status compare-and-set (the caller lists the statuses the
// change may start from), open/click counters, the timeline entry, and the dedupe marks. An event
// for a missing (expired) record writes nothing: it must not recreate half a record.
// A message that becomes FAILED is indexed (lex order of "<failedAt>|<id>") for the FAILED listing.
// Opens and clicks count per kind, source and class; a click also counts for its link (by URL) in
// the links hash, whose fields are "c|<url>" (count), "h|<url>" (human), "f|<url>", "l|<url>".
// KEYS: message hash, timeline list, seen set, FAILED index, links hash.
// ARGV: ttl fallback, timeline length, event JSON, to, from, tracking kind, tracking source,
// tracking time, tracking class, clicked URL, number of dedupe keys n, n dedupe keys, then
// field/value pairs.
const APPLY = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, '', ''} end
local tags = redis.call('HGET', KEYS[1], 'tags') or ''
local n = tonumber(ARGV[11])
for i = 12, 11 + n do
  if redis.call('SISMEMBER', KEYS[3], ARGV[i]) == 1 then return {3, current, tags} end
end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = tonumber(ARGV[1]) end
local code = 1
if ARGV[4] ~= '' then
  code = 2
  for allowed in string.gmatch(ARGV[5], '%S+') do
    if allowed == current then
      redis.call('HSET', KEYS[1], 'status', ARGV[4])
      if #ARGV >= 12 + n then redis.call('HSET', KEYS[1], unpack(ARGV, 12 + n)) end
      if ARGV[4] == 'FAILED' then
        local member = (redis.call('HGET', KEYS[1], 'failedAt') or '') .. '|' .. redis.call('HGET', KEYS[1], 'id')
        redis.call('ZADD', KEYS[4], 0, member)
        redis.call('HSET', KEYS[1], 'failedIndex', member)
      end
      code = 1
      break
    end
  end
end
local function earliest(key, field, at)
  local seen = redis.call('HGET', key, field)
  if not seen or at < seen then redis.call('HSET', key, field, at) end
end
local function latest(key, field, at)
  local seen = redis.call('HGET', key, field)
  if not seen or at > seen then redis.call('HSET', key, field, at) end
end
if ARGV[6] ~= '' then
  local kind, at, class, url = ARGV[6], ARGV[8], ARGV[9], ARGV[10]
  redis.call('HINCRBY', KEYS[1], kind .. 'Count', 1)
  redis.call('HINCRBY', KEYS[1], kind .. ':' .. ARGV[7], 1)
  redis.call('HINCRBY', KEYS[1], kind .. ':' .. class, 1)
  earliest(KEYS[1], kind .. 'FirstAt', at)
  latest(KEYS[1], kind .. 'LastAt', at)
  if class == 'human' then earliest(KEYS[1], kind .. 'FirstHumanAt', at) end
  if url ~= '' then
    if redis.call('HINCRBY', KEYS[5], 'c|' .. url, 1) == 1 then
      redis.call('HINCRBY', KEYS[1], kind .. 'Links', 1)
    end
    if class == 'human' then redis.call('HINCRBY', KEYS[5], 'h|' .. url, 1) end
    earliest(KEYS[5], 'f|' .. url, at)
    latest(KEYS[5], 'l|' .. url, at)
    redis.call('EXPIRE', KEYS[5], ttl)
  end
end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[2], ttl)
if n > 0 then
  redis.call('SADD', KEYS[3], unpack(ARGV, 12, 11 + n))
  redis.call('EXPIRE', KEYS[3], ttl)
end
return {code, current, tags}`;

// Takes the send lease of a QUEUED message and counts the attempt. A live lease means another
// receive of the same job is sending it right now: leave it alone.
// KEYS: message hash, lease. ARGV: owner, lease ms.
const CLAIM = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, '', ''} end
if current ~= 'QUEUED' then return {2, current, ''} end
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return {3, tostring(left), ''} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return {1, tostring(attempts), redis.call('HGET', KEYS[1], 'tags') or ''}`;

// Gives the lease back (only the owner's), and with ARGV[2] = '1' the attempt too: the message
// was not sent (sending paused, or shutdown).
const RELEASE = `
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if ARGV[2] == '1' and redis.call('HGET', KEYS[1], 'status') == 'QUEUED' then
  redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
return 1`;

// FAILED -> QUEUED for a retry: only with the kept job, which it hands back (and forgets).
// KEYS: message hash, timeline, kept job, FAILED index. ARGV: event JSON, timeline length, ttl.
const RETRY = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, '', '', '', ''} end
if current ~= 'FAILED' then return {2, current, '', '', ''} end
local job = redis.call('GET', KEYS[3])
if not job then return {3, current, '', '', ''} end
local member = redis.call('HGET', KEYS[1], 'failedIndex') or ''
if member ~= '' then redis.call('ZREM', KEYS[4], member) end
local err = redis.call('HGET', KEYS[1], 'error') or ''
local failedAt = redis.call('HGET', KEYS[1], 'failedAt') or ''
redis.call('HSET', KEYS[1], 'status', 'QUEUED', 'attempts', 0)
redis.call('HDEL', KEYS[1], 'failedAt', 'error', 'failedIndex')
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = tonumber(ARGV[3]) end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('DEL', KEYS[3])
return {1, job, err, failedAt, member, redis.call('HGET', KEYS[1], 'tags') or ''}`;

// Undoes RETRY when the queue did not take the job: FAILED again, as it was.
// KEYS: message hash, kept job, FAILED index. ARGV: job, error, failedAt, member, ttl.
const UNRETRY = `
if redis.call('HGET', KEYS[1], 'status') ~= 'QUEUED' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'FAILED', 'error', ARGV[2], 'failedAt', ARGV[3], 'failedIndex', ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[5])
return 1`;

type ScriptReply = [number, string];

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

interface AsesCommands {
  asesCreate(
    key: string,
    eventsKey: string,
    ttl: number,
    event: string,
    ...fields: string[]
  ): Promise<number>;
  asesPush(
    key: string,
    indexKey: string,
    eventsKey: string,
    leaseKey: string,
    sesMessageId: string,
    pushedAt: string,
    ttl: number,
    id: string,
    event: string,
    timelineLength: number,
  ): Promise<ScriptReply>;
  asesApply(
    key: string,
    eventsKey: string,
    seenKey: string,
    failedKey: string,
    linksKey: string,
    ...args: (string | number)[]
  ): Promise<[number, string, string]>;
  asesClaim(key: string, leaseKey: string, owner: string, leaseMs: number): Promise<string[]>;
  asesRelease(key: string, leaseKey: string, owner: string, refund: string): Promise<number>;
  asesRetry(
    key: string,
    eventsKey: string,
    jobKey: string,
    failedKey: string,
    event: string,
    timelineLength: number,
    ttl: number,
  ): Promise<[number, string, string, string, string, string?]>;
  asesUnretry(
    key: string,
    jobKey: string,
    failedKey: string,
    job: string,
    error: string,
    failedAt: string,
    member: string,
    ttl: number,
  ): Promise<number>;
}

const JSON_FIELDS = ['tags', 'track', 'delay', 'bounce', 'complaint', 'error'] as const;
const TEXT_FIELDS = [
  'sesMessageId',
  'pushedAt',
  'delayedAt',
  'deliveredAt',
  'bouncedAt',
  'complainedAt',
  'failedAt',
  'suppressedAt',
] as const;
const TRACKING_SOURCES: readonly TrackingSource[] = ['ases', 'ses'];

/**
 * The only code that knows how statuses are laid out in Redis: `<prefix>msg:<id>` is a hash of
 * the record, `<prefix>ev:<id>` its timeline (a list of JSON entries, the latest
 * {@link TIMELINE_LENGTH}), `<prefix>seen:<id>` the dedupe keys of the feedback applied to it,
 * and `<prefix>ses:<sesMessageId>` holds the id. `<prefix>lease:<id>` is the send lease of a
 * message being sent, `<prefix>job:<id>` the kept job of a FAILED one (for a retry),
 * `<prefix>lnk:<id>` the clicks per link, and the sorted set `<prefix>failed` indexes FAILED
 * messages. All but the index carry the record's retention TTL.
 */
@Injectable()
export class StatusRepository implements OnApplicationShutdown {
  private readonly redis: Redis & AsesCommands;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(@InjectAsesRedis() redis: Redis, @InjectAsesOptions() options: ResolvedAsesOptions) {
    redis.defineCommand('asesCreate', { numberOfKeys: 2, lua: CREATE });
    redis.defineCommand('asesPush', { numberOfKeys: 4, lua: PUSH });
    redis.defineCommand('asesApply', { numberOfKeys: 5, lua: APPLY });
    redis.defineCommand('asesClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('asesRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('asesRetry', { numberOfKeys: 4, lua: RETRY });
    redis.defineCommand('asesUnretry', { numberOfKeys: 3, lua: UNRETRY });
    this.redis = redis as Redis & AsesCommands;
    this.prefix = options.redis.keyPrefix;
    this.ttlSeconds = options.statusTtlSeconds;
  }

  /** Records a QUEUED message, unless one with this id exists: then returns that one. */
  create(message: NewMessage): Promise<CreateResult> {
    return this.store(() => this.createOrGet(message));
  }

  private async createOrGet(message: NewMessage): Promise<CreateResult> {
    const fields = [
      ...['id', message.id, 'status', MessageStatus.QUEUED, 'from', message.from, 'to', message.to],
      ...['subject', message.subject, 'queuedAt', message.queuedAt],
      ...['fingerprint', message.fingerprint],
    ];
    if (message.tags && Object.keys(message.tags).length > 0) {
      fields.push('tags', JSON.stringify(message.tags));
    }
    if (message.track) {
      fields.push('track', JSON.stringify(message.track));
    }
    const event: TimelineEvent = {
      type: 'queued',
      at: message.queuedAt,
      recipient: message.to,
      source: 'ases',
    };
    const created = await this.redis.asesCreate(
      this.messageKey(message.id),
      this.eventsKey(message.id),
      this.ttlSeconds,
      JSON.stringify(event),
      ...fields,
    );
    if (created === 1) {
      return { created: true };
    }
    const hash = await this.redis.hgetall(this.messageKey(message.id));
    const existing = toRecord(hash);
    // The record can expire between the two calls; then this request may create it after all.
    return existing
      ? { created: false, existing, fingerprint: hash.fingerprint }
      : this.createOrGet(message);
  }

  /** Forgets a message that could not be queued, so the caller may try again with the same id. */
  async remove(id: string): Promise<void> {
    await this.store(() => this.redis.del(this.messageKey(id), this.eventsKey(id)));
  }

  /**
   * The record of a message, by ases id, with its timeline; `events: false` leaves the timeline
   * out, for the send path, which reads only the status.
   */
  async find(id: string, { events = true } = {}): Promise<MessageRecord | null> {
    if (!events) {
      return toRecord(await this.store(() => this.redis.hgetall(this.messageKey(id))));
    }
    const [hash, timeline, links] = await this.store(async () => {
      const replies = await this.redis
        .multi()
        .hgetall(this.messageKey(id))
        .lrange(this.eventsKey(id), 0, -1)
        .hgetall(this.linksKey(id))
        .exec();
      const [hashReply, eventsReply, linksReply] = replies ?? [];
      const failed = [hashReply, eventsReply, linksReply].find((reply) => !reply || reply[0]);
      if (failed !== undefined || !hashReply || !eventsReply || !linksReply) {
        throw failed?.[0] ?? new Error('transaction aborted');
      }
      return [
        hashReply[1] as Record<string, string>,
        eventsReply[1] as string[],
        linksReply[1] as Record<string, string>,
      ] as const;
    });
    return toRecord(hash, timeline, links);
  }

  /** When a message was pushed and delivered (empty for a missing record). */
  async sendTimes(id: string): Promise<SendTimes> {
    const [pushedAt, deliveredAt] = await this.store(() =>
      this.redis.hmget(this.messageKey(id), 'pushedAt', 'deliveredAt'),
    );
    return {
      ...(pushedAt === null ? {} : { pushedAt }),
      ...(deliveredAt === null ? {} : { deliveredAt }),
    };
  }

  /** The recipient of a message, or null when there is no record (never, or expired). */
  recipientOf(id: string): Promise<string | null> {
    return this.store(() => this.redis.hget(this.messageKey(id), 'to'));
  }

  /** The ases id SES's message id was recorded for, if any. */
  idForSesMessage(sesMessageId: string): Promise<string | null> {
    return this.store(() => this.redis.get(this.sesKey(sesMessageId)));
  }

  /** Records that SES accepted the message, and indexes its SES id. Only from QUEUED. */
  async markPushed(id: string, sesMessageId: string, pushedAt: string): Promise<ChangeResult> {
    const event: TimelineEvent = {
      type: 'pushed',
      at: pushedAt,
      detail: sesMessageId,
      source: 'ases',
    };
    const reply = await this.store(() =>
      this.redis.asesPush(
        this.messageKey(id),
        this.sesKey(sesMessageId),
        this.eventsKey(id),
        this.leaseKey(id),
        sesMessageId,
        pushedAt,
        this.ttlSeconds,
        id,
        JSON.stringify(event),
        TIMELINE_LENGTH,
      ),
    );
    return toChangeResult(reply);
  }

  /**
   * Applies one event to a message in one atomic step: skips it when the message has seen one of
   * its dedupe keys, moves the status if the ranking allows, counts an open or click, appends the
   * timeline entry and remembers the dedupe keys. Writes nothing for a missing (expired) record.
   */
  async apply(id: string, update: MessageUpdate): Promise<UpdateResult> {
    const fields: string[] = [];
    const change = update.change ?? {};
    for (const name of TEXT_FIELDS) {
      const value = change[name as keyof StatusChange];
      if (typeof value === 'string') {
        fields.push(name, value);
      }
    }
    for (const name of JSON_FIELDS) {
      const value = change[name as keyof StatusChange];
      if (value !== undefined) {
        fields.push(name, JSON.stringify(value));
      }
    }
    const dedupeKeys = update.dedupeKeys ?? [];
    const [code, before, tags] = await this.store(() =>
      this.redis.asesApply(
        this.messageKey(id),
        this.eventsKey(id),
        this.seenKey(id),
        this.failedKey(),
        this.linksKey(id),
        this.ttlSeconds,
        TIMELINE_LENGTH,
        JSON.stringify(clipped(update.event)),
        update.status ?? '',
        update.status === undefined ? '' : statusesBefore(update.status).join(' '),
        update.tracking?.kind ?? '',
        update.tracking?.source ?? '',
        update.tracking?.at ?? '',
        update.tracking?.class ?? '',
        update.tracking?.url ?? '',
        dedupeKeys.length,
        ...dedupeKeys,
        ...fields,
      ),
    );
    if (code === 0) {
      return { outcome: 'missing' };
    }
    const previous = toMessageStatus(before);
    return {
      outcome: code === 1 ? 'applied' : code === 3 ? 'duplicate' : 'unchanged',
      previous,
      status: code === 1 && update.status !== undefined ? update.status : previous,
      tags: parseJson<Record<string, string>>(tags) ?? {},
    };
  }

  /** Moves a message to `to` with the change's fields, if the ranking allows it. */
  async advance(
    id: string,
    to: MessageStatus,
    change: StatusChange,
    event: TimelineEvent,
  ): Promise<UpdateResult> {
    return this.apply(id, { status: to, change, event });
  }

  /**
   * Claims a QUEUED message for one send attempt: takes its lease for `leaseMs` (a live lease of
   * another owner means another receive is sending it) and counts the attempt.
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const [code, value, tags] = await this.store(() =>
      this.redis.asesClaim(this.messageKey(id), this.leaseKey(id), owner, leaseMs),
    );
    switch (Number(code)) {
      case 0:
        return { outcome: 'missing' };
      case 2:
        return { outcome: 'done', status: toMessageStatus(value) };
      case 3:
        return { outcome: 'busy', leaseLeftMs: Number(value) };
      default:
        return {
          outcome: 'claimed',
          attempts: Number(value),
          tags: parseJson<Record<string, string>>(tags) ?? {},
        };
    }
  }

  /** Gives up the lease of a claim that did not end in PUSHED; `refund` uncounts the attempt. */
  async release(id: string, owner: string, refund: boolean): Promise<void> {
    await this.store(() =>
      this.redis.asesRelease(this.messageKey(id), this.leaseKey(id), owner, refund ? '1' : '0'),
    );
  }

  /** Keeps the job of a message about to be recorded FAILED, so that it can be retried. */
  async keepJob(id: string, job: string): Promise<void> {
    await this.store(() => this.redis.set(this.jobKey(id), job, 'EX', this.ttlSeconds));
  }

  /**
   * Moves a FAILED message back to QUEUED, with its attempts reset, and hands back its kept job
   * for the caller to enqueue; `undo` restores FAILED when the queue does not take it.
   */
  async retry(id: string, event: TimelineEvent): Promise<RetryResult> {
    const [code, value, error, failedAt, member, tags] = await this.store(() =>
      this.redis.asesRetry(
        this.messageKey(id),
        this.eventsKey(id),
        this.jobKey(id),
        this.failedKey(),
        JSON.stringify(event),
        TIMELINE_LENGTH,
        this.ttlSeconds,
      ),
    );
    switch (code) {
      case 0:
        return { outcome: 'missing' };
      case 2:
        return { outcome: 'not-failed', status: toMessageStatus(value) };
      case 3:
        return { outcome: 'no-content' };
      default:
        return {
          outcome: 'queued',
          job: value,
          tags: parseJson<Record<string, string>>(tags) ?? {},
          undo: async () => {
            await this.store(() =>
              this.redis.asesUnretry(
                this.messageKey(id),
                this.jobKey(id),
                this.failedKey(),
                value,
                error,
                failedAt,
                member,
                this.ttlSeconds,
              ),
            );
          },
        };
    }
  }

  /**
   * FAILED messages, newest first, `limit` to a page. Index entries past the retention, or of
   * messages no longer FAILED (a later event moved them on), are dropped as they are met.
   */
  async failedPage(cursor: string | undefined, limit: number): Promise<FailedPage> {
    return this.store(async () => {
      const cutoff = new Date(Date.now() - this.ttlSeconds * 1000).toISOString();
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
        const pipeline = this.redis.pipeline();
        members.forEach((member) => pipeline.hgetall(this.messageKey(idOfMember(member))));
        const replies = members.length > 0 ? ((await pipeline.exec()) ?? []) : [];
        const stale: string[] = [];
        members.forEach((member, index) => {
          const [error, hash] = replies[index] ?? [];
          const record = error ? null : toRecord(hash as Record<string, string>);
          if (record?.status === MessageStatus.FAILED) {
            messages.push(record);
          } else if (!error) {
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

  /** Throws when Redis does not answer. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Closes ases's Redis connection (AsesModule creates it; this class is its only user). */
  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else if (this.redis.status !== 'end') {
      // Not connected (Redis down): quit would wait in the offline queue; stop reconnecting.
      this.redis.disconnect();
    }
  }

  /** Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE, so callers never see ioredis errors. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore('the status store', work);
  }

  private messageKey(id: string): string {
    return `${this.prefix}msg:${id}`;
  }

  private eventsKey(id: string): string {
    return `${this.prefix}ev:${id}`;
  }

  private seenKey(id: string): string {
    return `${this.prefix}seen:${id}`;
  }

  private sesKey(sesMessageId: string): string {
    return `${this.prefix}ses:${sesMessageId}`;
  }

  private leaseKey(id: string): string {
    return `${this.prefix}lease:${id}`;
  }

  private jobKey(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  private linksKey(id: string): string {
    return `${this.prefix}lnk:${id}`;
  }

  private failedKey(): string {
    return `${this.prefix}failed`;
  }
}

/** The message id of a FAILED index member, `<failedAt>|<id>`. */
function idOfMember(member: string): string {
  return member.slice(member.indexOf('|') + 1);
}

/** Longest `detail` a timeline entry keeps: a line to read, not a copy of the SMTP conversation. */
const MAX_DETAIL_LENGTH = 200;

function clipped(event: TimelineEvent): TimelineEvent {
  return event.detail !== undefined && event.detail.length > MAX_DETAIL_LENGTH
    ? { ...event, detail: `${event.detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` }
    : event;
}

function toChangeResult([code, status]: ScriptReply): ChangeResult {
  if (code === 0) {
    return { outcome: 'missing' };
  }
  return code === 1
    ? { outcome: 'applied', previous: toMessageStatus(status) }
    : { outcome: 'unchanged', current: toMessageStatus(status) };
}

function parseJson<T>(value: string | undefined): T | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

function countsOf<K extends string>(
  hash: Record<string, string>,
  kind: 'open' | 'click',
  names: readonly K[],
): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const name of names) {
    const value = hash[`${kind}:${name}`];
    if (value !== undefined) {
      counts[name] = Number(value);
    }
  }
  return counts;
}

function toCounter(
  hash: Record<string, string>,
  kind: 'open' | 'click',
): TrackingCounter | undefined {
  const count = hash[`${kind}Count`];
  if (count === undefined) {
    return undefined;
  }
  const bySource = countsOf(hash, kind, TRACKING_SOURCES);
  // Records from before counts per source were kept: their opens all came from the pixel.
  if (Object.keys(bySource).length === 0) {
    bySource.ases = Number(count);
  }
  const counter: TrackingCounter = {
    count: Number(count),
    humanCount: Number(hash[`${kind}:human`] ?? 0),
    firstAt: hash[`${kind}FirstAt`] ?? '',
    lastAt: hash[`${kind}LastAt`] ?? '',
    bySource,
    byClass: countsOf(hash, kind, HIT_CLASSES),
  };
  const firstHumanAt = hash[`${kind}FirstHumanAt`];
  if (firstHumanAt !== undefined) {
    counter.firstHumanAt = firstHumanAt;
  }
  return counter;
}

/** The links of a links hash ("c|<url>", "h|<url>", "f|<url>", "l|<url>"), most clicked first. */
function toLinks(hash: Record<string, string>): LinkClicks[] {
  const links: LinkClicks[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('c|')) {
      const url = field.slice(2);
      links.push({
        url,
        count: Number(value),
        humanCount: Number(hash[`h|${url}`] ?? 0),
        firstAt: hash[`f|${url}`] ?? '',
        lastAt: hash[`l|${url}`] ?? '',
      });
    }
  }
  return links.sort((a, b) => b.count - a.count || a.firstAt.localeCompare(b.firstAt));
}

/**
 * The record a hash holds, with the timeline when `events` (its JSON entries) was read and the
 * clicked links when their hash was.
 */
function toRecord(
  hash: Record<string, string>,
  events?: string[],
  links?: Record<string, string>,
): MessageRecord | null {
  if (hash.id === undefined || hash.status === undefined) {
    return null;
  }
  const record: MessageRecord = {
    id: hash.id,
    status: toMessageStatus(hash.status),
    from: hash.from ?? '',
    to: hash.to ?? '',
    subject: hash.subject ?? '',
    queuedAt: hash.queuedAt ?? '',
  };
  if (hash.attempts !== undefined) {
    record.attempts = Number(hash.attempts);
  }
  for (const name of TEXT_FIELDS) {
    if (hash[name] !== undefined) {
      record[name] = hash[name];
    }
  }
  for (const name of JSON_FIELDS) {
    const value = parseJson<unknown>(hash[name]);
    if (value !== undefined) {
      (record as unknown as Record<string, unknown>)[name] = value;
    }
  }
  const opens = toCounter(hash, 'open');
  if (opens) {
    record.opens = opens;
  }
  const clicks = toCounter(hash, 'click');
  if (clicks) {
    const counter: ClickCounter = { ...clicks, uniqueLinks: Number(hash.clickLinks ?? 0) };
    if (links) {
      counter.links = toLinks(links);
    }
    record.clicks = counter;
  }
  if (events) {
    record.events = events
      .map((entry) => parseJson<TimelineEvent>(entry))
      .filter((entry): entry is TimelineEvent => entry !== undefined);
  }
  return record;
}
