import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

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
}

function toMs(iso: string | null): number | undefined {
  if (iso === null) {
    return undefined;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reads the bench's messages straight from the app's Redis records (`<prefix>msg:<id>`), not
 * through the API, so that reading thousands of them costs the app nothing.
 */
export class MessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Status, queuedAt and pushedAt of each id, in order; HMGET in pipelines of 1000. */
  async read(ids: readonly string[]): Promise<StoredMessage[]> {
    const messages: StoredMessage[] = [];
    for (let start = 0; start < ids.length; start += PIPELINE) {
      const chunk = ids.slice(start, start + PIPELINE);
      const pipeline = this.redis.pipeline();
      for (const id of chunk) {
        pipeline.hmget(`${this.prefix}msg:${id}`, 'status', 'queuedAt', 'pushedAt');
      }
      const replies = (await pipeline.exec()) ?? [];
      chunk.forEach((id, index) => {
        const [error, value] = replies[index] ?? [new Error('no reply'), null];
        if (error) {
          throw new Error(`HMGET ${this.prefix}msg:${id} failed: ${error.message}`);
        }
        const [status, queuedAt, pushedAt] = value as (string | null)[];
        messages.push({
          id,
          status: status ?? undefined,
          queuedAt: toMs(queuedAt),
          pushedAt: toMs(pushedAt),
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
