import {
  asBoolean,
  asInteger,
  asLowerCase,
  asList,
  checkOptions,
  isIntegerIn,
  optionSpec,
  OptionContext,
  OptionProblem,
  OptionSpec,
  parseRedisNode,
} from '../core/options-schema';
import type { AsesRedisNode, AsesStatusDetail } from '../core/ases-options';
import { LOCAL_S3_BUCKET } from '../core/ases-options';

/** The standalone service's configuration, validated and with every default applied. */
export interface Environment {
  /** Only `production` matters: it makes LOCAL_STACK default to false and LOG_FORMAT to json. */
  NODE_ENV?: string;
  /** `json` (one JSON object a line) or `pretty` (for a terminal). Default json when NODE_ENV=production, else pretty. */
  LOG_FORMAT: LogFormat;
  /** The least level logged. Default `info`. */
  LOG_LEVEL: LogLevel;
  /** Put recipient addresses in log lines. Default false. */
  LOG_RECIPIENTS: boolean;
  /** HTTP port. Default 3000. */
  PORT: number;
  /** Port of a metrics listener of its own (`/metrics`, no key). Default unset: `/metrics` on PORT, with the API key. */
  METRICS_PORT?: number;
  /** Accepted bearer keys. Default `['local-dev-key']` when LOCAL_STACK=true; required otherwise, each at least 16 characters. */
  API_KEYS: string[];
  /** One Redis server. Default `redis://127.0.0.1:6379` unless REDIS_CLUSTER_NODES is set (then unset). */
  REDIS_URL?: string;
  /** A Redis Cluster's nodes (`host:port,host:port`) instead of REDIS_URL. Default unset: one server. */
  REDIS_CLUSTER_NODES?: AsesRedisNode[];
  /** Prefix of every Redis key, without `{` or `}`. Default `ases:`. */
  REDIS_KEY_PREFIX: string;
  /** Default `us-east-1` when LOCAL_STACK=true; otherwise unset, leaving it to the AWS SDK. */
  AWS_REGION?: string;
  /** SQS endpoint (`endpoints.sqs`); falls back to AWS_ENDPOINT_URL. Default unset: AWS; the local stack sets its own. */
  AWS_ENDPOINT_URL_SQS?: string;
  /** SES endpoint (`endpoints.ses`); falls back to AWS_ENDPOINT_URL. Default unset: AWS; the local stack sets its own. */
  AWS_ENDPOINT_URL_SES?: string;
  /** S3 endpoint (then addressed path-style). Default unset: AWS; the local stack sets its own. */
  AWS_ENDPOINT_URL_S3?: string;
  /** Bucket of the claim-check for jobs too large for SQS. Default `ases-local` when LOCAL_STACK=true; otherwise unset: such mail is refused. */
  S3_BUCKET?: string;
  /** Queue name or URL. Default `ases-sendmail`. */
  SES_SENDMAIL_QUEUE: string;
  /** Queue name or URL. Default `ases-bounces`. */
  SES_BOUNCES_QUEUE: string;
  /** Queue name or URL. Default `ases-complaints`. */
  SES_COMPLAINTS_QUEUE: string;
  /** Queue name or URL. Default `ases-deliveries`. */
  SES_DELIVERIES_QUEUE: string;
  /** Optional queue name or URL receiving every SES event type. Default none. */
  SES_EVENTS_QUEUE?: string;
  /** Mails per second for the whole fleet, or `auto` (SES's MaxSendRate). Default 100. */
  SEND_RATE: number | 'auto';
  /** Concurrent pollers of the sendmail queue per process; 0: accept mail, do not send. Default from SEND_RATE. */
  SEND_POLLERS?: number;
  /** How often GetSendQuota is read (SEND_RATE=auto, or while the daily quota is used up). Default 300. */
  SEND_QUOTA_REFRESH_SECONDS: number;
  /** Default 5. */
  MAX_SEND_ATTEMPTS: number;
  /** How long message statuses are kept. Default 14. */
  STATUS_TTL_DAYS: number;
  /** How much of each message's history is kept: `full` or `lean`. Default `full`. */
  STATUS_DETAIL: AsesStatusDetail;
  /** Hours after its push a message still PUSHED or DELAYED is listed as stale; 0: off. Unset: the option's default, 24. */
  STALE_AFTER_HOURS?: number;
  /** Least minutes a message stays QUEUED before it is listed as stale; 0: off. Unset: the option's default, 60. */
  STALE_QUEUED_MINUTES?: number;
  /** Transient bounces of one address that suppress it. Default unset: off. */
  SUPPRESS_AFTER_TRANSIENT_BOUNCES?: number;
  /** Window of SUPPRESS_AFTER_TRANSIENT_BOUNCES, in days. Default 7. */
  SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS: number;
  /** TopicArns `POST /v1/feedback/sns` accepts. Default none: the endpoint refuses everything. */
  SNS_TOPIC_ARNS: string[];
  /** Confirm SNS subscriptions of allowed topics by visiting their SubscribeURL. Default true. */
  SNS_CONFIRM_SUBSCRIPTIONS: boolean;
  /** Public base URL of the tracking endpoints, without trailing slash. Default `http://localhost:${PORT}`. */
  TRACKING_BASE_URL: string;
  /** Signs tracking links. Default `local-tracking-secret` when LOCAL_STACK=true; required otherwise. */
  TRACKING_SECRET: string;
  /** Put the open pixel in HTML mail unless the request says `track.opens: false`. Default true. */
  TRACK_OPENS: boolean;
  /** Rewrite the links of HTML mail unless the request says `track.clicks: false`. Default true. */
  TRACK_CLICKS: boolean;
  /** Keep each open's and click's IP address and full user agent in the timeline. Default false. */
  TRACKING_STORE_CLIENT: boolean;
  /** Clicks this soon after push or delivery count as link scanners; 0 turns the rule off. Default 10. */
  TRACKING_SCANNER_WINDOW_SECONDS: number;
  /** Reverse proxies in front of the service whose X-Forwarded-For is trusted for the client IP. Default 0. */
  TRUST_PROXY_HOPS: number;
  /** Serve the OpenAPI description at `/docs` and `/docs-json`. Default true. */
  DOCS_ENABLED: boolean;
  /** A bare address offered as `mailto:` in List-Unsubscribe besides the one-click URL. Default unset. */
  UNSUBSCRIBE_MAILTO?: string;
  /** Categories whose mail gets List-Unsubscribe by default; `none` or empty: none. Default `['marketing']`. */
  UNSUBSCRIBE_CATEGORIES: string[];
  /** An endpoint every event is posted to (kept as webhook `env`). Default none. */
  WEBHOOK_URL?: string;
  /** Its Standard Webhooks secret, `whsec_` + base64 of 24-64 bytes. Required with WEBHOOK_URL. */
  WEBHOOK_SECRET?: string;
  /** The event types WEBHOOK_URL gets, comma-separated. Default all. */
  WEBHOOK_EVENTS?: string[];
  /** Seconds before each retry, comma-separated, the last repeated. Default `5,30,120,600,1800,3600,7200,14400`. */
  WEBHOOK_RETRY_SCHEDULE: number[];
  /** How long a delivery is retried, and an endpoint may fail before it is disabled (s). Default 86400. */
  WEBHOOK_RETRY_WINDOW_SECONDS: number;
  /** Allow endpoints on loopback and private addresses. Default true when LOCAL_STACK=true, else false. */
  WEBHOOK_ALLOW_PRIVATE: boolean;
  /** Deliveries this process makes at once; 0: none. Default 32. */
  WEBHOOK_CONCURRENCY: number;
  /** Run the reputation guard. Unset: the option's default, true. */
  GUARD_ENABLED?: boolean;
  /** Least sends (delivered + bounced) a window needs to warn or pause. Unset: 500. */
  GUARD_MIN_VOLUME?: number;
  /** Bounce rate that warns, as a fraction (`0.025`) or a percentage (`2.5%`). Unset: 0.025. */
  GUARD_WARNING_BOUNCE_RATE?: number;
  /** Complaint rate that warns (fraction or percentage). Unset: 0.0005. */
  GUARD_WARNING_COMPLAINT_RATE?: number;
  /** Bounce rate over 24 h that pauses non-transactional mail (fraction or percentage). Unset: 0.04. */
  GUARD_BOUNCE_RATE?: number;
  /** Complaint rate over 24 h that pauses non-transactional mail (fraction or percentage). Unset: 0.0008. */
  GUARD_COMPLAINT_RATE?: number;
  /** Seconds a held-back message waits on the queue before it is looked at again. Unset: 300. */
  GUARD_HOLD_SECONDS?: number;
  /** Run against the local AWS stack. Default true, or false when NODE_ENV=production. */
  LOCAL_STACK: boolean;
  /** Port of the local SQS emulator, 0 for any free port. Default 4566. */
  LOCAL_SQS_PORT: number;
  /** Port of the local SES emulator, 0 for any free port. Default 8005. */
  LOCAL_SES_PORT: number;
}

