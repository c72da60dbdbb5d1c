import { Injectable, Logger } from '@nestjs/common';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { sameMailbox } from '../core/email-address';
import type { MessageUpdate } from '../status/status.repository';
import { AsesMetrics } from '../metrics/ases-metrics';
import { feedbackLabels, feedbackLagSeconds } from '../metrics/metric-labels';
import { StatusService } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import { HitRequest, HitUpdate, TrackingService } from '../tracking/tracking.service';
import {
  FeedbackCounter,
  FeedbackSource,
  FeedbackStatsRepository,
} from './feedback-stats.repository';
import { ParsedFeedback, SesNotification } from './ses-notification';
import { eventIdentity, FeedbackEffect, feedbackEffectFor } from './status-change';

/** How long after a send a missing record is taken for one Redis lost (see sentRecently). */
const RECENT_MS = 60 * 60 * 1000;
/**
 * What applying a notification did. `unknown-message`: no message has this SES id (yet: the
 * PUSHED write may still be on its way); `expired`: the message's record is gone (or the mail is
 * older than the retention); `duplicate`: this event was applied before.
 */
export type FeedbackOutcome =
  'applied' | 'unchanged' | 'duplicate' | 'unknown-message' | 'expired' | 'other-recipient';

type NotificationFeedback = Extract<ParsedFeedback, { kind: 'notification' }>;

/** What a transport should do with a message it handed over: done (acknowledge), or retry later. */
export type FeedbackReceipt =
  | { result: 'done'; outcome: FeedbackOutcome | 'poison' | 'unsupported' | 'subscription' }
  | { result: 'retry'; reason: string };

const COUNTER_BY_OUTCOME: Record<FeedbackOutcome, FeedbackCounter> = {
  applied: 'applied',
  unchanged: 'unchanged',
  duplicate: 'duplicates',
  'unknown-message': 'unknownMessage',
  expired: 'expired',
  'other-recipient': 'otherRecipient',
};

/**
 * Applies SES feedback to messages; one service behind every transport (the feedback queues and
 * the SNS HTTPS endpoint), so parsing, ordering, dedupe and suppression are the same for all.
 */
@Injectable()
export class FeedbackService {
  private readonly logger = new Logger('ases');
  /** SES types already logged as unsupported by this process: logged once each, counted always. */
  private readonly loggedUnsupported = new Set<string>();

  constructor(
    private readonly status: StatusService,
    private readonly suppressions: SuppressionService,
    private readonly stats: FeedbackStatsRepository,
    private readonly tracking: TrackingService,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
    private readonly metrics: AsesMetrics,
  ) {}

  /**
   * Handles one parsed feedback message from `source` and counts it. `mayRetry`: the transport
   * can hand the message over again later (an event for an SES id not known yet may be racing
   * the PUSHED write); when it cannot, such an event is dropped. `label` names the transport's
   * message in logs. Redis errors throw: the transport retries.
   */
  async receive(
    parsed: ParsedFeedback,
    source: FeedbackSource,
    mayRetry: boolean,
    label: string,
  ): Promise<FeedbackReceipt> {
    let receipt: FeedbackReceipt | 'error' = 'error';
    try {
      receipt = await this.handle(parsed, source, mayRetry, label);
      return receipt;
    } finally {
      this.metrics.feedback(
        feedbackLabels(parsed, source, receipt),
        feedbackLagSeconds(parsed, receipt, Date.now()),
      );
    }
  }

