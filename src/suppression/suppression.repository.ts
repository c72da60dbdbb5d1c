import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { inStore, storeUnavailable } from '../core/redis-store';
import { SUPPRESSION_SOURCES, SuppressionEntry, SuppressionSource } from './suppression-entry';

/** Outcome of an add: whether the key was new, and the entry now stored. */
export interface AddResult {
  created: boolean;
  entry: SuppressionEntry;
}

/** Outcome of counting a soft bounce. */
export type SoftBounceResult =
  | { outcome: 'already-suppressed' }
  | { outcome: 'counted'; count: number }
  | { outcome: 'suppressed'; entry: SuppressionEntry };

/** One page of keys in index order, with their entries. */
export interface SuppressionKeyPage {
  entries: SuppressionEntry[];
  /** The last key of the page when more follow (the cursor of the next page), else null. */
  lastKey: string | null;
}

// KEYS: entry, index, soft counter. ARGV: overwrite ('1' or '0'), key, then the entry's fields.
// An existing entry is kept as it is (its `since` with it) unless overwrite is asked for; then it
// is replaced whole, so no field of the old one (a messageId) survives.
const ADD = `
local existed = redis.call('EXISTS', KEYS[1]) == 1
if not existed or ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[3])
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return {existed and 0 or 1, redis.call('HGETALL', KEYS[1])}`;

// KEYS: entry, index, soft counter. ARGV: key. Returns the removed entry (empty when none).
const REMOVE = `
local entry = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return entry`;

