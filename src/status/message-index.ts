import { createHash } from 'node:crypto';
import { isGeneratedId, queuedAtOfId, RANDOM_PART_START } from './message-id';
import { MessageStatus } from './message-status';
import {
  b36,
  bareAddress,
  clean,
  decodeTags,
  fieldsOf,
  fromB36,
  recipientAddresses,
  statusOfCode,
} from './record-codec';
import { MINUTE_MS } from './record-location';

// The search index (docs/decisions.md, "Finding messages"): one Redis list per queue minute,
// `<prefix>i:{<hour>}:<minute>`, one entry a message, appended as it is recorded; and beside it
// `<prefix>i:{<hour>}:<minute>:b`, a string of Bloom filters, one per chunk of CHUNK_ENTRIES
// consecutive entries. Both carry the hour's hash tag, so one script reads a whole hour of them on
// a cluster too. An entry is `<ms into the minute: 4 base-36 digits>` then, for an id ases made,
// its 11 random digits, or for an id the caller gave, `/<id>`; then the entry's own Bloom filter
// (8 base-64url characters; for a caller-given id behind another `/`), absent for lean records.

/** Entries of the list a chunk's Bloom filter covers. */
export const CHUNK_ENTRIES = 32;
/** Bits of a chunk's Bloom filter (its bytes: `CHUNK_BITS / 8`). */
export const CHUNK_BITS = 512;
/** Bits each token sets in its chunk's filter. */
const CHUNK_HASHES = 7;
/** Bits of an entry's own Bloom filter: 6 bytes, 8 base-64url characters. */
const ENTRY_BITS = 48;
/** Bits each token sets in its entry's filter. */
const ENTRY_HASHES = 4;
/** Minutes of an hour: the index's hash tag is the hour, its keys are per minute. */
export const MINUTES_PER_HOUR = 60;

/** Length of the part of an entry that is its place in the minute (time digits, random digits). */
const GENERATED_KEY_LENGTH = 4 + (20 - RANDOM_PART_START);
const OFFSET = /^[0-9a-z]{4}$/;
const RANDOM = /^[0-9a-z]{11}$/;
const CALLER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const BLOOM = /^[A-Za-z0-9_-]{8}$/;

/** The list of one minute's entries and the string of its chunks' Bloom filters. */
export interface IndexKeys {
  list: string;
  filters: string;
}

/** The index keys of `minute` (minutes since the epoch). */
export function indexKeys(prefix: string, minute: number): IndexKeys {
  const list = `${prefix}i:{${b36(Math.floor(minute / MINUTES_PER_HOUR))}}:${b36(minute)}`;
  return { list, filters: `${list}:b` };
}

/** The minute (since the epoch) of a time in ms. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** The search token of a recipient address: its bare address, lower-cased. */
export function addressToken(mailbox: string): string {
  return `to:${bareAddress(clean(mailbox)).trim().toLowerCase()}`;
}

/** The search token of a tag (names hold no `=`). */
export function tagToken(name: string, value: string): string {
  return `tag:${clean(name)}=${clean(value)}`;
}

/** What a message is found by: each recipient (to, cc, bcc) and each tag. */
export interface Searchable {
  to: string | string[];
  cc?: string[];
  bcc?: string[];
  tags?: Record<string, string>;
}

/** The distinct search tokens of a message. */
export function tokensOf(message: Searchable): string[] {
  const mailboxes = [message.to, message.cc ?? [], message.bcc ?? []].flat();
  return [
    ...new Set([
      ...mailboxes.map(addressToken),
      ...Object.entries(message.tags ?? {}).map(([name, value]) => tagToken(name, value)),
    ]),
  ];
}

/** The bits a token sets: in an entry's filter (0-47), in its chunk's filter (0-511). */
interface TokenBits {
  entry: number[];
  chunk: number[];
}

function bitsOf(token: string): TokenBits {
  const hash = createHash('sha256').update(token).digest();
  const at = (i: number): number => hash.readUInt16BE(2 * i);
  return {
    entry: Array.from({ length: ENTRY_HASHES }, (_, i) => at(i) % ENTRY_BITS),
    chunk: Array.from({ length: CHUNK_HASHES }, (_, i) => at(ENTRY_HASHES + i) % CHUNK_BITS),
  };
}

