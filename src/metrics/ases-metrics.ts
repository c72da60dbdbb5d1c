import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import type { QueueDepth } from '../core/queue-directory';
import type { QueueRole } from '../core/queue-roles';
import type { TrackingSource } from '../status/message-record';
import { MessageStatus } from '../status/message-status';
import { HIT_CLASSES, HitClass } from '../tracking/hit-classifier';
import {
  FeedbackLabels,
  SES_CALL_OUTCOMES,
  SesCallOutcome,
  WEBHOOK_OUTCOMES,
  WebhookOutcome,
} from './metric-labels';

/**
 * What the gauges read at scrape time. Each reading must answer quickly (a cache, a timeout):
 * a scrape waits for them. A reading that throws or gives null leaves its gauge without a sample.
 */
export interface ScrapeSources {
  /** The queues' approximate message counts, by queue role (a queue that did not answer is left out). */
  queueDepths(): Promise<ReadonlyMap<QueueRole, QueueDepth> | undefined>;
  /** The fleet's send rate in force, mails per second (lowered after throttling). */
  sendRateLimit(): Promise<number | null>;
  /** SEND_RATE, or SES's MaxSendRate with `auto`; null until known. */
  sendRateCeiling(): number | null;
  /** Whether this instance holds sending paused (SES's 24-hour quota used up). */
  sendPaused(): boolean;
  /** Whether ases's Redis connection is up. */
  storeUp(): boolean;
}

/** Seconds from queued (or due) to SES's acceptance: from a queue that is empty to an hour's backlog. */
const QUEUED_TO_PUSHED_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Seconds from an SES event to its application: SNS and SQS take seconds, a backlog minutes. */
const FEEDBACK_LAG_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600];
/** Seconds of one webhook request, up to a slow endpoint's timeout. */
const WEBHOOK_DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const QUEUE_STATES: ReadonlyArray<[keyof QueueDepth, string]> = [
  ['visible', 'visible'],
  ['inFlight', 'in_flight'],
  ['delayed', 'delayed'],
];

const TRACKING_KINDS = ['open', 'click'] as const;
const TRACKING_SOURCES: readonly TrackingSource[] = ['ases', 'ses'];

/**
 * ases's Prometheus metrics, in a registry of its own: never prom-client's global one, so a
 * host's own metrics are not disturbed, and a host can merge `registry` into its own
 * (`Registry.merge`) or serve it. Services record through the methods; gauges read
 * {@link ScrapeSources} at scrape time.
 */
@Injectable()
export class AsesMetrics {
  /** ases's registry: every metric below, and the Node.js process metrics unless turned off. */
  readonly registry = new Registry();
  private readonly logger = new Logger('ases');
  private sources: ScrapeSources | undefined;