/** LOG_FORMAT values: one JSON object a line, or text for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
/** LOG_FORMAT. */
export type LogFormat = (typeof LOG_FORMATS)[number];
/** LOG_LEVEL values: pino's levels, least severe first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** LOG_LEVEL. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown by {@link validateEnvironment} with every problem found, not just the first. */
export class EnvironmentError extends Error {
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(['Invalid environment:', ...problems.map(({ problem }) => `  - ${problem}`)].join('\n'));
    this.name = 'EnvironmentError';
  }
}

/** Every variable the service reads, in the order problems are reported. */
export const ENVIRONMENT_VARIABLES = [
  'NODE_ENV',
  'LOG_FORMAT',
  'LOG_LEVEL',
  'LOG_RECIPIENTS',
  'PORT',
  'METRICS_PORT',
  'API_KEYS',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_KEY_PREFIX',
  'AWS_REGION',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_S3',
  'S3_BUCKET',
  'SES_SENDMAIL_QUEUE',
  'SES_BOUNCES_QUEUE',
  'SES_COMPLAINTS_QUEUE',
  'SES_DELIVERIES_QUEUE',
  'SES_EVENTS_QUEUE',
  'SEND_RATE',
  'SEND_POLLERS',
  'SEND_QUOTA_REFRESH_SECONDS',
  'MAX_SEND_ATTEMPTS',
  'STATUS_TTL_DAYS',
  'STATUS_DETAIL',
  'STALE_AFTER_HOURS',
  'STALE_QUEUED_MINUTES',
  'SUPPRESS_AFTER_TRANSIENT_BOUNCES',
  'SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS',
  'SNS_TOPIC_ARNS',
  'SNS_CONFIRM_SUBSCRIPTIONS',
  'TRACKING_BASE_URL',
  'TRACKING_SECRET',
  'TRACK_OPENS',
  'TRACK_CLICKS',
  'TRACKING_STORE_CLIENT',
  'TRACKING_SCANNER_WINDOW_SECONDS',
  'TRUST_PROXY_HOPS',
  'DOCS_ENABLED',
  'UNSUBSCRIBE_MAILTO',
  'UNSUBSCRIBE_CATEGORIES',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'WEBHOOK_EVENTS',
  'WEBHOOK_RETRY_SCHEDULE',
  'WEBHOOK_RETRY_WINDOW_SECONDS',
  'WEBHOOK_ALLOW_PRIVATE',
  'WEBHOOK_CONCURRENCY',
  'GUARD_ENABLED',
  'GUARD_MIN_VOLUME',
  'GUARD_WARNING_BOUNCE_RATE',
  'GUARD_WARNING_COMPLAINT_RATE',
  'GUARD_BOUNCE_RATE',
  'GUARD_COMPLAINT_RATE',
  'GUARD_HOLD_SECONDS',
  'LOCAL_STACK',
  'LOCAL_SQS_PORT',
  'LOCAL_SES_PORT',
] as const satisfies readonly (keyof Environment)[];

