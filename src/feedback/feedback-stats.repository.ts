import { Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore } from '../core/redis-store';

/** What a Redis failure here is reported as. */
const WHAT = 'the feedback stats';

/** Where feedback came from: one of the feedback queues, or the SNS HTTPS endpoint. */
export type FeedbackSource = 'bounces' | 'complaints' | 'deliveries' | 'events' | 'sns-https';

/** The counters of one source, since the Redis data was created (fleet-wide, survives restarts). */
export interface FeedbackSourceStats {
  /** When this source last handed ases an SES event (any type), ISO 8601; null if never. */
  lastEventAt: string | null;
  /** SES events received, by SES type (`Bounce`, `Delivery`, `Open`…). */
  events: Record<string, number>;
  /** Applied to a message (status change, timeline, counters). */
  applied: number;
  /** Applied, but the status had already moved past (a Delivery after a Bounce). */
  unchanged: number;
  /** Seen before (SNS retry, SQS redelivery, both notification methods) and not applied again. */
  duplicates: number;
  /** Not an SNS/SES message at all; dropped. */
  poison: number;
  /** For an SES message id ases never recorded (another sender, or PUSHED never written); dropped. */
  unknownMessage: number;
  /** For a message whose record has expired (late opens and clicks); dropped. */
  expired: number;
  /** Naming none of the message's recipients; dropped. */
  otherRecipient: number;
  /** SES event types ases does not know, by type; acknowledged and dropped. */
  unsupported: Record<string, number>;
  /** SNS SubscriptionConfirmation / UnsubscribeConfirmation messages. */
  subscriptions: number;
  /** SNS HTTPS only: refused for a bad signature, certificate or certificate URL (403). */
  signatureFailures: number;
  /** SNS HTTPS only: refused for a topic not in SNS_TOPIC_ARNS (403). */
  forbiddenTopics: number;
  /** SNS HTTPS only: not an SNS message (400). */
  malformed: number;
}

/** A counter to bump: one of the plain counters, or an SES type in `events` / `unsupported`. */
export type FeedbackCounter =
  | Exclude<keyof FeedbackSourceStats, 'lastEventAt' | 'events' | 'unsupported'>
  | { event: string }
  | { unsupported: string };

const PLAIN_COUNTERS = [
  'applied',
  'unchanged',
  'duplicates',
  'poison',
  'unknownMessage',
  'expired',
  'otherRecipient',
  'subscriptions',
  'signatureFailures',
  'forbiddenTopics',
  'malformed',
] as const;

/** The script of `./lua`, as `defineScripts` names it; argument order as in its header. */
interface FeedbackStatsCommands {
  asesFeedbackStatsCount(
    statsKey: string,
    lastEventAt: string,
    ...fields: string[]
  ): Promise<number>;
}

/**
 * Feedback diagnostics in Redis, one hash per source (`<prefix>stats:feedback:<source>`), so every
 * instance counts into the same numbers and a restart loses nothing. Each write and each read
 * touches one key, so the hashes may sit in any slots of a cluster. Counting never fails the
 * feedback it counts: a Redis error is logged.
 */
@Injectable()
export class FeedbackStatsRepository {
  private readonly logger = new Logger('ases');
  private readonly redis: AsesRedis & FeedbackStatsCommands;
  private readonly prefix: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: ResolvedAsesOptions,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & FeedbackStatsCommands;
    this.prefix = `${options.redis.keyPrefix}stats:feedback:`;
  }

  /** Bumps counters of a source; `eventAt` also moves its last-event time. */
  async count(source: FeedbackSource, counters: FeedbackCounter[], eventAt?: Date): Promise<void> {
    try {
      await this.redis.asesFeedbackStatsCount(
        this.prefix + source,
        eventAt ? eventAt.toISOString() : '',
        ...counters.map(fieldOf),
      );
    } catch (error) {
      this.logger.warn(`could not count feedback stats for ${source}: ${String(error)}`);
    }
  }

  /**
   * The stats of each source asked for; a source with nothing counted yet has zeros. Throws
   * STORE_UNAVAILABLE when Redis does not answer.
   */
  async read(sources: FeedbackSource[]): Promise<Record<string, FeedbackSourceStats>> {
    // Single-key reads, not a pipeline: on a cluster the sources' hashes are in different slots.
    const hashes = await inStore(WHAT, () =>
      Promise.all(sources.map((source) => this.redis.hgetall(this.prefix + source))),
    );
    const result: Record<string, FeedbackSourceStats> = {};
    sources.forEach((source, index) => {
      result[source] = toStats(hashes[index]);
    });
    return result;
  }
}

function fieldOf(counter: FeedbackCounter): string {
  if (typeof counter === 'string') {
    return counter;
  }
  return 'event' in counter ? `event:${counter.event}` : `unsupported:${counter.unsupported}`;
}

function toStats(hash: Record<string, string>): FeedbackSourceStats {
  const stats: FeedbackSourceStats = {
    lastEventAt: hash.lastEventAt ?? null,
    events: {},
    applied: 0,
    unchanged: 0,
    duplicates: 0,
    poison: 0,
    unknownMessage: 0,
    expired: 0,
    otherRecipient: 0,
    unsupported: {},
    subscriptions: 0,
    signatureFailures: 0,
    forbiddenTopics: 0,
    malformed: 0,
  };
  for (const name of PLAIN_COUNTERS) {
    stats[name] = Number(hash[name] ?? 0);
  }
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('event:')) {
      stats.events[field.slice('event:'.length)] = Number(value);
    } else if (field.startsWith('unsupported:')) {
      stats.unsupported[field.slice('unsupported:'.length)] = Number(value);
    }
  }
  return stats;
}
