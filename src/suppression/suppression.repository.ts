import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore, storeUnavailable } from '../core/redis-store';
import { indexMemberOf, parseIndexMember } from './suppressed-address';
import {
  AddressSuppressions,
  CategoryUnsubscribe,
  SUPPRESSION_SOURCES,
  SuppressionEntry,
  SuppressionSource,
} from './suppression-entry';
import { decodeUnsubscribe, encodeUnsubscribe, unsubscribeEntry } from './unsubscribe-field';

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

/** One page of index members in order, with their entries. */
export interface SuppressionKeyPage {
  entries: SuppressionEntry[];
  /** The last index member of the page when more follow (the cursor of the next page), else null. */
  lastKey: string | null;
}

/** What an address's removal took off the list. */
export interface RemovedSuppressions {
  entry: SuppressionEntry | null;
  unsubscribes: CategoryUnsubscribe[];
}

/** Outcome of recording an unsubscribe: whether it was new, and the one now stored. */
export interface UnsubscribeResult {
  created: boolean;
  unsubscribe: CategoryUnsubscribe;
}

/** `suppression-add-2.lua` and `suppression-unsubscribe-1.lua`: stored by this call. */
const ADD_CREATED = 1;
/** `suppression-blocking-2.lua`: the address is suppressed for all mail. */
const BLOCKED_GLOBALLY = 1;
/** `suppression-blocking-2.lua`: the address unsubscribed from the category. */
const BLOCKED_BY_UNSUBSCRIBE = 2;
/** `suppression-blocking-2.lua`: the address may be sent the category. */
const NOT_BLOCKED = 0;
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
  asesSuppressionRemove(
    entryKey: string,
    softKey: string,
    unsubKey: string,
  ): Promise<[string[], string[]]>;
  asesSuppressionUnsubscribe(
    unsubKey: string,
    category: string,
    value: string,
    overwrite: '0' | '1',
  ): Promise<[number, string]>;
  asesSuppressionResubscribe(unsubKey: string, category: string): Promise<string | null>;
  asesSuppressionBlocking(
    entryKey: string,
    unsubKey: string,
    category: string,
  ): Promise<[number, (string[] | string)?]>;
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

const EPOCH = new Date(0).toISOString();

/** What a Redis failure here is reported as. */
const WHAT = 'the suppression list';

