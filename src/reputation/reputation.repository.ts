import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { AsesRedis } from '../core/ases-redis';
import { InjectAsesOptions, InjectAsesRedis } from '../core/ases.tokens';
import { defineScripts } from '../core/lua-scripts';
import { inStore } from '../core/redis-store';
import {
  GuardStatus,
  INITIAL_STATUS,
  parseCounters,
  ReputationState,
  ResumedBy,
} from './reputation-rules';

/** What a Redis failure here is reported as. */
const WHAT = 'the reputation guard';
const STATES: readonly ReputationState[] = ['healthy', 'warning', 'paused'];
const RESUMED_BY: readonly ResumedBy[] = ['hand', 'rate'];
/** `reputation-set-1.lua`'s answer: applied. */
const APPLIED = 1;

/** The guard's state as read, with the version a compare-and-set must name. */
export interface VersionedStatus {
  status: GuardStatus;
  /** 0 when nothing is stored (never set, or Redis lost it). */
  version: number;
}

/** The script of `./lua`, as `defineScripts` names it; argument order as in its header. */
interface ReputationCommands {
  asesReputationSet(
    key: string,
    version: string,
    state: string,
    since: string,
    reason: string,
    resumedBy: string,
    handResumedAt: string,
    baseline: string,
  ): Promise<[number, number]>;
}

/**
 * The only code that knows how the guard's state is kept: one small hash,
 * `<prefix>rep:{guard}` (fields state, since, reason, resumedBy, handResumedAt, baseline, version), shared
 * by the fleet and never expiring. Changes go through a compare-and-set on `version`.
 */
@Injectable()
export class ReputationRepository {
  private readonly redis: AsesRedis & ReputationCommands;
  readonly key: string;

  constructor(
    @InjectAsesRedis() redis: AsesRedis,
    @InjectAsesOptions() options: Pick<ResolvedAsesOptions, 'redis'>,
  ) {
    defineScripts(redis, join(__dirname, 'lua'));
    this.redis = redis as AsesRedis & ReputationCommands;
    this.key = `${options.redis.keyPrefix}rep:{guard}`;
  }

  /** The stored state, or the initial one (healthy, version 0) when there is none. */
  async read(): Promise<VersionedStatus> {
    const hash = await inStore(WHAT, () => this.redis.hgetall(this.key));
    return decodeStatus(hash);
  }

  /**
   * Stores `next` if the state is still at `version`; resolves to the new version, or null when
   * another instance changed it first (the caller reads again).
   */
  async compareAndSet(version: number, next: GuardStatus): Promise<number | null> {
    const [outcome, now] = await inStore(WHAT, () =>
      this.redis.asesReputationSet(
        this.key,
        String(version),
        next.state,
        String(next.sinceMs),
        next.reason ?? '',
        next.resumedBy ?? '',
        next.handResumedAtMs === undefined ? '' : String(next.handResumedAtMs),
        next.handResumeBaseline === undefined ? '' : JSON.stringify(next.handResumeBaseline),
      ),
    );
    return outcome === APPLIED ? now : null;
  }
}

/** A stored hash as a status; fields it does not know, or malformed ones, read as absent. */
export function decodeStatus(hash: Record<string, string>): VersionedStatus {
  const version = Number(hash.version);
  const state = hash.state as ReputationState;
  if (!Number.isInteger(version) || version < 1 || !STATES.includes(state)) {
    return { status: { ...INITIAL_STATUS }, version: Number.isInteger(version) ? version : 0 };
  }
  const status: GuardStatus = {
    state,
    sinceMs: Number(hash.since) || 0,
    reason: hash.reason ?? null,
  };
  if (RESUMED_BY.includes(hash.resumedBy as ResumedBy)) {
    status.resumedBy = hash.resumedBy as ResumedBy;
  }
  const handResumedAt = Number(hash.handResumedAt);
  if (hash.handResumedAt !== undefined && Number.isFinite(handResumedAt)) {
    status.handResumedAtMs = handResumedAt;
  }
  const baseline = parseCounters(hash.baseline);
  if (baseline !== undefined) {
    status.handResumeBaseline = baseline;
  }
  return { status, version };
}
