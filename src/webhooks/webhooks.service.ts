import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import type { AsesMessageEvent, AsesReputationEvent, SuppressionEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
import { AsesMetrics } from '../metrics/ases-metrics';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { subscribes, WEBHOOK_TYPE_BY_EVENT, WEBHOOK_TEST_EVENT } from './webhook-events';
import { DeliveryJob, encodeDeliveryJob } from './delivery-job';
import {
  messageEventBody,
  reputationEventBody,
  suppressionEventBody,
  WebhookBody,
} from './webhook-payload';
import { newWebhookMessageId, newWebhookSecret } from './webhook-signature';
import { literalHostProblem, webhookUrlProblem } from './webhook-target';
import { WebhookRepository } from './webhook.repository';
import {
  signingSecrets,
  StoredWebhook,
  WebhookAttempt,
  webhookView,
  WebhookView,
} from './stored-webhook';

/** Most endpoints a fleet may have: each event is delivered to each. */
export const MAX_WEBHOOKS = 50;
/** The id of the endpoint WEBHOOK_URL sets. */
export const ENV_WEBHOOK_ID = 'env';
/** How long a rotated-out secret keeps signing beside the new one. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
/** How long this instance trusts its copy of the endpoint list (another instance's change shows within this). */
const ENDPOINTS_TTL_MS = 2000;
/** How long an event waits in memory for Redis to answer before its deliveries are given up. */
const ENQUEUE_PATIENCE_MS = 32_000;

/** What `POST /v1/webhooks` and `PATCH` take (validated by the DTOs). */
export interface WebhookInput {
  url?: string;
  events?: string[];
  description?: string;
  enabled?: boolean;
}

/** A new endpoint, or a rotated secret: the only answers that show a secret. */
export type WebhookWithSecret = WebhookView & { secret: string };

/**
 * Webhook endpoints and the events they get: keeps the endpoints (REST), and turns every
 * in-process event into one delivery per subscribed, enabled endpoint, kept in the delivery queue
 * (see WebhookDispatcher). Putting a delivery in the queue is the only work done in the event's
 * path, and it is not awaited there: sending and feedback never wait for a webhook.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ases');
  private endpoints: { at: number; list: StoredWebhook[] } | undefined;
  private loading: Promise<StoredWebhook[]> | undefined;
  private readonly listeners: [string, (payload: unknown) => void][] = [];
  private readonly enqueuedListeners = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly repository: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const [name, type] of Object.entries(WEBHOOK_TYPE_BY_EVENT)) {
      const listener = (payload: unknown): void => {
        this.publish(type, name, payload);
      };
      this.events?.on(name, listener);
      this.listeners.push([name, listener]);
    }
    await this.saveEnvironmentEndpoint();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const [name, listener] of this.listeners) {
      this.events?.off(name, listener);
    }
  }

  /** The ids of the enabled endpoints, from this instance's copy while it is fresh. */
  async enabledIds(): Promise<string[]> {
    return (await this.current()).filter((webhook) => webhook.enabled).map(({ id }) => id);
  }

  /** Calls `listener` whenever this instance put deliveries in the queue (the dispatcher wakes). */
  onEnqueued(listener: () => void): void {
    this.enqueuedListeners.add(listener);
  }

  async create(input: WebhookInput): Promise<WebhookWithSecret> {
    const url = this.checkUrl(input.url ?? '');
    if ((await this.repository.count()) >= MAX_WEBHOOKS) {
      throw new AsesException(
        AsesErrorCode.WEBHOOK_CONFLICT,
        `a fleet has at most ${MAX_WEBHOOKS} webhook endpoints: delete one first`,
      );
    }
    const now = new Date().toISOString();
    const secret = newWebhookSecret();
    const stored: StoredWebhook = {
      id: `wh_${randomBytes(12).toString('base64url')}`,
      url,
      ...(input.events === undefined ? {} : { events: [...new Set(input.events)] }),
      ...(input.description === undefined ? {} : { description: input.description }),
      enabled: true,
      createdAt: now,
      updatedAt: now,
      secrets: [{ secret }],
    };
    await this.repository.save(stored);
    this.forget();
    return { ...webhookView(stored), secret };
  }

  /** The endpoints, read now (WEBHOOK_URL's is written again if Redis lost it). */
  async list(): Promise<WebhookView[]> {
    this.forget();
    return (await this.current()).map(webhookView);
  }

  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.stored(id));
  }

  /** Changes url, events, description or enabled; re-enabling forgets the endpoint's failures. */
  async update(id: string, input: WebhookInput): Promise<WebhookView> {
    const stored = await this.stored(id);
    if (
      stored.source === 'env' &&
      (input.url !== undefined || input.events !== undefined || input.description !== undefined)
    ) {
      throw fromEnvironment('only `enabled` of it can change here');
    }
    const next: StoredWebhook = { ...stored, updatedAt: new Date().toISOString() };
    if (input.url !== undefined) {
      next.url = this.checkUrl(input.url);
    }
    if (input.events !== undefined) {
      next.events = [...new Set(input.events)];
    }
    if (input.description !== undefined) {
      next.description = input.description;
    }
    if (input.enabled === true && !stored.enabled) {
      next.enabled = true;
      delete next.disabledReason;
      delete next.disabledAt;
      await this.repository.succeeded(id);
    } else if (input.enabled === false && stored.enabled) {
      next.enabled = false;
      next.disabledReason = 'manual';
      next.disabledAt = next.updatedAt;
    }
    await this.repository.save(next);
    if (!next.enabled) {
      // A disabled endpoint gets nothing: what waited for it is dropped, not sent when re-enabled.
      await this.deliveries.clear(id);
    }
    this.forget();
    return webhookView(next);
  }

  async remove(id: string): Promise<void> {
    const stored = await this.stored(id);
    if (stored.source === 'env') {
      throw fromEnvironment('unset WEBHOOK_URL to remove it');
    }
    await this.repository.remove(id);
    await this.deliveries.clear(id);
    this.forget();
  }

  /** A new secret; the one before keeps signing beside it for 24 h, so receivers can switch. */
  async rotateSecret(id: string): Promise<WebhookWithSecret> {
    const stored = await this.stored(id);
    if (stored.source === 'env') {
      throw fromEnvironment('change WEBHOOK_SECRET to rotate it');
    }
    const now = Date.now();
    const secret = newWebhookSecret();
    const kept = stored.secrets
      .filter(({ expiresAt }) => expiresAt === undefined || expiresAt > now)
      .map(({ secret: old, expiresAt }) => ({
        secret: old,
        expiresAt: Math.min(expiresAt ?? Infinity, now + ROTATION_GRACE_MS),
      }));
    const next: StoredWebhook = {
      ...stored,
      secrets: [{ secret }, ...kept],
      updatedAt: new Date(now).toISOString(),
    };
    await this.repository.save(next);
    this.forget();
    return { ...webhookView(next), secret };
  }

  /** The endpoint's last attempts, newest first. */
  async attempts(id: string, limit: number): Promise<WebhookAttempt[]> {
    await this.stored(id);
    return this.repository.attempts(id, limit);
  }

  /** The endpoint and the secrets that sign now, or null when it is gone (deliveries to it are dropped). */
  async signingEndpoint(id: string): Promise<{ webhook: StoredWebhook; secrets: string[] } | null> {
    const webhook =
      (await this.current()).find((each) => each.id === id) ?? (await this.repository.find(id));
    return webhook === null ? null : { webhook, secrets: signingSecrets(webhook, Date.now()) };
  }

  /** A `webhook.test` event for the endpoint, made as a delivery of its own (see WebhookDispatcher.test). */
  testBody(id: string): WebhookBody {
    return {
      type: WEBHOOK_TEST_EVENT,
      timestamp: new Date().toISOString(),
      data: { webhookId: id },
    };
  }

  /** Disables an endpoint that answered 410 Gone, or failed for the whole retry window. */
  async disable(id: string, reason: 'gone' | 'failing', why: string): Promise<void> {
    const stored = await this.repository.find(id);
    if (stored === null || !stored.enabled) {
      return;
    }
    const at = new Date().toISOString();
    await this.repository.save({
      ...stored,
      enabled: false,
      disabledReason: reason,
      disabledAt: at,
      updatedAt: at,
    });
    await this.deliveries.clear(id);
    this.forget();
    this.metrics.webhookDisabled();
    this.logger.warn({
      msg: `webhook.disabled: endpoint ${id} disabled (${reason}): ${why}`,
      event: 'webhook.disabled',
      webhookEndpointId: id,
      reason,
    });
  }

  /** Turns an in-process event into deliveries; never throws into the emitter's caller. */
  private publish(type: string, name: string, payload: unknown): void {
    this.fanOut(type, payload).catch((error: unknown) => {
      this.logger.error(`webhook deliveries of ${name} not queued: ${String(error)}`);
    });
  }

  private async fanOut(type: string, payload: unknown): Promise<void> {
    // When the event happened, however long Redis keeps it waiting here.
    const now = new Date();
    // The endpoint list too is read again while Redis does not answer: once this instance's copy
    // is stale (2 s), an event emitted while Redis is down would otherwise be lost at once.
    const deadline = now.getTime() + ENQUEUE_PATIENCE_MS;
    const endpoints = await this.whileStoreDown(() => this.current(), deadline).catch(
      (error: unknown) => {
        this.metrics.webhookDelivered('dropped');
        throw error;
      },
    );
    const targets = endpoints.filter(
      (webhook) => webhook.enabled && subscribes(webhook.events, type),
    );
    if (targets.length === 0) {
      return;
    }
    const body = JSON.stringify(
      type.startsWith('suppression.')
        ? suppressionEventBody(type, payload as SuppressionEvent, now)
        : type.startsWith('reputation.')
          ? reputationEventBody(type, payload as AsesReputationEvent, now)
          : messageEventBody(type, payload as AsesMessageEvent, now),
    );
    const messageId = newWebhookMessageId();
    await Promise.all(
      targets.map((webhook) =>
        this.enqueue(
          { webhookId: messageId, endpointId: webhook.id, type, body, attempts: 0 },
          deadline,
        ),
      ),
    );
    for (const listener of this.enqueuedListeners) {
      listener();
    }
  }

  /** Puts a delivery in the queue, trying again until `deadline` while Redis does not answer. */
  private async enqueue(job: DeliveryJob, deadline: number): Promise<void> {
    await this.whileStoreDown(
      () =>
        this.deliveries.add(job.endpointId, deliveryJobId(job), Date.now(), encodeDeliveryJob(job)),
      deadline,
    ).catch((error: unknown) => {
      this.metrics.webhookDelivered('dropped');
      throw error;
    });
  }

  /**
   * Runs Redis work, trying again (waits of 1, 2, 4, 8… s) while Redis does not answer, until
   * `deadline` or shutdown.
   */
  private async whileStoreDown<T>(work: () => Promise<T>, deadline: number): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await work();
      } catch (error) {
        const wait = 500 * 2 ** tries;
        if (this.stopped || Date.now() + wait > deadline) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
    }
  }

  /** The endpoints, from this instance's copy while it is fresh. */
  private async current(): Promise<StoredWebhook[]> {
    if (this.endpoints !== undefined && Date.now() - this.endpoints.at < ENDPOINTS_TTL_MS) {
      return this.endpoints.list;
    }
    this.loading ??= this.repository
      .all()
      .then(async (list) => {
        if (this.options.webhooks.endpoint !== undefined && !list.some(isFromEnvironment)) {
          // Redis lost it (flushed): the environment still says it exists.
          await this.saveEnvironmentEndpoint();
          list = await this.repository.all();
        }
        this.endpoints = { at: Date.now(), list };
        return list;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private forget(): void {
    this.endpoints = undefined;
  }

  private async stored(id: string): Promise<StoredWebhook> {
    const stored = await this.repository.find(id);
    if (stored === null) {
      throw new AsesException(AsesErrorCode.WEBHOOK_NOT_FOUND, `no webhook endpoint "${id}"`, {
        id,
      });
    }
    return stored;
  }

  private checkUrl(url: string): string {
    const problem =
      webhookUrlProblem(url) ??
      literalHostProblem(new URL(url).hostname, this.options.webhooks.allowPrivate);
    if (problem !== null) {
      throw new AsesException(AsesErrorCode.INVALID_REQUEST, `url ${problem}`, { field: 'url' });
    }
    return url;
  }

  /** Writes WEBHOOK_URL's endpoint, keeping its state (enabled or not) while its settings stay the same. */
  private async saveEnvironmentEndpoint(): Promise<void> {
    const given = this.options.webhooks.endpoint;
    if (given === undefined) {
      return;
    }
    const stored = await this.repository.find(ENV_WEBHOOK_ID);
    const same =
      stored !== null &&
      stored.url === given.url &&
      stored.secrets[0]?.secret === given.secret &&
      JSON.stringify(stored.events) === JSON.stringify(given.events);
    if (same) {
      return;
    }
    const now = new Date().toISOString();
    await this.repository.save({
      id: ENV_WEBHOOK_ID,
      url: given.url,
      ...(given.events === undefined ? {} : { events: given.events }),
      description: 'WEBHOOK_URL',
      enabled: true,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
      secrets: [{ secret: given.secret }],
      source: 'env',
    });
    await this.repository.succeeded(ENV_WEBHOOK_ID);
    this.forget();
  }
}

/** The queue's id of a delivery: one per event and endpoint. */
export function deliveryJobId(job: Pick<DeliveryJob, 'webhookId' | 'endpointId'>): string {
  return `${job.webhookId}.${job.endpointId}`;
}

function isFromEnvironment(webhook: StoredWebhook): boolean {
  return webhook.id === ENV_WEBHOOK_ID;
}

function fromEnvironment(what: string): AsesException {
  return new AsesException(
    AsesErrorCode.WEBHOOK_CONFLICT,
    `the endpoint "${ENV_WEBHOOK_ID}" comes from WEBHOOK_URL: ${what}`,
    { id: ENV_WEBHOOK_ID },
  );
}