// KEYS: entry, index, soft counter. ARGV: key, bounce time (ms), bounce id, exclusive start of
// the window ('(<ms>'), window (ms), count that suppresses, then the fields of the entry to add.
// ZADD NX: a bounce notification delivered twice (SQS is at-least-once) counts once.
const SOFT_BOUNCE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
local count = redis.call('ZCARD', KEYS[3])
if count < tonumber(ARGV[6]) then
  if count > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
  return {1, count}
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return {2, count}`;

interface SuppressionCommands {
  asesSupAdd(
    entryKey: string,
    indexKey: string,
    softKey: string,
    overwrite: '0' | '1',
    key: string,
    ...fields: string[]
  ): Promise<[number, string[]]>;
  asesSupRemove(
    entryKey: string,
    indexKey: string,
    softKey: string,
    key: string,
  ): Promise<string[]>;
  asesSupSoftBounce(
    entryKey: string,
    indexKey: string,
    softKey: string,
    key: string,
    atMs: number,
    bounceId: string,
    windowStart: string,
    windowMs: number,
    count: number,
    ...fields: string[]
  ): Promise<[number, number]>;
}

/**
 * The only code that knows how the suppression list is laid out in Redis:
 * - `<prefix>sup:<key>`: hash {email, reason, since, messageId?, source}, without TTL (an entry
 *   outlives the records of the messages that caused it);
 * - `<prefix>sup:index`: sorted set of every key, all scored 0, paged in lexical order;
 * - `<prefix>sup:soft:<key>`: sorted set of recent soft bounces (score = time in ms, member = the
 *   message id), expiring one window after the last bounce.
 * Keys always contain `@` and never `:` (see `suppressionKeyOf`), so they cannot collide with
 * `index` or `soft:...`. Every write is one Lua script, so the hash and the index never disagree.
 */
/** What a Redis failure here is reported as. */
const WHAT = 'the suppression list';

@Injectable()
export class SuppressionRepository {
  private readonly redis: Redis & SuppressionCommands;
  private readonly prefix: string;

  constructor(@InjectAsesRedis() redis: Redis, @InjectAsesOptions() options: ResolvedAsesOptions) {
    redis.defineCommand('asesSupAdd', { numberOfKeys: 3, lua: ADD });
    redis.defineCommand('asesSupRemove', { numberOfKeys: 3, lua: REMOVE });
    redis.defineCommand('asesSupSoftBounce', { numberOfKeys: 3, lua: SOFT_BOUNCE });
    this.redis = redis as Redis & SuppressionCommands;
    this.prefix = `${options.redis.keyPrefix}sup:`;
  }

  /** The entry stored under `key`, or null. */
  async find(key: string): Promise<SuppressionEntry | null> {
    return toEntry(await this.store(() => this.redis.hgetall(this.entryKey(key))));
  }

  /**
   * Stores `entry` under `key` unless an entry is there already: then keeps that one, or replaces
   * it when `overwrite` is set. Clears the key's soft-bounce counter when it writes.
   */
  async add(key: string, entry: SuppressionEntry, overwrite: boolean): Promise<AddResult> {
    const [created, hash] = await this.store(() =>
      this.redis.asesSupAdd(
        this.entryKey(key),
        this.indexKey(),
        this.softKey(key),
        overwrite ? '1' : '0',
        key,
        ...fieldsOf(entry),
      ),
    );
    return { created: created === 1, entry: toEntry(pairsToHash(hash)) ?? entry };
  }

  /** Removes the entry under `key` and its soft-bounce counter; returns the entry, or null. */
  async remove(key: string): Promise<SuppressionEntry | null> {
    const hash = await this.store(() =>
      this.redis.asesSupRemove(this.entryKey(key), this.indexKey(), this.softKey(key), key),
    );
    return toEntry(pairsToHash(hash));
  }

  /**
   * Counts a soft bounce of `key` at `atMs`, identified by `bounceId`, among those since
   * `windowStartMs` (older ones are dropped); when `count` are reached, stores `entry` in the
   * same step and clears the counter. Nothing is counted for a key already suppressed.
   */
  async recordSoftBounce(
    key: string,
    atMs: number,
    bounceId: string,
    rule: { count: number; windowMs: number; nowMs: number },
    entry: SuppressionEntry,
  ): Promise<SoftBounceResult> {
    const [outcome, count] = await this.store(() =>
      this.redis.asesSupSoftBounce(
        this.entryKey(key),
        this.indexKey(),
        this.softKey(key),
        key,
        atMs,
        bounceId,
        `(${rule.nowMs - rule.windowMs}`,
        rule.windowMs,
        rule.count,
        ...fieldsOf(entry),
      ),
    );
    if (outcome === 0) {
      return { outcome: 'already-suppressed' };
    }
    return outcome === 1 ? { outcome: 'counted', count } : { outcome: 'suppressed', entry };
  }

  /** Up to `limit` entries in key order, starting after `afterKey` (exclusive), or from the start. */
  async page(afterKey: string | null, limit: number): Promise<SuppressionKeyPage> {
    const min = afterKey === null ? '-' : `(${afterKey}`;
    // One more than asked tells whether another page follows, without an empty last page.
    const keys = await this.store(() =>
      this.redis.zrangebylex(this.indexKey(), min, '+', 'LIMIT', 0, limit + 1),
    );
    const pageKeys = keys.slice(0, limit);
    if (pageKeys.length === 0) {
      return { entries: [], lastKey: null };
    }
    const replies = await this.store(async () => {
      const pipeline = this.redis.pipeline();
      for (const key of pageKeys) {
        pipeline.hgetall(this.entryKey(key));
      }
      return (await pipeline.exec()) ?? [];
    });
    const entries: SuppressionEntry[] = [];
    for (const [error, hash] of replies) {
      if (error) {
        throw storeUnavailable(WHAT, error);
      }
      // An entry removed between the two reads is skipped; the paging goes on by key.
      const entry = toEntry(hash as Record<string, string>);
      if (entry) {
        entries.push(entry);
      }
    }
    return { entries, lastKey: keys.length > limit ? pageKeys[pageKeys.length - 1] : null };
  }

  /** Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE, so callers never see ioredis errors. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore(WHAT, work);
  }

  private entryKey(key: string): string {
    return `${this.prefix}${key}`;
  }

  private indexKey(): string {
    return `${this.prefix}index`;
  }

  private softKey(key: string): string {
    return `${this.prefix}soft:${key}`;
  }
}

function fieldsOf(entry: SuppressionEntry): string[] {
  const fields = ['email', entry.email, 'reason', entry.reason, 'since', entry.since];
  fields.push('source', entry.source);
  if (entry.messageId !== undefined) {
    fields.push('messageId', entry.messageId);
  }
  return fields;
}

function pairsToHash(pairs: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    hash[pairs[i]] = pairs[i + 1];
  }
  return hash;
}

function isSource(value: string | undefined): value is SuppressionSource {
  return SUPPRESSION_SOURCES.includes(value as SuppressionSource);
}

function toEntry(hash: Record<string, string>): SuppressionEntry | null {
  if (hash.email === undefined || hash.since === undefined) {
    return null;
  }
  const entry: SuppressionEntry = {
    email: hash.email,
    reason: hash.reason ?? '',
    since: hash.since,
    // Written only by this class; an unknown value would be a hand edit, shown as manual.
    source: isSource(hash.source) ? hash.source : 'manual',
  };
  if (hash.messageId !== undefined) {
    entry.messageId = hash.messageId;
  }
  return entry;
}
