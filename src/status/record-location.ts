import { isGeneratedId, queuedAtOfId, RANDOM_PART_START } from './message-id';
import { b36 } from './record-codec';

/** Records of ids ases made are kept in this many hashes per minute of queue time. */
export const RECORD_SHARDS = 16;
/** The SES-id index has this many hashes per minute of push time. */
export const SES_INDEX_SHARDS = 64;
/** The time buckets' width. */
export const MINUTE_MS = 60_000;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Where a record is kept: a field of a time bucket hash, or a string key of its own. */
export interface RecordLocation {
  key: string;
  /** The id's random part in a bucket; '' for a string key. */
  field: string;
  /** The hash tag the message's other keys (its kept job) share. */
  tag: string;
  /** Times in the record are ms after this (its queue time; 0 for ids the caller gave). */
  base: number;
}

/**
 * Where the record of `id` is kept: an id ases made names its queue minute, and the record is a
 * field of that minute's bucket `<prefix>r:{<minute>.<shard>}`; a caller-given id has a string
 * key of its own, `<prefix>u:{<id>}`.
 */
export function recordLocation(prefix: string, id: string): RecordLocation {
  if (isGeneratedId(id)) {
    const base = queuedAtOfId(id);
    // 36² is a multiple of 16: the last two random digits spread records evenly.
    const shard = parseInt(id.slice(-2), 36) % RECORD_SHARDS;
    const tag = `${b36(Math.floor(base / MINUTE_MS))}.${shard}`;
    // The bucket names the minute: the random part alone tells the records in it apart.
    return { key: `${prefix}r:{${tag}}`, field: id.slice(RANDOM_PART_START), tag, base };
  }
  return { key: `${prefix}u:{${id}}`, field: '', tag: id, base: 0 };
}

/** The SES-id index hash of a push at `pushedMs` of an SES id with this 8-character digest. */
export function sesIndexKey(prefix: string, pushedMs: number, digest: string): string {
  const shard = BASE64URL.indexOf(digest.charAt(0)) % SES_INDEX_SHARDS;
  return `${prefix}x:{${b36(Math.floor(pushedMs / MINUTE_MS))}.${shard}}`;
}

/** Start of the minute `ms` is in. */
export function startOfMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
