import type { AsesGuardOptions, ResolvedAsesOptions } from '../core/ases-options';

/** The guard's defaults: warning at half SES's review thresholds, pause a little below them. */
export const GUARD_DEFAULTS: Readonly<Required<AsesGuardOptions>> = {
  enabled: true,
  minVolume: 500,
  warningBounceRate: 0.025,
  warningComplaintRate: 0.0005,
  bounceRate: 0.04,
  complaintRate: 0.0008,
  checkIntervalMs: 5000,
  holdSeconds: 300,
};

const RATE = /^(\d+(?:\.\d*)?|\.\d+)(\s*%)?$/;

/**
 * A rate from the environment: a fraction (`0.04`) or a percentage with its sign (`4%`); null
 * when it is neither, or not above 0 and below 1 (a bare `4` is refused: 4 or 4 %?).
 */
export function parseRate(text: string): number | null {
  const match = RATE.exec(text.trim());
  if (match === null) {
    return null;
  }
  const rate = match[2] === undefined ? Number(match[1]) : Number(match[1]) / 100;
  return isRate(rate) ? rate : null;
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1;
}

/**
 * `guard` of the resolved options, from the checked values of the options schema
 * (src/core/options-schema.ts declares each one, its bounds and its variable).
 */
export function guardOptionsFrom(value: <T>(path: string) => T): ResolvedAsesOptions['guard'] {
  const guard = {} as Record<keyof AsesGuardOptions, unknown>;
  for (const name of Object.keys(GUARD_DEFAULTS) as (keyof AsesGuardOptions)[]) {
    guard[name] = value(`guard.${name}`);
  }
  return guard as ResolvedAsesOptions['guard'];
}
