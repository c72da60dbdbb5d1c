import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { MessageRecord, StatusChange } from './message-record';
import { MessageStatus, statusesBefore, toMessageStatus } from './message-status';

/** A message as it is first recorded, before it is queued. */
export interface NewMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  tags?: Record<string, string>;
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

// Creates the hash only if it does not exist, so two requests with one id cannot both win.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

// Compare-and-set on the status: the ranking is decided by the caller (ARGV[2] lists the statuses
// the change may start from), the check and the write are atomic here.
const ADVANCE = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, ''} end
for allowed in string.gmatch(ARGV[2], '%S+') do
  if allowed == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], unpack(ARGV, 3))
    return {1, current}
  end
end
return {2, current}`;

// PUSHED also writes the SES-id index, in the same step, so feedback never sees one without the other.
const PUSH = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, ''} end
if current ~= 'QUEUED' then return {2, current} end
redis.call('HSET', KEYS[1], 'status', 'PUSHED', 'sesMessageId', ARGV[1], 'pushedAt', ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = tonumber(ARGV[3]) end
redis.call('SET', KEYS[2], ARGV[4], 'EX', ttl)
return {1, current}`;

// An open on an expired record is dropped: it must not recreate half a record.
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local count = redis.call('HINCRBY', KEYS[1], 'openCount', 1)
redis.call('HSETNX', KEYS[1], 'openFirstAt', ARGV[1])
redis.call('HSET', KEYS[1], 'openLastAt', ARGV[1])
return count`;

type ScriptReply = [number, string];

interface AsesCommands {
  asesCreate(key: string, ttl: number, ...fields: string[]): Promise<number>;
  asesAdvance(key: string, to: string, from: string, ...fields: string[]): Promise<ScriptReply>;
  asesPush(
    key: string,
    indexKey: string,
    sesMessageId: string,
    pushedAt: string,
    ttl: number,
    id: string,
  ): Promise<ScriptReply>;
  asesOpen(key: string, at: string): Promise<number>;
}

const JSON_FIELDS = ['tags', 'bounce', 'complaint', 'error'] as const;
const TEXT_FIELDS = [
  'sesMessageId',
  'pushedAt',
  'deliveredAt',
  'bouncedAt',
  'complainedAt',
  'failedAt',
] as const;

/**
 * The only code that knows how statuses are laid out in Redis:
 * `<prefix>msg:<id>` is a hash of the record, `<prefix>ses:<sesMessageId>` holds the id; both
 * carry the retention TTL from the moment they are written.
 */
@Injectable()
export class StatusRepository implements OnApplicationShutdown {
  private readonly redis: Redis & AsesCommands;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(@InjectAsesRedis() redis: Redis, @InjectAsesOptions() options: ResolvedAsesOptions) {
    redis.defineCommand('asesCreate', { numberOfKeys: 1, lua: CREATE });
    redis.defineCommand('asesAdvance', { numberOfKeys: 1, lua: ADVANCE });
    redis.defineCommand('asesPush', { numberOfKeys: 2, lua: PUSH });
    redis.defineCommand('asesOpen', { numberOfKeys: 1, lua: OPEN });
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
    const created = await this.redis.asesCreate(
      this.messageKey(message.id),
      this.ttlSeconds,
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
    await this.store(() => this.redis.del(this.messageKey(id)));
  }

  /** The record of a message, by ases id. */
  async find(id: string): Promise<MessageRecord | null> {
    return toRecord(await this.store(() => this.redis.hgetall(this.messageKey(id))));
  }

  /** The ases id SES's message id was recorded for, if any. */
  idForSesMessage(sesMessageId: string): Promise<string | null> {
    return this.store(() => this.redis.get(this.sesKey(sesMessageId)));
  }

  /** Records that SES accepted the message, and indexes its SES id. Only from QUEUED. */
  async markPushed(id: string, sesMessageId: string, pushedAt: string): Promise<ChangeResult> {
    const reply = await this.store(() =>
      this.redis.asesPush(
        this.messageKey(id),
        this.sesKey(sesMessageId),
        sesMessageId,
        pushedAt,
        this.ttlSeconds,
        id,
      ),
    );
    return toChangeResult(reply);
  }

  /** Moves a message to `to` with the change's fields, if the ranking allows it. */
  async advance(id: string, to: MessageStatus, change: StatusChange): Promise<ChangeResult> {
    const fields: string[] = [];
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
    const from = statusesBefore(to).join(' ');
    const reply = await this.store(() =>
      this.redis.asesAdvance(this.messageKey(id), to, from, ...fields),
    );
    return toChangeResult(reply);
  }

  /** Counts an open; returns the new count, or 0 when the record does not exist (expired). */
  recordOpen(id: string, at: string): Promise<number> {
    return this.store(() => this.redis.asesOpen(this.messageKey(id), at));
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
  private async store<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AsesException(
        AsesErrorCode.STORE_UNAVAILABLE,
        `the status store (Redis) did not answer: ${reason}`,
      );
    }
  }

  private messageKey(id: string): string {
    return `${this.prefix}msg:${id}`;
  }

  private sesKey(sesMessageId: string): string {
    return `${this.prefix}ses:${sesMessageId}`;
  }
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
  if (value === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

function toRecord(hash: Record<string, string>): MessageRecord | null {
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
  if (hash.openCount !== undefined) {
    record.opens = {
      count: Number(hash.openCount),
      firstAt: hash.openFirstAt ?? '',
      lastAt: hash.openLastAt ?? '',
    };
  }
  return record;
}
