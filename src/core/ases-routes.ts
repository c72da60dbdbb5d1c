/** The groups of ases's routes a host can leave out one by one. */
export const ASES_ROUTE_GROUPS = [
  'api',
  'health',
  'tracking',
  'unsubscribe',
  'feedback',
  'dashboard',
  'metrics',
] as const;

export type AsesRouteGroup = (typeof ASES_ROUTE_GROUPS)[number];

/**
 * Where ases's controllers are mounted, and which: given to `forRoot` / `forRootAsync` beside the
 * options (not from the options factory: Nest fixes routes before any provider is made).
 */
export interface AsesRoutesOptions extends Partial<Record<AsesRouteGroup, boolean>> {
  /**
   * A path every ases route is mounted under, e.g. `mail` → `/mail/v1/messages`, `/mail/health`;
   * after the host's own global prefix. Tracking and unsubscribe links add it to
   * `tracking.baseUrl`. Default none.
   */
  prefix?: string;
}

export interface ResolvedAsesRoutes extends Record<AsesRouteGroup, boolean> {
  /** Without leading or trailing slash; '' for none. */
  prefix: string;
}

// Path segments of unreserved URL characters (RFC 3986); no parameters, wildcards or dot segments.
const PREFIX = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/;

/**
 * The routes to mount from what the host gave: every group unless switched off, `false` for
 * none (ases used as a library only). Throws naming the option on a bad value.
 */
export function resolveAsesRoutes(
  given: AsesRoutesOptions | false | undefined,
): ResolvedAsesRoutes {
  if (given === false) {
    return {
      prefix: '',
      ...(Object.fromEntries(ASES_ROUTE_GROUPS.map((group) => [group, false])) as Record<
        AsesRouteGroup,
        boolean
      >),
    };
  }
  const options: AsesRoutesOptions = given ?? {};
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new Error(
      `Invalid AsesModule options: routes must be an object or false; got ${JSON.stringify(given)}`,
    );
  }
  const known = new Set<string>(['prefix', ...ASES_ROUTE_GROUPS]);
  const unknown = Object.keys(options).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    problems.push(
      `routes has no option ${unknown.map((key) => JSON.stringify(key)).join(', ')} ` +
        `(known: prefix, ${ASES_ROUTE_GROUPS.join(', ')})`,
    );
  }
  const groups = {} as Record<AsesRouteGroup, boolean>;
  for (const group of ASES_ROUTE_GROUPS) {
    const value = options[group] ?? true;
    if (typeof value !== 'boolean') {
      problems.push(`routes.${group} must be a boolean; got ${JSON.stringify(value)}`);
    }
    groups[group] = value === true;
  }
  const raw = options.prefix ?? '';
  const prefix = typeof raw === 'string' ? raw.replace(/^\/+|\/+$/g, '') : raw;
  if (typeof prefix !== 'string' || (prefix !== '' && !PREFIX.test(prefix))) {
    problems.push(
      'routes.prefix must be a path such as "mail" or "ops/mail": segments of letters, digits ' +
        `and - . _ ~ joined by "/"; got ${JSON.stringify(raw)}`,
    );
  }
  if (groups.dashboard && !groups.api) {
    problems.push('routes.dashboard needs routes.api: the dashboard reads the REST API');
  }
  if (problems.length > 0) {
    throw new Error(`Invalid AsesModule options: ${problems.join('; ')}`);
  }
  return { prefix, ...groups };
}

/** `baseUrl` with the route prefix added: where ases's public routes (tracking, unsubscribe) are. */
export function withRoutePrefix(baseUrl: string, prefix: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return prefix === '' ? base : `${base}/${prefix}`;
}