  private async handle(
    parsed: ParsedFeedback,
    source: FeedbackSource,
    mayRetry: boolean,
    label: string,
  ): Promise<FeedbackReceipt> {
    const now = new Date();
    switch (parsed.kind) {
      case 'invalid':
        this.logger.warn(`${source}: dropped ${label} (poison): ${parsed.reason}`);
        await this.stats.count(source, ['poison']);
        return { result: 'done', outcome: 'poison' };
      case 'unsupported':
        if (!this.loggedUnsupported.has(parsed.eventType)) {
          this.loggedUnsupported.add(parsed.eventType);
          this.logger.warn(
            `${source}: SES event type ${JSON.stringify(parsed.eventType)} is not supported; ` +
              'such events are counted in /v1/feedback/stats and dropped (logged once per type)',
          );
        }
        await this.stats.count(source, [{ unsupported: parsed.eventType }], now);
        return { result: 'done', outcome: 'unsupported' };
      case 'subscription':
        this.logger.log(
          `${source}: SNS ${parsed.type} for ${parsed.topicArn ?? 'a topic'} (${label})`,
        );
        await this.stats.count(source, ['subscriptions']);
        return { result: 'done', outcome: 'subscription' };
      case 'notification':
        break;
    }
    const { notification } = parsed;
    const outcome = await this.apply(parsed);
    const about = `${notification.type} for SES message ${notification.sesMessageId}`;
    if (outcome === 'unknown-message' && mayRetry) {
      return { result: 'retry', reason: `${about} is not known yet` };
    }
    switch (outcome) {
      case 'unknown-message':
      case 'expired':
      case 'other-recipient':
        this.logger.warn(`${source}: dropped ${label} (${outcome}): ${about}`);
        break;
      case 'applied':
      case 'unchanged':
      case 'duplicate':
        break;
    }
    await this.stats.count(
      source,
      [{ event: notification.type }, COUNTER_BY_OUTCOME[outcome]],
      now,
    );
    return { result: 'done', outcome };
  }

  /** Applies a notification to the message SES sent with its id, once. */
  async apply({ notification }: NotificationFeedback): Promise<FeedbackOutcome> {
    const times = [notification.mailTimestamp, notification.timestamp]
      .map((time) => (time === undefined ? NaN : Date.parse(time)))
      .filter(Number.isFinite);
    const match = await this.status.findBySesId(notification.sesMessageId, {
      candidateId: notification.asesId,
      times,
    });
    if (match.outcome === 'expired') {
      // A recent mail's record is gone only if Redis lost it; the job's receipt or the sender
      // may be making it again right now, so try again (bounded by the feedback attempts).
      return this.sentRecently(notification) ? 'unknown-message' : 'expired';
    }
    if (match.outcome === 'unknown') {
      return this.olderThanRetention(notification) ? 'expired' : 'unknown-message';
    }
    const { id } = match;
    if (match.recipients !== undefined && match.recipients.length > 1) {
      return this.applyToRecipients(id, notification, match.recipients);
    }
    // Lean records keep no address: the notification's own recipient (one per message) stands.
    const recipient = match.to ?? notification.recipients[0] ?? notification.destination[0];
    if (recipient === undefined) {
      return 'other-recipient';
    }
    const effect = feedbackEffectFor(notification, recipient);
    if (!effect) {
      return 'other-recipient';
    }
    // The event identity catches SNS retries and SQS redeliveries of one publication as well as
    // the same event published twice (identity notifications and a configuration set both on).
    return this.applyEffect(id, notification, effect, {
      address: recipient,
      dedupeKey: `ev:${eventIdentity(notification)}`,
    });
  }

  /**
   * A notification for a message with several recipients, each of which keeps its own status:
   * one update per recipient it names that the message has (each with its own dedupe key, so a
   * retry after a partial run applies the rest), suppressing only those it says to; an event
   * about the whole mail (Send, Reject, Rendering Failure, Open, Click, Subscription) is one
   * update about the whole message.
   */
  private async applyToRecipients(
    id: string,
    notification: SesNotification,
    recipients: string[],
  ): Promise<FeedbackOutcome> {
    const identity = `ev:${eventIdentity(notification)}`;
    if (notification.recipients.length === 0) {
      const effect = feedbackEffectFor(notification, recipients[0]);
      return effect === null
        ? 'other-recipient'
        : this.applyEffect(id, notification, effect, { dedupeKey: identity });
    }
    const named = recipients.filter((address) =>
      notification.recipients.some((other) => sameMailbox(other, address)),
    );
    const outcomes: FeedbackOutcome[] = [];
    for (const address of named) {
      const effect = feedbackEffectFor(notification, address);
      if (effect === null) {
        continue;
      }
      const outcome = await this.applyEffect(id, notification, effect, {
        address,
        recipient: address,
        dedupeKey: `${identity}|${address.toLowerCase()}`,
      });
      if (outcome === 'unknown-message' || outcome === 'expired') {
        return outcome;
      }
      outcomes.push(outcome);
    }
    return combinedOutcome(outcomes);
  }