type Variable = (typeof ENVIRONMENT_VARIABLES)[number];

/** One variable: the option it sets, and what the service does differently from the module. */
interface EnvironmentRow {
  readonly variable: Variable;
  /** The option (src/core/options-schema.ts), or one of the service's own. */
  readonly spec: OptionSpec;
  /** Read when `variable` is unset, as the AWS SDK does. */
  readonly fallback?: string;
  /** The service's default, instead of the module's. */
  readonly default?: (context: OptionContext) => unknown;
  /** Unset stays unset in the Environment: the module applies its default (which may depend on others). */
  readonly givenOnly?: boolean;
  /** A rule of the service's own against other variables. */
  readonly relation?: OptionSpec['relation'];
}

const portRule = (defaultPort: number, note = ''): string =>
  `an integer port from 0 to 65535${note} (default ${defaultPort})`;

/** A setting of the service itself, not of the module: its path is its variable. */
function serviceSetting(
  variable: Variable,
  spec: Omit<OptionSpec, 'path' | 'env'>,
): EnvironmentRow {
  return { variable, spec: { ...spec, path: variable, env: variable } };
}

function servicePort(variable: Variable, defaultPort: number, note = ''): EnvironmentRow {
  return serviceSetting(variable, {
    parse: asInteger,
    default: defaultPort,
    check: (value) => isIntegerIn(value, 0, 65535),
    expected: portRule(defaultPort, note),
  });
}

