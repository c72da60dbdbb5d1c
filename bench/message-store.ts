import type { Redis } from 'ioredis';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchDist } from './fleet';

const PIPELINE = 1000;

/** A message as the app recorded it in Redis. */
export interface StoredMessage {
  id: string;
  /** Absent when there is no record. */
  status?: string;
  /** Absolute ms. */
  queuedAt?: number;
  /** Absolute ms; absent until the message is PUSHED. */
  pushedAt?: number;
  /** Send attempts the record counts. */
  attempts?: number;
  /** The error recorded with a FAILED status: `<code>: <message>`. */
  error?: string;
}

/** The app's own record layout: where a record is kept and how it is packed. */
interface RecordCodec {
  recordLocation: (typeof import('../src/status/record-location'))['recordLocation'];
  decodeRecord: (typeof import('../src/status/record-codec'))['decodeRecord'];
}

/**
 * The record layout of the build the app processes run, loaded from that build rather than from
 * src/, so the bench reads what the apps wrote even while src/ changes under a long run.
 */
async function loadCodec(dist: string): Promise<RecordCodec> {
  const location = join(dist, 'status', 'record-location.js');
  const codec = join(dist, 'status', 'record-codec.js');
  try {
    const [{ recordLocation }, { decodeRecord }] = await Promise.all([
      import(location) as Promise<typeof import('../src/status/record-location')>,
      import(codec) as Promise<typeof import('../src/status/record-codec')>,
    ]);
    if (typeof recordLocation !== 'function' || typeof decodeRecord !== 'function') {
      throw new Error('recordLocation or decodeRecord is not exported');
    }
    return { recordLocation, decodeRecord };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the status store's layout could not be loaded from ${location} and ${codec} (expected ` +
        `recordLocation and decodeRecord): ${reason}`,
    );
  }
}

function toMs(iso: string | undefined): number | undefined {
  if (iso === undefined) {
    return undefined;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reads the bench's messages straight from the app's Redis records (one packed record a message,
 * a field of a time-bucket hash or a key of its own: see src/status/record-location.ts), not
 * through the API, so that reading thousands of them costs the app nothing.
 */
export class MessageStore {
  private codec?: Promise<RecordCodec>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The app build whose record layout to read. Default `benchDist` of the repository. */
    private readonly dist = benchDist(resolve(__dirname, '..')),
  ) {}

  /** Status, queuedAt, pushedAt, attempts and error of each id, in order; pipelines of 1000. */
  async read(ids: readonly string[]): Promise<StoredMessage[]> {
    this.codec ??= loadCodec(this.dist);
    const { recordLocation, decodeRecord } = await this.codec;
    const messages: StoredMessage[] = [];
    for (let start = 0; start < ids.length; start += PIPELINE) {
      const chunk = ids.slice(start, start + PIPELINE);
      const locations = chunk.map((id) => recordLocation(this.prefix, id));
      const pipeline = this.redis.pipeline();
      for (const { key, field } of locations) {
        if (field === '') {
          pipeline.get(key);
        } else {
          pipeline.hget(key, field);
        }
      }
      const replies = (await pipeline.exec()) ?? [];
      chunk.forEach((id, index) => {
        const [error, value] = replies[index] ?? [new Error('no reply'), null];
        const { key, field, base } = locations[index];
        if (error) {
          throw new Error(`reading ${key} ${field} failed: ${error.message}`);
        }
        if (typeof value !== 'string') {
          messages.push({ id });
          return;
        }
        const { record } = decodeRecord(id, value, base);
        messages.push({
          id,
          status: record.status,
          queuedAt: toMs(record.queuedAt),
          pushedAt: toMs(record.pushedAt),
          attempts: record.attempts,
          error: record.error ? `${record.error.code}: ${record.error.message}` : undefined,
        });
      });
    }
    return messages;
  }

  /**
   * Polls until no message is QUEUED any more (each is PUSHED, FAILED or otherwise finished) or
   * `timeoutMs` has passed; resolves to every message as last read. Only the unfinished ones are
   * read again, so a long wait stays cheap.
   */
  async waitUntilFinished(
    ids: readonly string[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ messages: StoredMessage[]; finished: boolean; waitedMs: number }> {
    const started = Date.now();
    const latest = new Map<string, StoredMessage>();
    let pending = [...ids];
    for (;;) {
      for (const message of await this.read(pending)) {
        latest.set(message.id, message);
      }
      pending = pending.filter((id) => latest.get(id)?.status === 'QUEUED');
      const waitedMs = Date.now() - started;
      if (pending.length === 0 || waitedMs >= timeoutMs) {
        return {
          messages: ids.map((id) => latest.get(id) ?? { id }),
          finished: pending.length === 0,
          waitedMs,
        };
      }
      await sleep(Math.min(1000, timeoutMs - waitedMs), undefined, { signal });
    }
  }

  /** Deletes every key under the prefix (SCAN + UNLINK); resolves to how many there were. */
  async deleteAll(): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        deleted += await this.redis.unlink(...keys);
      }
    } while (cursor !== '0');
    return deleted;
  }
}

/** The server's version and process id, from INFO server. */
export async function redisServer(redis: Redis): Promise<{ version: string; pid?: number }> {
  const info = await redis.info('server');
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:(.+)$`, 'm').exec(info)?.[1]?.trim();
  const pid = Number(field('process_id'));
  return { version: field('redis_version') ?? 'unknown', pid: pid > 0 ? pid : undefined };
}