/** What the index is given for one message: its entry, and the bits of its chunk's filter. */
export interface IndexWrite {
  keys: IndexKeys;
  entry: string;
  chunkBits: number[];
}

/**
 * The index write of a message queued at `queuedAtMs` (ids ases made: the time the id carries)
 * with these tokens (none: a lean record, which keeps nothing to match them against).
 */
export function indexWrite(
  prefix: string,
  id: string,
  queuedAtMs: number,
  tokens: readonly string[],
): IndexWrite {
  const at = isGeneratedId(id) ? queuedAtOfId(id) : queuedAtMs;
  const minute = minuteOf(at);
  const offset = (at - minute * MINUTE_MS).toString(36).padStart(4, '0');
  const filter = Buffer.alloc(ENTRY_BITS / 8);
  const chunk = new Set<number>();
  for (const token of tokens) {
    const bits = bitsOf(token);
    bits.entry.forEach((bit) => setBit(filter, bit));
    bits.chunk.forEach((bit) => chunk.add(bit));
  }
  const bloom = tokens.length === 0 ? '' : filter.toString('base64url');
  const entry = isGeneratedId(id)
    ? `${offset}${id.slice(RANDOM_PART_START)}${bloom}`
    : `${offset}/${id}${bloom === '' ? '' : `/${bloom}`}`;
  return {
    keys: indexKeys(prefix, minute),
    entry,
    chunkBits: [...chunk].sort((a, b) => a - b),
  };
}

function setBit(bytes: Buffer, bit: number): void {
  bytes[bit >> 3] |= 0x80 >> (bit & 7);
}

/** One entry of the index, read back. */
export interface IndexEntry {
  /** Its place in its minute: entries sort by it, newest (greatest) first, as ids do. */
  key: string;
  id: string;
  /** Its queue time, ms. */
  at: number;
  /** Its own Bloom filter (6 bytes); absent for an entry of a lean record. */
  filter?: Buffer;
}

/** The entry of `minute` stored as `raw`; null when it is not one (never written by ases). */
export function parseIndexEntry(raw: string, minute: number): IndexEntry | null {
  const offset = raw.slice(0, 4);
  if (!OFFSET.test(offset) || parseInt(offset, 36) >= MINUTE_MS) {
    return null;
  }
  const at = minute * MINUTE_MS + parseInt(offset, 36);
  let key: string;
  let id: string;
  let bloom: string;
  if (raw.charAt(4) === '/') {
    const end = raw.indexOf('/', 5);
    id = end < 0 ? raw.slice(5) : raw.slice(5, end);
    key = `${offset}/${id}`;
    bloom = end < 0 ? '' : raw.slice(end + 1);
    if (!CALLER_ID.test(id) || isGeneratedId(id)) {
      return null;
    }
  } else {
    key = raw.slice(0, GENERATED_KEY_LENGTH);
    const random = key.slice(4);
    if (!RANDOM.test(random)) {
      return null;
    }
    id = at.toString(36).padStart(RANDOM_PART_START, '0') + random;
    bloom = raw.slice(GENERATED_KEY_LENGTH);
  }
  if (bloom === '') {
    return { key, id, at };
  }
  return BLOOM.test(bloom) ? { key, id, at, filter: Buffer.from(bloom, 'base64url') } : null;
}

/** What a search asks for; every part given must hold (addresses and tags: each of them). */
export interface IndexSearch {
  /** The message's status now. */
  status?: MessageStatus;
  /** Bare addresses, lower-cased: each must be one of the message's recipients (to, cc, bcc). */
  to: string[];
  /** Tags the message must carry, name and value. */
  tags: Array<[string, string]>;
  /** Queued at or after (ms). */
  since?: number;
  /** Queued before (ms). */
  until?: number;
}

/** The bits a search needs set: in an entry's filter (null: none, any entry will do) and in its chunk's. */
export interface SearchBits {
  entry: Buffer | null;
  chunk: number[];
}