  private readonly messagesAccepted = new Counter({
    name: 'ases_messages_accepted_total',
    help: 'Messages accepted for sending (queued or scheduled), replays of a localMessageId not counted.',
    registers: [this.registry],
  });
  private readonly recipientsAccepted = new Counter({
    name: 'ases_recipients_accepted_total',
    help: 'Recipients (to, cc and bcc) of the messages accepted for sending.',
    registers: [this.registry],
  });
  private readonly messagesRefused = new Counter({
    name: 'ases_messages_refused_total',
    help: 'Messages refused by the send API, by error code (INVALID_MESSAGE, RECIPIENT_SUPPRESSED...).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly sesCalls = new Counter({
    name: 'ases_ses_calls_total',
    help: 'SendRawEmail calls of this process, by outcome: accepted, throttled, quota_exceeded, rejected, error.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly recipientsSent = new Counter({
    name: 'ases_ses_recipients_sent_total',
    help: "Recipients of the mails SES accepted from this process: its share of the fleet's send rate.",
    registers: [this.registry],
  });
  private readonly statusChanges = new Counter({
    name: 'ases_status_changes_total',
    help: 'Message status changes this process made, by the new status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly feedbackEvents = new Counter({
    name: 'ases_feedback_events_total',
    help: 'SES feedback messages handled, by SES event type, source (queue or sns-https) and outcome.',
    labelNames: ['type', 'source', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly trackingHits = new Counter({
    name: 'ases_tracking_hits_total',
    help: "Opens and clicks recorded, by kind, class (human, proxy, scanner, unknown) and source (ases's endpoints or SES).",
    labelNames: ['kind', 'class', 'source'] as const,
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'ases_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome: delivered, retrying, failed, gone, dropped.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookDuration = new Histogram({
    name: 'ases_webhook_delivery_duration_seconds',
    help: 'Duration of webhook delivery requests.',
    buckets: WEBHOOK_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly webhookEndpointsDisabled = new Counter({
    name: 'ases_webhook_endpoints_disabled_total',
    help: 'Webhook endpoints disabled after failing for too long.',
    registers: [this.registry],
  });
  private readonly storeErrors = new Counter({
    name: 'ases_store_errors_total',
    help: 'Redis operations that failed (no answer, refused, unexpected reply), by store.',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });
  private readonly queuedToPushed = new Histogram({
    name: 'ases_queued_to_pushed_seconds',
    help: 'Seconds from a message being queued (or due, when sent later) to SES accepting it.',
    buckets: QUEUED_TO_PUSHED_BUCKETS,
    registers: [this.registry],
  });
  private readonly reputationState = new Gauge({
    name: 'ases_reputation_state',
    help: "The reputation guard's state as this process last read it: 0 healthy, 1 warning, 2 paused (every category but transactional held back).",
    registers: [this.registry],
  });
  private readonly reputationRate = new Gauge({
    name: 'ases_reputation_rate',
    help: 'Bounce rate (hard bounces) and complaint rate over delivered + bounced, as fractions, by kind (bounce, complaint) and window (24h, 7d); no sample while a window has no volume.',
    labelNames: ['kind', 'window'] as const,
    registers: [this.registry],
  });
  private readonly reputationTransitions = new Counter({
    name: 'ases_reputation_transitions_total',
    help: "Changes of the reputation guard's state this process made (one process makes each), by event: warning, paused, resumed.",
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly feedbackLag = new Histogram({
    name: 'ases_feedback_lag_seconds',
    help: "Seconds from an SES event's timestamp to ases applying it (SNS, SQS and ases together).",
    buckets: FEEDBACK_LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor(@InjectAsesOptions() options: Pick<ResolvedAsesOptions, 'metrics'>) {
    const metrics = this.registry;
    new Gauge({
      name: 'ases_send_rate_limit',
      help: "The fleet's send rate in force, mails per second: SEND_RATE (or MaxSendRate), lowered after SES throttles.",
      registers: [metrics],
      collect: this.collecting('ases_send_rate_limit', async (gauge) => {
        const rate = await this.sources?.sendRateLimit();
        if (typeof rate === 'number') {
          gauge.set(rate);
        }
      }),
    });
    new Gauge({
      name: 'ases_send_rate_ceiling',
      help: "The fleet's configured send rate, mails per second: SEND_RATE, or SES's MaxSendRate with SEND_RATE=auto.",
      registers: [metrics],
      collect: this.collecting('ases_send_rate_ceiling', (gauge) => {
        const rate = this.sources?.sendRateCeiling();
        if (typeof rate === 'number') {
          gauge.set(rate);
        }
      }),
    });
    new Gauge({
      name: 'ases_send_paused',
      help: "1 while sending is paused because SES's 24-hour quota is used up, else 0.",
      registers: [metrics],
      collect: this.collecting('ases_send_paused', (gauge) => {
        if (this.sources) {
          gauge.set(this.sources.sendPaused() ? 1 : 0);
        }
      }),
    });
    new Gauge({
      name: 'ases_store_up',
      help: "1 while ases's Redis connection is up, 0 while Redis is unreachable or hung.",
      registers: [metrics],
      collect: this.collecting('ases_store_up', (gauge) => {
        if (this.sources) {
          gauge.set(this.sources.storeUp() ? 1 : 0);
        }
      }),
    });
    new Gauge({
      name: 'ases_queue_messages',
      help: 'Approximate messages in each SQS queue (GetQueueAttributes, read at most every 15 s), by state: visible, in_flight, delayed.',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics],
      collect: this.collecting('ases_queue_messages', async (gauge) => {
        const depths = await this.sources?.queueDepths();
        for (const [queue, depth] of depths ?? []) {
          for (const [field, state] of QUEUE_STATES) {
            gauge.set({ queue, state }, depth[field]);
          }
        }
      }),
    });

    // Every value of the small label sets starts at 0, so rate() and increase() see the first event.
    SES_CALL_OUTCOMES.forEach((outcome) => this.sesCalls.labels({ outcome }).inc(0));
    Object.values(MessageStatus)
      .filter((status) => status !== MessageStatus.UNKNOWN)
      .forEach((status) => this.statusChanges.labels({ status }).inc(0));
    WEBHOOK_OUTCOMES.forEach((outcome) => this.webhookDeliveries.labels({ outcome }).inc(0));
    for (const event of ['warning', 'paused', 'resumed'] as const) {
      this.reputationTransitions.labels({ event }).inc(0);
    }
    for (const kind of TRACKING_KINDS) {
      for (const hitClass of HIT_CLASSES) {
        for (const source of TRACKING_SOURCES) {
          this.trackingHits.labels({ kind, class: hitClass, source }).inc(0);
        }
      }
    }

    if (options.metrics.processMetrics) {
      collectDefaultMetrics({ register: metrics });
      // prom-client names three gauges `*_total`, which Prometheus keeps for counters (promtool
      // flags them); each is the sum of its labelled gauge without the suffix.
      for (const metric of metrics.getMetricsAsArray()) {
        if (metric.type.toString() === 'gauge' && metric.name.endsWith('_total')) {
          metrics.removeSingleMetric(metric.name);
        }
      }
    }
  }

  /** The scrape-time readings of the gauges (queue depths, send rate, Redis); set once at start. */
  observe(sources: ScrapeSources): void {
    this.sources = sources;
  }

  /** The registry's metrics in the Prometheus text format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of {@link scrape}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Messages accepted for sending, with their recipients. */
  accepted(messages: number, recipients: number): void {
    this.messagesAccepted.inc(messages);
    this.recipientsAccepted.inc(recipients);
  }

  /** A message the send API refused, by its error code. */
  refused(code: string): void {
    this.messagesRefused.labels({ code }).inc();
  }

  /** A SendRawEmail call that SES refused or that failed. */
  sesFailed(outcome: Exclude<SesCallOutcome, 'accepted'>): void {
    this.sesCalls.labels({ outcome }).inc();
  }

  /** A SendRawEmail call SES accepted for `recipients`, after the message waited `waitedSeconds`. */
  sesAccepted(recipients: number, waitedSeconds: number | undefined): void {
    this.sesCalls.labels({ outcome: 'accepted' }).inc();
    this.recipientsSent.inc(recipients);
    if (waitedSeconds !== undefined) {
      this.queuedToPushed.observe(waitedSeconds);
    }
  }

  /** A message moved to `status`. */
  statusChanged(status: MessageStatus): void {
    this.statusChanges.labels({ status }).inc();
  }

  /** A feedback message handled; `lagSeconds` for an SES event that was applied. */
  feedback(labels: FeedbackLabels, lagSeconds?: number): void {
    this.feedbackEvents.labels({ ...labels }).inc();
    if (lagSeconds !== undefined) {
      this.feedbackLag.observe(lagSeconds);
    }
  }

  /** An open or click recorded. */
  trackingHit(kind: 'open' | 'click', hitClass: HitClass, source: TrackingSource): void {
    this.trackingHits.labels({ kind, class: hitClass, source }).inc();
  }

  /** A webhook delivery attempt and how it ended; `seconds`: how long its request took, if one was made. */
  webhookDelivered(outcome: WebhookOutcome, seconds?: number): void {
    this.webhookDeliveries.labels({ outcome }).inc();
    if (seconds !== undefined) {
      this.webhookDuration.observe(seconds);
    }
  }

  /** A webhook endpoint was disabled. */
  webhookDisabled(): void {
    this.webhookEndpointsDisabled.inc();
  }

  /** The guard's state (0 healthy, 1 warning, 2 paused) and its rates; a null rate has no sample. */
  reputation(
    state: number,
    rates: ReadonlyArray<{ kind: 'bounce' | 'complaint'; window: string; rate: number | null }>,
  ): void {
    this.reputationState.set(state);
    for (const { kind, window, rate } of rates) {
      if (rate === null) {
        this.reputationRate.remove({ kind, window });
      } else {
        this.reputationRate.set({ kind, window }, rate);
      }
    }
  }

  /** A change of the guard's state this process made, by the event it emitted. */
  reputationTransition(event: 'warning' | 'paused' | 'resumed'): void {
    this.reputationTransitions.labels({ event }).inc();
  }

  /** A Redis failure of `store` (a bounded name, see `storeLabel`). */
  storeError(store: string): void {
    this.storeErrors.labels({ store }).inc();
  }

  /**
   * A gauge's collect function that never fails the scrape: the gauge starts each scrape with no
   * sample (not a misleading 0), and a reading that throws leaves it so, logged at debug level.
   */
  private collecting(
    name: string,
    read: (gauge: Gauge) => void | Promise<void>,
  ): (this: Gauge) => Promise<void> {
    const logger = this.logger;
    return async function (this: Gauge): Promise<void> {
      const clear = (): void => {
        this.reset();
        // An unlabelled gauge resets to 0; without its one series it shows no sample.
        this.remove({});
      };
      clear();
      try {
        await read(this);
      } catch (error) {
        clear();
        logger.debug(
          `metrics: ${name} not read: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    };
  }
}
