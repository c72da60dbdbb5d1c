import { Injectable } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { inStore } from '../core/redis-store';
import type { StoredWebhook, WebhookAttempt } from './stored-webhook';

/** What a Redis failure here is reported as. */
const WHAT = 'the webhook store';
/** Attempts kept per endpoint for `GET /v1/webhooks/:id/deliveries`. */
export const KEPT_ATTEMPTS = 100;
/** An endpoint's attempts are kept this long after the last one. */
const ATTEMPTS_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * The only code that knows how webhook endpoints are laid out in Redis, all under the hash tag
 * `{hooks}` (one cluster slot: a fleet has a handful of endpoints):
 * - `<prefix>wh:{hooks}`: hash of endpoint id → the endpoint as JSON (secrets included);
 * - `<prefix>wh:{hooks}:failing`: hash of endpoint id → Unix ms of its first failure since its
 *   last success (set only if absent, so every instance agrees on when the streak began);
 * - `<prefix>wh:{hooks}:log:<id>`: list of its last 100 attempts, newest first, expiring 30 days
 *   after the last.
 * Endpoints do not expire; deleting one deletes its keys.
 */
@Injectable()
export class WebhookRepository {
  private readonly key: string;

  constructor(
    @InjectAsesRedis() private readonly redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    this.key = `${options.redis.keyPrefix}wh:{hooks}`;
  }

  async all(): Promise<StoredWebhook[]> {
    const values = await inStore(WHAT, () => this.redis.hvals(this.key));
    return values
      .map((value) => JSON.parse(value) as StoredWebhook)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async find(id: string): Promise<StoredWebhook | null> {
    const value = await inStore(WHAT, () => this.redis.hget(this.key, id));
    return value === null ? null : (JSON.parse(value) as StoredWebhook);
  }

  async count(): Promise<number> {
    return inStore(WHAT, () => this.redis.hlen(this.key));
  }

  async save(webhook: StoredWebhook): Promise<void> {
    await inStore(WHAT, () => this.redis.hset(this.key, webhook.id, JSON.stringify(webhook)));
  }

  /** Deletes an endpoint and what is kept about it; resolves to whether it was there. */
  async remove(id: string): Promise<boolean> {
    const removed = await inStore(WHAT, () =>
      this.redis.multi().hdel(this.key, id).hdel(this.failingKey(), id).del(this.logKey(id)).exec(),
    );
    return removed?.[0]?.[1] === 1;
  }

  /** Notes a failure; resolves to when the endpoint's current run of failures began (Unix ms). */
  async failingSince(id: string, now: number): Promise<number> {
    const reply = await inStore(WHAT, () =>
      this.redis.multi().hsetnx(this.failingKey(), id, now).hget(this.failingKey(), id).exec(),
    );
    const since = Number(reply?.[1]?.[1]);
    return Number.isFinite(since) ? since : now;
  }

  /** Notes a success: the endpoint is no longer failing. */
  async succeeded(id: string): Promise<void> {
    await inStore(WHAT, () => this.redis.hdel(this.failingKey(), id));
  }

  /** Keeps an attempt in the endpoint's recent attempts. */
  async logAttempt(id: string, attempt: WebhookAttempt): Promise<void> {
    const key = this.logKey(id);
    await inStore(WHAT, () =>
      this.redis
        .multi()
        .lpush(key, JSON.stringify(attempt))
        .ltrim(key, 0, KEPT_ATTEMPTS - 1)
        // An attempt finishing after its endpoint was deleted must not leave a log for ever.
        .expire(key, ATTEMPTS_TTL_SECONDS)
        .exec(),
    );
  }

  /** The endpoint's recent attempts, newest first. */
  async attempts(id: string, limit: number): Promise<WebhookAttempt[]> {
    const values = await inStore(WHAT, () => this.redis.lrange(this.logKey(id), 0, limit - 1));
    return values.map((value) => JSON.parse(value) as WebhookAttempt);
  }

  private failingKey(): string {
    return `${this.key}:failing`;
  }

  private logKey(id: string): string {
    return `${this.key}:log:${id}`;
  }
}