/** The filter bits every message matching `search` has set. */
export function searchBits(search: IndexSearch): SearchBits {
  const tokens = [
    ...search.to.map(addressToken),
    ...search.tags.map(([name, value]) => tagToken(name, value)),
  ];
  if (tokens.length === 0) {
    return { entry: null, chunk: [] };
  }
  const entry = Buffer.alloc(ENTRY_BITS / 8);
  const chunk = new Set<number>();
  for (const token of tokens) {
    const bits = bitsOf(token);
    bits.entry.forEach((bit) => setBit(entry, bit));
    bits.chunk.forEach((bit) => chunk.add(bit));
  }
  return { entry, chunk: [...chunk].sort((a, b) => a - b) };
}

/** Whether an entry may match: in the time window, and its filter has every bit the search needs. */
export function mayMatch(entry: IndexEntry, search: IndexSearch, bits: SearchBits): boolean {
  if (search.since !== undefined && entry.at < search.since) {
    return false;
  }
  if (search.until !== undefined && entry.at >= search.until) {
    return false;
  }
  if (bits.entry === null) {
    return true;
  }
  const filter = entry.filter;
  return filter !== undefined && bits.entry.every((byte, i) => (filter[i] & byte) === byte);
}

/**
 * The entries of one minute worth reading the records of: parsed, newest first, those before
 * `before` (a key: the place a previous page stopped at) that may match, each id once (an id can be
 * listed twice when its record was made again).
 */
export function candidatesOf(
  raw: readonly string[],
  minute: number,
  search: IndexSearch,
  bits: SearchBits,
  before?: string,
): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const item of raw) {
    const entry = parseIndexEntry(item, minute);
    if (
      entry !== null &&
      (before === undefined || entry.key < before) &&
      mayMatch(entry, search, bits)
    ) {
      entries.push(entry);
    }
  }
  entries.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  return entries.filter((entry, i) => i === 0 || entries[i - 1].key !== entry.key);
}

/**
 * Whether the packed record `raw` of an entry's message matches the search exactly: its status
 * now, every address among its recipients, every tag; and it is the message the entry was written
 * for (a caller-given id used again after its record expired has another queue time).
 */
export function recordMatches(raw: string, entry: IndexEntry, search: IndexSearch): boolean {
  const fields = fieldsOf(raw);
  if (!isGeneratedId(entry.id) && fromB36(fields.get('q')) !== entry.at) {
    return false;
  }
  if (search.status !== undefined && statusOfCode(fields.get('s')) !== search.status) {
    return false;
  }
  if (search.to.length > 0) {
    const recipients = new Set(
      recipientAddresses(raw).map((address) => address.trim().toLowerCase()),
    );
    if (!search.to.every((address) => recipients.has(address))) {
      return false;
    }
  }
  if (search.tags.length > 0) {
    const tags = new Map(Object.entries(decodeTags(fields.get('g') ?? '')));
    return search.tags.every(([name, value]) => tags.get(name) === value);
  }
  return true;
}

/** Where a search page continues: the minute, and in it the entries before this key (absent: all). */
export interface SearchPosition {
  minute: number;
  before?: string;
}

const ENTRY_KEY = /^[0-9a-z]{4}([0-9a-z]{11}|\/[A-Za-z0-9._:@-]{1,128})$/;
const CURSOR = /^([A-Za-z0-9_-]{8})\.([0-9a-z]{1,12})\.(.*)$/s;

/** The opaque `nextCursor` of a search page stopping at `position`, for the search `hash` names. */
export function encodeSearchCursor(position: SearchPosition, hash: string): string {
  return Buffer.from(`${hash}.${b36(position.minute)}.${position.before ?? ''}`).toString(
    'base64url',
  );
}

/** The position a `nextCursor` stands for; null when it is not one of the search `hash` names. */
export function decodeSearchCursor(cursor: string, hash: string): SearchPosition | null {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  if (match === null || match[1] !== hash) {
    return null;
  }
  const [, , minute, before] = match;
  if (before === '') {
    return { minute: parseInt(minute, 36) };
  }
  return ENTRY_KEY.test(before) ? { minute: parseInt(minute, 36), before } : null;
}

/** An 8-character digest naming a search (its filters, not its page size): a cursor is for it alone. */
export function searchHash(search: IndexSearch): string {
  const canonical = JSON.stringify([
    search.status ?? null,
    [...search.to].sort(),
    [...search.tags].map(([name, value]) => `${name}=${value}`).sort(),
    search.since ?? null,
    search.until ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 8);
}