  /**
   * Applies one effect: suppresses `target.address` when the effect says so, then records the
   * update (about `target.recipient`, or the whole message) under `target.dedupeKey`.
   */
  private async applyEffect(
    id: string,
    notification: SesNotification,
    effect: FeedbackEffect,
    target: { address?: string; recipient?: string; dedupeKey: string },
  ): Promise<FeedbackOutcome> {
    const { address } = target;
    // Suppress before the event is marked seen: if this fails, the retry must not be skipped as a
    // duplicate, or the address would stay mailable. Suppressing twice is harmless.
    if (effect.suppress && address !== undefined) {
      await this.suppressions.suppress({
        email: address,
        reason: effect.suppress.reason,
        source: effect.suppress.source,
        messageId: id,
        at: effect.event.at,
      });
    }
    const hit = effect.tracking && (await this.hitOf(id, effect.tracking));
    const update: MessageUpdate = {
      status: effect.status,
      change: effect.change,
      tracking: hit?.tracking,
      event: hit ? { ...effect.event, hit: hit.event.hit } : effect.event,
      dedupeKeys: [target.dedupeKey],
    };
    if (target.recipient !== undefined) {
      update.recipient = target.recipient;
    }
    const result = await this.status.update(id, update);
    if (result.outcome === 'missing') {
      return this.sentRecently(notification) ? 'unknown-message' : 'expired';
    }
    if (effect.transientBounce && address !== undefined && result.outcome !== 'duplicate') {
      await this.suppressions.recordTransientBounce(address, effect.event.at, id);
    }
    return result.outcome;
  }

  /** SES's open or click, classified like ases's own hits, so both land in the same counters. */
  private hitOf(id: string, hit: NonNullable<FeedbackEffect['tracking']>): Promise<HitUpdate> {
    const request: HitRequest = {
      method: 'GET',
      userAgent: hit.userAgent,
      ip: hit.ipAddress,
      at: new Date(hit.at),
    };
    const click = hit.kind === 'click' && hit.link !== undefined ? { url: hit.link } : undefined;
    return this.tracking.hitUpdate(id, hit.kind, 'ses', request, click);
  }

  /** Sent within the hour: a missing record then means Redis lost it, not that it expired. */
  private sentRecently(notification: SesNotification): boolean {
    return sentAgoMs(notification) < RECENT_MS;
  }

  /**
   * Whether the mail was sent longer ago than records are kept: SES reports opens and clicks for
   * weeks, and such a late event must be dropped at once rather than retried as "not yet known".
   */
  private olderThanRetention(notification: SesNotification): boolean {
    return sentAgoMs(notification) > this.options.statusTtlSeconds * 1000;
  }
}

/**
 * One outcome for a notification applied to several recipients: `applied` when any recipient's
 * update was, else `unchanged` when any was recorded, else `duplicate` (all seen before), and
 * `other-recipient` when it named none of them.
 */
function combinedOutcome(outcomes: FeedbackOutcome[]): FeedbackOutcome {
  for (const outcome of ['applied', 'unchanged', 'duplicate'] as const) {
    if (outcomes.includes(outcome)) {
      return outcome;
    }
  }
  return 'other-recipient';
}

/** How long ago SES took the mail a notification is about. */
function sentAgoMs(notification: SesNotification): number {
  return Date.now() - Date.parse(notification.mailTimestamp ?? notification.timestamp);
}
