import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
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

/** `suppression-add-2.lua`: the entry was stored by this call. */
const ADD_CREATED = 1;
/** `suppression-soft-bounce-2.lua`: the address was suppressed already; nothing counted. */
const SOFT_ALREADY_SUPPRESSED = 0;
/** `suppression-soft-bounce-2.lua`: the bounce was counted, below the count that suppresses. */
const SOFT_COUNTED = 1;
/** `suppression-soft-bounce-2.lua`: the count was reached and the entry stored. */
const SOFT_SUPPRESSED = 2;

/** The scripts of `./lua`, as `defineScripts` names them; argument order as in each file's header. */
interface SuppressionCommands {
  asesSuppressionAdd(
    entryKey: string,
    softKey: string,
    overwrite: '0' | '1',
    ...fields: string[]
  ): Promise<[number, string[]]>;
  asesSuppressionRemove(entryKey: string, softKey: string): Promise<string[]>;
  asesSuppressionSoftBounce(
    entryKey: string,
    softKey: string,
    atMs: number,
    bounceId: string,
    windowStart: string,
    windowMs: number,
    count: number,
    ...fields: string[]
  ): Promise<[number, number]>;
}

/** What a Redis failure here is reported as. */
const WHAT = 'the suppression list';

/**
 * The only code that knows how the suppression list is laid out in Redis:
 * - `<prefix>sup:{<tag>}`: hash {email, reason, since, messageId?, source}, without TTL (an entry
 *   outlives the records of the messages that caused it);
 * - `<prefix>sup:{<tag>}:soft`: sorted set of recent soft bounces (score = time in ms, member =
 *   the message id), expiring one window after the last bounce;
 * - `<prefix>sup:index`: sorted set of every key, all scored 0, paged in lexical order.
 *
 * `<tag>` is the key (see `suppressionKeyOf`) with `%`, `{` and `}` percent-encoded, so it is a
 * non-empty hash tag that cannot end early: an address's two keys are in one cluster slot, and
 * each per-address script stays atomic there. The index is global (one slot), so it is written as
 * its own single-key step after each script, never inside one: an add (or a soft bounce that
 * suppresses) writes the entry then adds the key to the index; a remove deletes the entry then
 * takes the key out of the index. The index may therefore, for a moment or after a crash, hold a
 * key whose entry is gone (paging skips it); an entry missing from the index is only possible if
 * the process dies between the two steps of an add, and the retry of that add repairs it (every
 * add, even of an address already there, adds the key to the index).
 */
@Injectable()
export class SuppressionRepository {
  private readonly redis: AsesRedis & SuppressionCommands;
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & SuppressionCommands;
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
    const [code, hash] = await this.store(() =>
      this.redis.asesSuppressionAdd(
        this.entryKey(key),
        this.softKey(key),
        overwrite ? '1' : '0',
        ...fieldsOf(entry),
      ),
    );
    await this.index(key);
    return { created: code === ADD_CREATED, entry: toEntry(pairsToHash(hash)) ?? entry };
  }

  /** Removes the entry under `key` and its soft-bounce counter; returns the entry, or null. */
  async remove(key: string): Promise<SuppressionEntry | null> {
    const hash = await this.store(() =>
      this.redis.asesSuppressionRemove(this.entryKey(key), this.softKey(key)),
    );
    await this.store(async () => {
      await this.redis.zrem(this.indexKey(), key);
      // An add of the same key may have run between the two steps and indexed it before the ZREM:
      // index it again, so that an entry is never left out of the listing.
      if ((await this.redis.exists(this.entryKey(key))) === 1) {
        await this.redis.zadd(this.indexKey(), 0, key);
      }
    });
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
    const [code, count] = await this.store(() =>
      this.redis.asesSuppressionSoftBounce(
        this.entryKey(key),
        this.softKey(key),
        atMs,
        bounceId,
        `(${rule.nowMs - rule.windowMs}`,
        rule.windowMs,
        rule.count,
        ...fieldsOf(entry),
      ),
    );
    switch (code) {
      case SOFT_COUNTED:
        return { outcome: 'counted', count };
      case SOFT_SUPPRESSED:
        await this.index(key);
        return { outcome: 'suppressed', entry };
      case SOFT_ALREADY_SUPPRESSED:
        // Also repairs the index if an earlier add died before indexing this entry.
        await this.index(key);
        return { outcome: 'already-suppressed' };
      default:
        throw storeUnavailable(WHAT, `suppression-soft-bounce-2.lua returned code ${code}`);
    }
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
    // Single-key reads: the entries are spread over the slots of a cluster, where a pipeline must
    // stay in one slot. ioredis sends them without waiting for each reply, as a pipeline would.
    const hashes = await this.store(() =>
      Promise.all(pageKeys.map((key) => this.redis.hgetall(this.entryKey(key)))),
    );
    const entries: SuppressionEntry[] = [];
    for (const hash of hashes) {
      // An entry removed between the two reads is skipped; the paging goes on by key.
      const entry = toEntry(hash);
      if (entry) {
        entries.push(entry);
      }
    }
    return { entries, lastKey: keys.length > limit ? pageKeys[pageKeys.length - 1] : null };
  }

  /** The global index's own step: adds `key` (scored 0, for lexical paging). */
  private async index(key: string): Promise<void> {
    await this.store(() => this.redis.zadd(this.indexKey(), 0, key));
  }

  /** Runs Redis work; a Redis failure becomes STORE_UNAVAILABLE, so callers never see ioredis errors. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return inStore(WHAT, work);
  }

  private entryKey(key: string): string {
    return `${this.prefix}{${hashTagOf(key)}}`;
  }

  private softKey(key: string): string {
    return `${this.prefix}{${hashTagOf(key)}}:soft`;
  }

  private indexKey(): string {
    return `${this.prefix}index`;
  }
}

/**
 * The hash tag of a suppression key: the key with `%`, `{` and `}` percent-encoded (addresses may
 * contain all three), so the tag never closes early or comes out empty, and two keys never share
 * a tag.
 */
function hashTagOf(key: string): string {
  return key.replace(
    /[%{}]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
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