function oneOf(variable: Variable, values: readonly string[], expected: string): EnvironmentRow {
  return serviceSetting(variable, {
    parse: asLowerCase,
    check: (value) => typeof value === 'string' && values.includes(value),
    expected,
  });
}

/** The option a variable sets. */
function option(
  variable: Variable,
  path: string,
  more: Partial<EnvironmentRow> = {},
): EnvironmentRow {
  return { variable, spec: optionSpec(path), ...more };
}

const inDevelopment = (context: OptionContext): boolean => context.valid('development') === true;

const METRICS_PORT_RULE =
  'an integer port from 1 to 65535 (optional; unset: /metrics is served on PORT, with the API key)';

/** Every variable, in the order problems are reported: the table from variable to option. */
const ROWS: readonly EnvironmentRow[] = [
  serviceSetting('NODE_ENV', {
    check: (value) => typeof value === 'string',
    expected: 'a string such as production or development',
  }),
  {
    ...oneOf(
      'LOG_FORMAT',
      LOG_FORMATS,
      `one of ${LOG_FORMATS.join(', ')} (default json when NODE_ENV=production, pretty otherwise)`,
    ),
    default: (context) => (context.given('NODE_ENV') === 'production' ? 'json' : 'pretty'),
  },
  {
    ...oneOf('LOG_LEVEL', LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')} (default info)`),
    default: () => 'info',
  },
  option('LOG_RECIPIENTS', 'logRecipients'),
  servicePort('PORT', 3000),
  option('METRICS_PORT', 'metrics.port', {
    relation: (value, context) =>
      value === context.valid('PORT') ? `${METRICS_PORT_RULE}, other than PORT` : null,
  }),
  option('API_KEYS', 'apiKeys'),
  option('REDIS_URL', 'redis.url'),
  option('REDIS_CLUSTER_NODES', 'redis.cluster.nodes'),
  option('REDIS_KEY_PREFIX', 'redis.keyPrefix'),
  option('AWS_REGION', 'region', {
    default: (context) => (inDevelopment(context) ? LOCAL_AWS_REGION : undefined),
  }),
  option('AWS_ENDPOINT_URL_SQS', 'endpoints.sqs', { fallback: 'AWS_ENDPOINT_URL' }),
  option('AWS_ENDPOINT_URL_SES', 'endpoints.ses', { fallback: 'AWS_ENDPOINT_URL' }),
  option('AWS_ENDPOINT_URL_S3', 'endpoints.s3'),
  option('S3_BUCKET', 's3Bucket', {
    default: (context) => (inDevelopment(context) ? LOCAL_S3_BUCKET : undefined),
  }),
  option('SES_SENDMAIL_QUEUE', 'queues.sendmail'),
  option('SES_BOUNCES_QUEUE', 'queues.bounces'),
  option('SES_COMPLAINTS_QUEUE', 'queues.complaints'),
  option('SES_DELIVERIES_QUEUE', 'queues.deliveries'),
  option('SES_EVENTS_QUEUE', 'queues.events'),
  option('SEND_RATE', 'sendRate'),
  option('SEND_POLLERS', 'sendPollers', { givenOnly: true }),
  option('SEND_QUOTA_REFRESH_SECONDS', 'quotaRefreshSeconds'),
  option('MAX_SEND_ATTEMPTS', 'maxSendAttempts'),
  option('STATUS_TTL_DAYS', 'statusTtlDays'),
  option('STATUS_DETAIL', 'statusDetail'),
  option('STALE_AFTER_HOURS', 'staleAfterHours', { givenOnly: true }),
  option('STALE_QUEUED_MINUTES', 'staleQueuedMinutes', { givenOnly: true }),
  option('SUPPRESS_AFTER_TRANSIENT_BOUNCES', 'suppressAfterTransientBounces.count'),
  option('SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS', 'suppressAfterTransientBounces.withinDays'),
  option('SNS_TOPIC_ARNS', 'sns.topicArns'),
  option('SNS_CONFIRM_SUBSCRIPTIONS', 'sns.confirmSubscriptions'),
  option('TRACKING_BASE_URL', 'tracking.baseUrl', {
    default: (context) => {
      const port = context.valid('PORT');
      return `http://localhost:${typeof port === 'number' ? port : 3000}`;
    },
  }),
  option('TRACKING_SECRET', 'tracking.secret'),
  option('TRACK_OPENS', 'tracking.opens'),
  option('TRACK_CLICKS', 'tracking.clicks'),
  option('TRACKING_STORE_CLIENT', 'tracking.storeClient'),
  option('TRACKING_SCANNER_WINDOW_SECONDS', 'tracking.scannerWindowSeconds'),
  serviceSetting('TRUST_PROXY_HOPS', {
    parse: asInteger,
    default: 0,
    check: (value) => isIntegerIn(value, 0, 10),
    expected: 'a number of reverse proxies from 0 to 10 (default 0)',
  }),
  serviceSetting('DOCS_ENABLED', {
    parse: asBoolean,
    default: true,
    check: (value) => typeof value === 'boolean',
    expected: 'true or false (also 1/0, yes/no; default true)',
  }),
  option('UNSUBSCRIBE_MAILTO', 'unsubscribe.mailto'),
  option('UNSUBSCRIBE_CATEGORIES', 'unsubscribe.categories'),
  option('WEBHOOK_URL', 'webhooks.endpoint.url'),
  option('WEBHOOK_SECRET', 'webhooks.endpoint.secret'),
  option('WEBHOOK_EVENTS', 'webhooks.endpoint.events'),
  option('WEBHOOK_RETRY_SCHEDULE', 'webhooks.retrySchedule'),
  option('WEBHOOK_RETRY_WINDOW_SECONDS', 'webhooks.retryWindowSeconds'),
  option('WEBHOOK_ALLOW_PRIVATE', 'webhooks.allowPrivate', { default: inDevelopment }),
  option('WEBHOOK_CONCURRENCY', 'webhooks.concurrency'),
  option('GUARD_ENABLED', 'guard.enabled', { givenOnly: true }),
  option('GUARD_MIN_VOLUME', 'guard.minVolume', { givenOnly: true }),
  option('GUARD_WARNING_BOUNCE_RATE', 'guard.warningBounceRate', { givenOnly: true }),
  option('GUARD_WARNING_COMPLAINT_RATE', 'guard.warningComplaintRate', { givenOnly: true }),
  option('GUARD_BOUNCE_RATE', 'guard.bounceRate', { givenOnly: true }),
  option('GUARD_COMPLAINT_RATE', 'guard.complaintRate', { givenOnly: true }),
  option('GUARD_HOLD_SECONDS', 'guard.holdSeconds', { givenOnly: true }),
  option('LOCAL_STACK', 'development', {
    default: (context) => context.given('NODE_ENV') !== 'production',
  }),
  servicePort('LOCAL_SQS_PORT', 4566, ', 0 for any free port'),
  servicePort('LOCAL_SES_PORT', 8005, ', 0 for any free port'),
];

const LOCAL_AWS_REGION = 'us-east-1';
/** Variables whose value may carry a password (redis://:password@host), even when malformed. */
const URLS: ReadonlySet<string> = new Set([
  'REDIS_URL',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_S3',
  'TRACKING_BASE_URL',
  'SES_SENDMAIL_QUEUE',
  'SES_BOUNCES_QUEUE',
  'SES_COMPLAINTS_QUEUE',
  'SES_DELIVERIES_QUEUE',
  'SES_EVENTS_QUEUE',
  'WEBHOOK_URL',
]);

/** Empty and blank strings count as unset; other scalars become strings as they would in a real env. */
function normalize(value: unknown): unknown {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return value;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** How a given value is shown in a problem: quoted, but secrets only by their length. */
function describeGiven(variable: string, spec: OptionSpec, value: unknown): string {
  if (typeof value !== 'string') {
    return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
  }
  if (spec.secret === 'keys') {
    const keys = asList(value);
    return keys.length === 0
      ? 'no keys, only separators'
      : `${plural(keys.length, 'key')} of ${keys.map((key) => key.length).join(', ')} characters (not shown)`;
  }
  if (spec.secret !== undefined) {
    return `a secret of ${plural(value.length, 'character')} (not shown)`;
  }
  const shown = URLS.has(variable) ? value.replace(/^([^/]*\/\/)?[\s\S]*@/, '$1***@') : value;
  return JSON.stringify(shown.length > 120 ? `${shown.slice(0, 117)}...` : shown);
}

/** A row's option, with the service's own default and rule in place of the module's. */
function serviceSpec(row: EnvironmentRow): OptionSpec {
  const { spec } = row;
  const relations = [spec.relation, row.relation].filter((rule) => rule !== undefined);
  return {
    ...spec,
    ...(row.default === undefined ? {} : { default: undefined, defaultFrom: row.default }),
    relation:
      relations.length === 0
        ? undefined
        : (value, context) => {
            for (const rule of relations) {
              const expected = rule(value, context);
              if (expected !== null) {
                return expected;
              }
            }
            return null;
          },
  };
}

const SPECS: readonly OptionSpec[] = ROWS.map(serviceSpec);

/**
 * Validates the service's environment and applies the defaults, through the options schema the
 * module checks its options with. Reports every problem at once in an {@link EnvironmentError},
 * naming the variable. Variables it does not know are ignored.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  // The variable each option was read from (a fallback's when only that was set), and its text.
  const read = new Map<string, { variable: string; text: unknown }>();
  for (const row of ROWS) {
    let variable: string = row.variable;
    let text = normalize(raw[variable]);
    if (text === undefined && row.fallback !== undefined) {
      text = normalize(raw[row.fallback]);
      variable = text === undefined ? variable : row.fallback;
    }
    read.set(row.spec.path, { variable, text });
  }
  const parsed = new Map<string, unknown>();
  for (const row of ROWS) {
    const { text } = read.get(row.spec.path)!;
    parsed.set(
      row.spec.path,
      typeof text === 'string' && row.spec.parse !== undefined ? row.spec.parse(text) : text,
    );
  }
  const { values, problems } = checkOptions(
    SPECS,
    (path) => parsed.get(path),
    'environment',
    (path) => read.get(path)?.variable ?? path,
  );
  if (problems.length > 0) {
    const named = problems.map((problem) => {
      const { variable, text } = read.get(problem.spec.path)!;
      return { variable, problem: describeProblem(variable, text, problem) };
    });
    // One problem a variable: AWS_ENDPOINT_URL stands in for two.
    throw new EnvironmentError(
      named.filter(
        (each, index) => named.findIndex((other) => other.variable === each.variable) === index,
      ),
    );
  }

  const output: Record<string, unknown> = {};
  for (const row of ROWS) {
    const given = parsed.get(row.spec.path) !== undefined;
    output[row.variable] = row.givenOnly && !given ? undefined : values.get(row.spec.path);
  }
  const env = output as unknown as Environment;
  const nodes = output.REDIS_CLUSTER_NODES as unknown[] | undefined;
  return {
    ...env,
    REDIS_CLUSTER_NODES: nodes?.map((node) => parseRedisNode(node) as AsesRedisNode),
    TRACKING_BASE_URL: env.TRACKING_BASE_URL.replace(/\/+$/, ''),
    UNSUBSCRIBE_CATEGORIES: [...new Set(env.UNSUBSCRIBE_CATEGORIES)],
    WEBHOOK_EVENTS: env.WEBHOOK_EVENTS && [...new Set(env.WEBHOOK_EVENTS)],
  };
}

function describeProblem(variable: string, text: unknown, problem: OptionProblem): string {
  if (problem.missing) {
    return `${variable} is required ${problem.expected}`;
  }
  if (problem.defaulted) {
    return `${variable} is unset, and its default ${JSON.stringify(problem.given)} does not fit: expected ${problem.expected}`;
  }
  return `${variable}: got ${describeGiven(variable, problem.spec, text)}; expected ${problem.expected}`;
}
