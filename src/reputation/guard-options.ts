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

/** The environment variable of each rate option, for the problems' wording. */
const RATE_VARIABLES = {
  warningBounceRate: 'GUARD_WARNING_BOUNCE_RATE',
  warningComplaintRate: 'GUARD_WARNING_COMPLAINT_RATE',
  bounceRate: 'GUARD_BOUNCE_RATE',
  complaintRate: 'GUARD_COMPLAINT_RATE',
} as const;

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

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * `options.guard` with its defaults, checked: each problem goes to `problem`, named by the option
 * and its environment variable. A warning rate must be below its guard rate.
 */
export function resolveGuardOptions(
  given: AsesGuardOptions | undefined,
  problem: (text: string) => void,
): ResolvedAsesOptions['guard'] {
  const resolved = { ...GUARD_DEFAULTS, ...stripUndefined(given ?? {}) };
  if (typeof resolved.enabled !== 'boolean') {
    problem(
      `guard.enabled (GUARD_ENABLED) must be a boolean; got ${JSON.stringify(resolved.enabled)}`,
    );
  }
  if (!isIntegerIn(resolved.minVolume, 1, 100_000_000)) {
    problem(
      `guard.minVolume (GUARD_MIN_VOLUME) must be a whole number of sends from 1 to 100000000; got ${JSON.stringify(resolved.minVolume)}`,
    );
  }
  for (const [name, variable] of Object.entries(RATE_VARIABLES)) {
    const value = resolved[name as keyof typeof RATE_VARIABLES];
    if (!isRate(value)) {
      problem(
        `guard.${name} (${variable}) must be a rate above 0 and below 1, a fraction such as 0.04 (or 4% in the environment); got ${JSON.stringify(value)}`,
      );
    }
  }
  for (const kind of ['bounce', 'complaint'] as const) {
    const warning = `warning${kind === 'bounce' ? 'Bounce' : 'Complaint'}Rate` as const;
    const guard = `${kind}Rate` as const;
    if (
      isRate(resolved[warning]) &&
      isRate(resolved[guard]) &&
      resolved[warning] >= resolved[guard]
    ) {
      problem(
        `guard.${warning} (${RATE_VARIABLES[warning]}, ${resolved[warning]}) must be below guard.${guard} (${RATE_VARIABLES[guard]}, ${resolved[guard]}): the warning comes before the pause`,
      );
    }
  }
  if (!isIntegerIn(resolved.checkIntervalMs, 100, 3_600_000)) {
    problem(
      `guard.checkIntervalMs must be a whole number of ms from 100 to 3600000; got ${JSON.stringify(resolved.checkIntervalMs)}`,
    );
  }
  if (!isIntegerIn(resolved.holdSeconds, 1, 900)) {
    problem(
      `guard.holdSeconds must be a whole number of seconds from 1 to 900; got ${JSON.stringify(resolved.holdSeconds)}`,
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, each]) => each !== undefined),
  ) as Partial<T>;
}
