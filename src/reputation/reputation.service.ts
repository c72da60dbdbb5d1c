import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesReputationEvent } from '../core/ases-events';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesEvents, InjectAsesOptions } from '../core/ases.tokens';
import { AsesMetrics } from '../metrics/ases-metrics';
import { REPUTATION_COUNTS, ReputationCounts } from './reputation-counts';
import {
  afterHandResume,
  decide,
  Decision,
  GuardStatus,
  GuardThresholds,
  holdsBack,
  INITIAL_STATUS,
  Observed,
  REPUTATION_WINDOWS,
  ReputationCategoryTotals,
  ReputationCounters,
  ReputationTransition,
  countersAfter,
  figuresOf,
  sumCounters,
  STATE_GAUGE,
  totalFigures,
  transitionOf,
} from './reputation-rules';
import { ReputationRepository, VersionedStatus } from './reputation.repository';
import { reputationView, ReputationView } from './reputation-view';

/** How soon after a bounce or complaint the rates are evaluated again (events come in bursts). */
export const AFTER_FEEDBACK_MS = 1000;
/** Compare-and-set rounds before an evaluation gives up to the next one (other instances won each). */
const MAX_ROUNDS = 3;

const EVENT_NAMES: Readonly<Record<ReputationTransition, string>> = {
  warning: ASES_EVENTS.reputationWarning,
  paused: ASES_EVENTS.reputationPaused,
  resumed: ASES_EVENTS.reputationResumed,
};

/**
 * The reputation guard: evaluates the fleet's bounce and complaint rates every `checkIntervalMs`
 * (and soon after a bounce or complaint), keeps the state in Redis, and announces each change of
 * state once fleet-wide (log line, metric, `ases.reputation.*` event and so webhook), made by the
 * instance whose compare-and-set won. The sender asks {@link holdsBack} for every message: an
 * answer from memory, the state this instance last read. While Redis does not answer, that last
 * known state stays in force (nothing is sent then anyway: sending needs Redis); a Redis that
 * lost the state (flushed) reads as healthy, its counts being gone too.
 */