/**
 * The only code that knows how the suppression list is laid out in Redis:
 * - `<prefix>sup:{<tag>}`: hash {email, reason, since, messageId?, source}, without TTL (an entry
 *   outlives the records of the messages that caused it): the address gets no mail at all;
 * - `<prefix>sup:{<tag>}:unsub`: hash of the categories the address unsubscribed from, field =
 *   category, value = compact JSON {since, reason, messageId?} (see `unsubscribe-field.ts`),
 *   without TTL; it is independent of the entry (a bounce neither needs nor clears it);
 * - `<prefix>sup:{<tag>}:soft`: sorted set of recent soft bounces (score = time in ms, member =
 *   the message id), expiring one window after the last bounce;
 * - `<prefix>sup:index`: sorted set, all scored 0 and paged in lexical order, with one member per
 *   listed item: the key for an entry, `<key>\t<category>` for an unsubscribe (see
 *   `indexMemberOf`), so an address's unsubscribes list right after its entry.
 *
 * `<tag>` is the key (see `suppressionKeyOf`) with `%`, `{` and `}` percent-encoded, so it is a
 * non-empty hash tag that cannot end early: an address's three keys are in one cluster slot, and
 * each per-address script stays atomic there. The index is global (one slot), so it is written as
 * its own single-key step after each script, never inside one: an add (or a soft bounce that
 * suppresses, or an unsubscribe) writes the entry then adds its member to the index; a remove
 * deletes then takes the members out of the index. The index may therefore, for a moment or after
 * a crash, hold a member whose entry is gone (paging skips it); an entry missing from the index is
 * only possible if the process dies between the two steps of an add, and the retry of that add
 * repairs it (every add, even of an entry already there, adds its member to the index).
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

  /** The entry and the unsubscribes stored under `key` (read together: one slot). */
  async findAll(key: string): Promise<AddressSuppressions> {
    const [hash, unsubscribes] = await this.store(() =>
      Promise.all([this.redis.hgetall(this.entryKey(key)), this.redis.hgetall(this.unsubKey(key))]),
    );
    return { email: key, entry: toEntry(hash), unsubscribes: toUnsubscribes(unsubscribes) };
  }

  /**
   * For each of `keys`, what keeps it from getting mail of `category`: its entry, or else its
   * unsubscribe from that category (as an entry of source `unsubscribe`); keys that may be
   * mailed are left out. One script call per key, sent together: the keys may sit in different
   * cluster slots, and ioredis writes them all before the first reply comes back.
   */
  async findBlocking(keys: readonly string[], category: string): Promise<SuppressionEntry[]> {
    const replies = await this.store(() =>
      Promise.all(
        keys.map((key) =>
          this.redis.asesSuppressionBlocking(this.entryKey(key), this.unsubKey(key), category),
        ),
      ),
    );
    const blocking: SuppressionEntry[] = [];
    replies.forEach(([code, found], i) => {
      let entry: SuppressionEntry | null;
      switch (code) {
        case NOT_BLOCKED:
          return;
        case BLOCKED_GLOBALLY:
          entry = toEntry(pairsToHash(found as string[]));
          break;
        case BLOCKED_BY_UNSUBSCRIBE: {
          const unsubscribe = decodeUnsubscribe(category, found as string);
          entry = unsubscribe && unsubscribeEntry(keys[i], unsubscribe);
          break;
        }
        default:
          throw storeUnavailable(WHAT, `suppression-blocking-2.lua returned code ${code}`);
      }
      // A hand-edited value that no longer reads still blocks: better a refused send than mail
      // to someone who asked for none.
      blocking.push(
        entry ?? { email: keys[i], reason: 'unreadable entry', since: EPOCH, source: 'manual' },
      );
    });
    return blocking;
  }

  /**
   * Records that `key` unsubscribed from `unsubscribe.category`, unless it had already: then keeps
   * that record, or replaces it when `overwrite` is set.
   */
  async addUnsubscribe(
    key: string,
    unsubscribe: CategoryUnsubscribe,
    overwrite: boolean,
  ): Promise<UnsubscribeResult> {
    const [code, value] = await this.store(() =>
      this.redis.asesSuppressionUnsubscribe(
        this.unsubKey(key),
        unsubscribe.category,
        encodeUnsubscribe(unsubscribe),
        overwrite ? '1' : '0',
      ),
    );
    await this.index(indexMemberOf(key, unsubscribe.category));
    return {
      created: code === ADD_CREATED,
      unsubscribe: decodeUnsubscribe(unsubscribe.category, value) ?? unsubscribe,
    };
  }

  /** Removes `key`'s unsubscribe from `category`; returns it, or null when there was none. */
  async removeUnsubscribe(key: string, category: string): Promise<CategoryUnsubscribe | null> {
    const value = await this.store(() =>
      this.redis.asesSuppressionResubscribe(this.unsubKey(key), category),
    );
    const member = indexMemberOf(key, category);
    await this.store(async () => {
      await this.redis.zrem(this.indexKey(), member);
      // As in remove: an unsubscribe recorded again between the two steps stays listed.
      if ((await this.redis.hexists(this.unsubKey(key), category)) === 1) {
        await this.redis.zadd(this.indexKey(), 0, member);
      }
    });
    return value === null ? null : decodeUnsubscribe(category, value);
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

  /**
   * Removes the entry under `key`, its soft-bounce counter and its unsubscribes; returns what was
   * removed (null entry and no unsubscribes when there was nothing).
   */
  async remove(key: string): Promise<RemovedSuppressions> {
    const [hash, unsubscribes] = await this.store(() =>
      this.redis.asesSuppressionRemove(this.entryKey(key), this.softKey(key), this.unsubKey(key)),
    );
    const removed = toUnsubscribes(pairsToHash(unsubscribes));
    const members = [key, ...removed.map(({ category }) => indexMemberOf(key, category))];
    await this.store(async () => {
      await this.redis.zrem(this.indexKey(), ...members);
      // An add of the same key may have run between the two steps and indexed it before the ZREM:
      // index again what is there now, so that nothing stored is left out of the listing.
      const [exists, categories] = await Promise.all([
        this.redis.exists(this.entryKey(key)),
        this.redis.hkeys(this.unsubKey(key)),
      ]);
      const again = [
        ...(exists === 1 ? [key] : []),
        ...categories.map((category) => indexMemberOf(key, category)),
      ];
      if (again.length > 0) {
        await this.redis.zadd(this.indexKey(), ...again.flatMap((member) => [0, member]));
      }
    });
    return { entry: toEntry(pairsToHash(hash)), unsubscribes: removed };
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

  /**
   * Up to `limit` entries (global entries and unsubscribes) in index order, starting after index
   * member `afterMember` (exclusive), or from the start.
   */
  async page(afterMember: string | null, limit: number): Promise<SuppressionKeyPage> {
    const min = afterMember === null ? '-' : `(${afterMember}`;
    // One more than asked tells whether another page follows, without an empty last page.
    const members = await this.store(() =>
      this.redis.zrangebylex(this.indexKey(), min, '+', 'LIMIT', 0, limit + 1),
    );
    const pageMembers = members.slice(0, limit);
    if (pageMembers.length === 0) {
      return { entries: [], lastKey: null };
    }
    // Single-key reads: the entries are spread over the slots of a cluster, where a pipeline must
    // stay in one slot. ioredis sends them without waiting for each reply, as a pipeline would.
    const found = await this.store(() =>
      Promise.all(pageMembers.map((member) => this.readMember(member))),
    );
    // An entry removed between the two reads (or a member that is none) is skipped; the paging
    // goes on by member.
    const entries = found.filter((entry): entry is SuppressionEntry => entry !== null);
    return {
      entries,
      lastKey: members.length > limit ? pageMembers[pageMembers.length - 1] : null,
    };
  }

  /**
   * How many items the index lists (entries for all mail and category unsubscribes): one ZCARD,
   * so a moment after a remove it may still count a member whose entry is gone.
   */
  async count(): Promise<number> {
    return this.store(() => this.redis.zcard(this.indexKey()));
  }

  private async readMember(member: string): Promise<SuppressionEntry | null> {
    const parsed = parseIndexMember(member);
    if (parsed === null) {
      return null;
    }
    const { key, category } = parsed;
    if (category === undefined) {
      return toEntry(await this.redis.hgetall(this.entryKey(key)));
    }
    const value = await this.redis.hget(this.unsubKey(key), category);
    const unsubscribe = value === null ? null : decodeUnsubscribe(category, value);
    return unsubscribe && unsubscribeEntry(key, unsubscribe);
  }

  /** The global index's own step: adds `member` (scored 0, for lexical paging). */
  private async index(member: string): Promise<void> {
    await this.store(() => this.redis.zadd(this.indexKey(), 0, member));
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

  private unsubKey(key: string): string {
    return `${this.prefix}{${hashTagOf(key)}}:unsub`;
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

function toUnsubscribes(hash: Record<string, string>): CategoryUnsubscribe[] {
  const unsubscribes: CategoryUnsubscribe[] = [];
  for (const category of Object.keys(hash).sort()) {
    const unsubscribe = decodeUnsubscribe(category, hash[category]);
    if (unsubscribe) {
      unsubscribes.push(unsubscribe);
    }
  }
  return unsubscribes;
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
    source: isSource(hash.source) && hash.source !== 'unsubscribe' ? hash.source : 'manual',
  };
  if (hash.messageId !== undefined) {
    entry.messageId = hash.messageId;
  }
  return entry;
}