@Injectable()
export class ReputationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private readonly thresholds: GuardThresholds;
  private known: GuardStatus = { ...INITIAL_STATUS };
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<ReputationView> | undefined;
  private failing = false;
  /** The pause (its start) whose held-back mail was logged: one line per pause, not per message. */
  private loggedHoldOf: number | undefined;
  private readonly onFeedback = (): void => {
    if (this.soon === undefined && this.timer !== undefined) {
      this.soon = setTimeout(() => {
        this.soon = undefined;
        this.check();
      }, AFTER_FEEDBACK_MS);
      this.soon.unref();
    }
  };

  constructor(
    private readonly repository: ReputationRepository,
    @Inject(REPUTATION_COUNTS) private readonly counts: ReputationCounts,
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() private readonly options: Pick<ResolvedAsesOptions, 'guard'>,
    @Optional() @InjectAsesEvents() private readonly events?: EventEmitter2,
  ) {
    const guard = options.guard;
    this.thresholds = {
      minVolume: guard.minVolume,
      warning: { bounceRate: guard.warningBounceRate, complaintRate: guard.warningComplaintRate },
      guard: { bounceRate: guard.bounceRate, complaintRate: guard.complaintRate },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.guard.enabled) {
      return;
    }
    // Read once before sending starts, so that a pause already in force holds from the first message.
    await this.evaluate().catch((error: unknown) => this.failed(error));
    this.timer = setInterval(() => this.check(), this.options.guard.checkIntervalMs);
    this.timer.unref();
    this.events?.on(ASES_EVENTS.bounced, this.onFeedback);
    this.events?.on(ASES_EVENTS.complained, this.onFeedback);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    this.events?.off(ASES_EVENTS.bounced, this.onFeedback);
    this.events?.off(ASES_EVENTS.complained, this.onFeedback);
    await this.running?.catch(() => undefined);
  }

  /** Whether mail of `category` is held back now (every category but transactional, while paused). */
  isPaused(category: string | undefined): boolean {
    return this.options.guard.enabled && holdsBack(this.known.state, category);
  }

  /**
   * {@link isPaused}, for the sender: the first message held back in a pause is logged (warn),
   * the others not.
   */
  holdsBack(category: string | undefined): boolean {
    const held = this.isPaused(category);
    if (held && this.loggedHoldOf !== this.known.sinceMs) {
      this.loggedHoldOf = this.known.sinceMs;
      this.logger.warn(
        `reputation guard paused (${this.known.reason ?? 'no reason recorded'}): mail of every ` +
          `category but transactional stays queued until it resumes`,
      );
    }
    return held;
  }

  /** The state and the figures now (`GET /v1/reputation`), evaluating them afresh. */
  view(): Promise<ReputationView> {
    return this.evaluate();
  }

  /**
   * Ends a pause by hand (`POST /v1/reputation/resume`); the state and figures after it. Not
   * paused: nothing changes. After it, the pause rule counts only the sends made since.
   */
  async resume(): Promise<ReputationView> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = Date.now();
      const [day, week] = await this.windows(now);
      const current = await this.read();
      if (current.status.state !== 'paused') {
        return reputationView(current.status, day, week, this.thresholds);
      }
      const decision = afterHandResume(this.observed(day, week), this.thresholds);
      const baseline = sumCounters(await this.counts.totals(now, now));
      const next = await this.change(current, decision, now, [day, week], { now, baseline });
      if (next !== null) {
        return reputationView(next, day, week, this.thresholds);
      }
    }
    return this.view();
  }

  /** Evaluates once in the background; a failure is logged once until an evaluation works again. */
  private check(): void {
    this.evaluate().catch((error: unknown) => this.failed(error));
  }

  /** One evaluation at a time per process: callers meanwhile share the one under way. */
  private evaluate(): Promise<ReputationView> {
    this.running ??= this.evaluateOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async evaluateOnce(): Promise<ReputationView> {
    for (let round = 0; ; round += 1) {
      const now = Date.now();
      const [day, week] = await this.windows(now);
      const current = await this.read();
      const status = current.status;
      const observed = this.observed(day, week);
      this.recordMetrics(status, observed);
      if (!this.options.guard.enabled) {
        return reputationView(status, day, week, this.thresholds);
      }
      const handResumedAt = status.handResumedAtMs;
      if (handResumedAt !== undefined && handResumedAt > now - REPUTATION_WINDOWS['24h']) {
        const since = sumCounters(await this.counts.totals(handResumedAt, now));
        observed.sinceHandResume = figuresOf([countersAfter(since, status.handResumeBaseline)]);
      }
      const decision = decide(status.state, observed, this.thresholds);
      if (decision.state === status.state || round >= MAX_ROUNDS) {
        return reputationView(status, day, week, this.thresholds);
      }
      const next = await this.change(current, decision, now, [day, week]);
      if (next !== null) {
        this.recordMetrics(next, observed);
        return reputationView(next, day, week, this.thresholds);
      }
    }
  }

  /** The state in Redis, remembered as the last known one. */
  private async read(): Promise<VersionedStatus> {
    const current = await this.repository.read();
    this.known = current.status;
    if (this.failing) {
      this.failing = false;
      this.logger.log(`reputation guard: evaluating again (state ${current.status.state})`);
    }
    return current;
  }

  private windows(now: number): Promise<[ReputationCategoryTotals, ReputationCategoryTotals]> {
    return Promise.all([
      this.counts.totals(now - REPUTATION_WINDOWS['24h'], now),
      this.counts.totals(now - REPUTATION_WINDOWS['7d'], now),
    ]);
  }

  private observed(day: ReputationCategoryTotals, week: ReputationCategoryTotals): Observed {
    return { '24h': totalFigures(day), '7d': totalFigures(week) };
  }

  /**
   * Moves the state from `current` as `decision` says, if no other instance moved it first;
   * announces the change. Resolves to the new state, or null when another instance was first.
   */
  private async change(
    current: VersionedStatus,
    decision: Decision,
    now: number,
    counts: [ReputationCategoryTotals, ReputationCategoryTotals],
    handResume?: { now: number; baseline: ReputationCounters },
  ): Promise<GuardStatus | null> {
    const next: GuardStatus = {
      state: decision.state,
      sinceMs: now,
      reason: decision.reason,
    };
    const resumedBy = decision.resumedBy ?? current.status.resumedBy;
    if (resumedBy !== undefined) {
      next.resumedBy = resumedBy;
    }
    // A resume by hand is remembered (for the pause rule) until the next one.
    const handResumedAtMs = handResume?.now ?? current.status.handResumedAtMs;
    const baseline = handResume?.baseline ?? current.status.handResumeBaseline;
    if (handResumedAtMs !== undefined) {
      next.handResumedAtMs = handResumedAtMs;
    }
    if (baseline !== undefined) {
      next.handResumeBaseline = baseline;
    }
    const version = await this.repository.compareAndSet(current.version, next);
    if (version === null) {
      return null;
    }
    this.known = next;
    const event = transitionOf(current.status.state, next.state);
    if (event !== null) {
      this.announce(event, current.status, next, counts);
    }
    return next;
  }

  private announce(
    event: ReputationTransition,
    from: GuardStatus,
    to: GuardStatus,
    [day, week]: [ReputationCategoryTotals, ReputationCategoryTotals],
  ): void {
    this.metrics.reputationTransition(event);
    const how = to.resumedBy !== undefined && event === 'resumed' ? ` (by ${to.resumedBy})` : '';
    this.logger.warn({
      msg:
        `reputation.${event}: guard ${from.state} → ${to.state}${how}` +
        (to.reason === null ? '' : `: ${to.reason}`) +
        (to.state === 'paused' ? '; every category but transactional is held back' : ''),
      event: `reputation.${event}`,
      state: to.state,
      previousState: from.state,
    });
    const payload: AsesReputationEvent = {
      ...reputationView(to, day, week, this.thresholds),
      previousState: from.state,
    };
    this.events?.emit(EVENT_NAMES[event], payload);
  }

  private recordMetrics(status: GuardStatus, observed: Observed): void {
    this.metrics.reputation(
      STATE_GAUGE[this.options.guard.enabled ? status.state : 'healthy'],
      (['24h', '7d'] as const).flatMap((window) => [
        { kind: 'bounce' as const, window, rate: observed[window].bounceRate },
        { kind: 'complaint' as const, window, rate: observed[window].complaintRate },
      ]),
    );
  }

  private failed(error: unknown): void {
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(
        `reputation guard: not evaluated (${error instanceof Error ? error.message : String(error)}); ` +
          `the last known state (${this.known.state}) stays in force`,
      );
    }
  }
}
