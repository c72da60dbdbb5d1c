import { isEmail } from 'class-validator';
import type { AsesRedisNode } from './ases-options';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-events';
import {
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_RETRY_WINDOW_SECONDS,
  parseRetrySchedule,
} from '../webhooks/webhook-retry';
import { webhookSecretProblem } from '../webhooks/webhook-signature';
import { webhookUrlProblem } from '../webhooks/webhook-target';
import { GUARD_DEFAULTS, parseRate } from '../reputation/guard-options';

/**
 * The one declaration of every option: its path in `AsesModule.forRoot`, the standalone service's
 * variable for it, how that variable's text becomes a value, the default, the bounds and the words
 * a problem uses. `resolveAsesOptions` and `validateEnvironment` both check through it, so the two
 * ways in cannot drift apart again.
 */

/** Who is asking: the module options (problems name the path) or the environment (the variable). */
export type OptionSource = 'options' | 'environment';

/** What a rule sees of the other options. */
export interface OptionContext {
  readonly source: OptionSource;
  /** The value of another option when it is valid by itself (its default applied), else undefined. */
  valid(path: string): unknown;
  /** The value given for another option, before defaults and checks. */
  given(path: string): unknown;
  /** How a problem names another option: its path, or its variable in the environment. */
  name(path: string): string;
}

/** One option. */
export interface OptionSpec {
  /** Path in `AsesModuleOptions`, e.g. `tracking.secret`. */
  readonly path: string;
  /** The standalone service's variable, if it has one. */
  readonly env?: string;
  /** The variable's text (trimmed, not empty) as a value; text it cannot read stays text. */
  readonly parse?: (text: string) => unknown;
  /** The value when none is given: a constant, or one made from other options. */
  readonly default?: unknown;
  readonly defaultFrom?: (context: OptionContext) => unknown;
  /**
   * When a missing value is a problem: what follows "X is required", e.g. "when LOCAL_STACK=false:
   * a comma-separated list of bearer keys"; undefined when it may be missing.
   */
  readonly required?: (context: OptionContext) => string | undefined;
  /** Whether a value is good by itself. */
  readonly check: (value: unknown, context: OptionContext) => boolean;
  /** What a good value is, as a problem says it: "X must be <expected>", "X: ...; expected <expected>". */
  readonly expected: string | ((value: unknown, context: OptionContext) => string);
  /**
   * A rule against other options, checked once every option has been checked by itself: returns
   * what is expected when the value breaks it.
   */
  readonly relation?: (value: unknown, context: OptionContext) => string | null;
  /** Problems show a secret by its length only. */
  readonly secret?: 'keys' | 'secret';
}

/** A problem `checkOptions` found. */
export interface OptionProblem {
  readonly spec: OptionSpec;
  /** The value as given (undefined when missing). */
  readonly given: unknown;
  /** What is wanted. */
  readonly expected: string;
  /** True when a required option was not given. */
  readonly missing: boolean;
  /** True when the value is the option's default, not a given one. */
  readonly defaulted?: boolean;
}

/** The options' values after `checkOptions`: defaults applied, invalid ones left out. */
export type OptionValues = ReadonlyMap<string, unknown>;

// ---- Reading the environment's text. Each leaves text it cannot read as it is, so the check
// refuses it, rather than turning it into NaN or a default.

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

export function asInteger(text: string): unknown {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function asDecimal(text: string): unknown {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : text;
}

export function asBoolean(text: string): unknown {
  return BOOLEANS[text.toLowerCase()] ?? text;
}

export function asLowerCase(text: string): unknown {
  return text.toLowerCase();
}

/** Comma-separated items, trimmed, empty ones dropped. */
export function asList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

// ---- Checks.

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isPositiveUpTo(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= max;
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** `value` as a URL of one of `schemes`, written `scheme://host...`; null when it is not one. */
export function parseUrl(value: unknown, schemes: readonly string[]): URL | null {
  if (typeof value !== 'string') {
    return null;
  }
  // WHATWG URL parsing accepts `http:host` and `http:/host`; insist on the `scheme://` form.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme)) {
    return null;
  }
  try {
    const url = new URL(value);
    return url.hostname === '' ? null : url;
  } catch {
    return null;
  }
}

function isUrl(value: unknown, schemes: readonly string[], queryAndFragment: boolean): boolean {
  const url = parseUrl(value, schemes);
  return url !== null && (queryAndFragment || !/[?#]/.test(url.href));
}

/** What an S3 bucket name must be, as the problems below say it. */
export const S3_BUCKET_RULE =
  'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending ' +
  'with a letter or digit';

/**
 * What breaks S3's naming rules for general purpose buckets in `name`, or null when it follows
 * them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export function s3BucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) {
    return `it has ${name.length} characters`;
  }
  const bad = /[^a-z0-9.-]/.exec(name);
  if (bad) {
    return `"${bad[0]}" is not a lowercase letter, digit, dot or hyphen`;
  }
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) {
    return 'it must start and end with a letter or digit';
  }
  if (name.includes('..')) {
    return 'it has two adjacent dots';
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
    return 'it is formatted as an IP address';
  }
  const prefix = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((p) => name.startsWith(p));
  if (prefix) {
    return `the prefix "${prefix}" is reserved`;
  }
  const suffix = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((p) =>
    name.endsWith(p),
  );
  return suffix ? `the suffix "${suffix}" is reserved` : null;
}

/** An unsubscribe category: 1 to 64 of `a-z 0-9 _ . -`. */
export const UNSUBSCRIBE_CATEGORY = /^[a-z0-9_.-]{1,64}$/;

// `host:port`, or `[v6-address]:port`; a bare IPv6 address would make the port ambiguous.
const REDIS_NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/{}@]+)):(\d{1,5})$/;

/** A Redis Cluster node from `host:port` (IPv6 as `[::1]:7000`) or `{ host, port }`; null when malformed or the port is not 1..65535. */
export function parseRedisNode(value: unknown): AsesRedisNode | null {
  let host: unknown;
  let port: unknown;
  if (typeof value === 'string') {
    const match = REDIS_NODE.exec(value.trim());
    if (match === null) {
      return null;
    }
    host = match[1] ?? match[2];
    port = Number(match[3]);
  } else if (typeof value === 'object' && value !== null) {
    ({ host, port } = value as Partial<AsesRedisNode>);
  }
  if (typeof host !== 'string' || host.trim() === '' || /\s/.test(host)) {
    return null;
  }
  return isIntegerIn(port, 1, 65535) ? { host, port } : null;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const SNS_TOPIC_ARN =
  /^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The queue name a queue option points at: the value itself or the last segment of its URL. */
function queueNameOf(value: unknown): string | null {
  if (typeof value !== 'string') {
    return null;
  }
  if (!/^https?:\/\//i.test(value)) {
    return value;
  }
  const url = parseUrl(value, ['http', 'https']);
  return url === null ? null : (url.pathname.split('/').pop() ?? '');
}

/** Items of `items` that `good` refuses. */
function badItems(items: unknown, good: (item: unknown) => boolean): unknown[] {
  return Array.isArray(items) ? items.filter((item) => !good(item)) : [items];
}

function quoted(items: unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join(', ');
}

// ---- Secret strength.

/** API keys need this many characters unless `development` is true (LOCAL_STACK=true). */
export const MIN_API_KEY_LENGTH = 16;
/** `tracking.secret` needs this many characters unless `development` is true. */
export const MIN_TRACKING_SECRET_LENGTH = 32;
/** The key the standalone service accepts on the local stack when API_KEYS is unset. */
export const LOCAL_API_KEY = 'local-dev-key';
/** The tracking secret of the local stack when TRACKING_SECRET is unset. */
export const LOCAL_TRACKING_SECRET = 'local-tracking-secret';

const inDevelopment = (context: OptionContext): boolean => context.valid('development') === true;

/** How a rule that `development` lifts says so. */
function unlessDevelopment(context: OptionContext): string {
  return context.source === 'environment'
    ? 'when LOCAL_STACK=false'
    : '(shorter only with development: true)';
}

// ---- Kinds of option.

const BOOLEAN_NOTE = 'also 1/0, yes/no';

function booleanOption(path: string, env: string | undefined, fallback: boolean): OptionSpec {
  return {
    path,
    env,
    parse: asBoolean,
    default: fallback,
    check: (value) => typeof value === 'boolean',
    expected: (_value, context) =>
      context.source === 'environment'
        ? `true or false (${BOOLEAN_NOTE}; default ${fallback})`
        : 'a boolean',
  };
}

function integerOption(
  path: string,
  env: string | undefined,
  min: number,
  max: number,
  expected: OptionSpec['expected'],
  fallback?: number,
): OptionSpec {
  return {
    path,
    env,
    parse: asInteger,
    default: fallback,
    check: (value) => isIntegerIn(value, min, max),
    expected,
  };
}

function httpEndpoint(name: 'sqs' | 'ses' | 's3', env: string): OptionSpec {
  return {
    path: `endpoints.${name}`,
    env,
    check: (value) => isUrl(value, ['http', 'https'], false),
    expected: (_value, context) =>
      `an http:// or https:// ${name.toUpperCase()} endpoint URL without query or fragment ` +
      (context.source === 'environment'
        ? '(optional; the local stack sets its own)'
        : '(optional)'),
  };
}

function queueOption(name: string, env: string, fallback?: string): OptionSpec {
  const note =
    fallback === undefined ? 'optional; unset: no events queue is read' : `default "${fallback}"`;
  return {
    path: `queues.${name}`,
    env,
    default: fallback,
    check: (value) => QUEUE_NAME.test(queueNameOf(value) ?? ''),
    expected: (value) =>
      /\.fifo$/i.test(queueNameOf(value) ?? '')
        ? 'a standard SQS queue name or URL: FIFO queues (names ending in .fifo) are not supported'
        : `an SQS queue name (1 to 80 letters, digits, "-" or "_") or an http:// or https:// ` +
          `queue URL ending in one (${note})`,
  };
}

function guardRate(
  name: 'warningBounceRate' | 'warningComplaintRate' | 'bounceRate' | 'complaintRate',
  env: string,
  below?: 'bounceRate' | 'complaintRate',
): OptionSpec {
  const fallback = GUARD_DEFAULTS[name];
  return {
    path: `guard.${name}`,
    env,
    parse: (text) => parseRate(text) ?? text,
    default: fallback,
    check: isRate,
    expected:
      `a rate as a fraction such as ${fallback} or a percentage such as ` +
      `${Number((fallback * 100).toFixed(4))}%, above 0 and below 1 (default ${fallback})`,
    relation:
      below === undefined
        ? undefined
        : (value, context) => {
            const limit = context.valid(`guard.${below}`);
            // A malformed limit is reported on its own.
            return typeof limit !== 'number' || (value as number) < limit
              ? null
              : `a rate below ${context.name(`guard.${below}`)} (${
                  context.given(`guard.${below}`) === undefined ? `default ${limit}` : limit
                }): the warning comes before the pause`;
          },
  };
}

const DAY_HOURS = 24;
const DAY_MINUTES = 1440;
/** Longest `staleQueuedMinutes`: a week. */
export const MAX_STALE_QUEUED_MINUTES = 10_080;
/** Longest `statusTtlDays`. */
const MAX_STATUS_TTL_DAYS = 365;

/** Whether `amount` units (`perDay` to a day) pass before the records expire (statusTtlDays). */
function beforeExpiry(amount: number, perDay: number, context: OptionContext): boolean {
  const ttlDays = context.valid('statusTtlDays');
  // An invalid statusTtlDays is reported on its own.
  return typeof ttlDays !== 'number' || amount < ttlDays * perDay;
}

/**
 * Pollers that keep the rate busy: each holds up to 10 messages for one SES round trip plus its
 * wait for a slot, so one per 20 mails/s leaves room for latencies well above 100 ms.
 */
function defaultPollers(sendRate: unknown): number {
  if (typeof sendRate !== 'number' || !(sendRate > 0)) {
    return 25;
  }
  return Math.min(50, Math.max(2, Math.ceil(sendRate / 20)));
}

/** Every option of `AsesModule.forRoot`, in the order problems are reported. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    path: 'development',
    env: 'LOCAL_STACK',
    parse: asBoolean,
    default: false,
    check: (value) => typeof value === 'boolean',
    expected: (_value, context) =>
      context.source === 'environment'
        ? `true or false (${BOOLEAN_NOTE}; default true, or false when NODE_ENV=production)`
        : 'a boolean (default false)',
  },
  {
    path: 'apiKeys',
    env: 'API_KEYS',
    parse: asList,
    secret: 'keys',
    defaultFrom: (context) => (inDevelopment(context) ? [LOCAL_API_KEY] : undefined),
    required: (context) =>
      inDevelopment(context)
        ? undefined
        : context.source === 'environment'
          ? `when LOCAL_STACK=false: a comma-separated list of bearer keys, each at least ${MIN_API_KEY_LENGTH} characters`
          : `unless development is true: a non-empty list of bearer keys, each at least ${MIN_API_KEY_LENGTH} characters`,
    check: (value, context) =>
      isStringList(value) &&
      value.length > 0 &&
      value.every((key) => key.length >= (inDevelopment(context) ? 1 : MIN_API_KEY_LENGTH)),
    expected: (value, context) =>
      isStringList(value) && value.length > 0 && value.every((key) => key.length > 0)
        ? context.source === 'environment'
          ? `every key to be at least ${MIN_API_KEY_LENGTH} characters when LOCAL_STACK=false`
          : `a list of keys of at least ${MIN_API_KEY_LENGTH} characters each ${unlessDevelopment(context)}`
        : context.source === 'environment'
          ? 'a comma-separated list of bearer keys'
          : 'a non-empty list of non-empty bearer keys',
  },
  {
    path: 'tracking.baseUrl',
    env: 'TRACKING_BASE_URL',
    required: () =>
      'as the public base URL of the tracking links: an absolute http:// or https:// URL ' +
      'without query or fragment',
    check: (value) => isUrl(value, ['http', 'https'], false),
    expected: (_value, context) =>
      'an absolute http:// or https:// URL without query or fragment' +
      (context.source === 'environment' ? ' (default http://localhost:<PORT>)' : ''),
  },
  {
    path: 'tracking.secret',
    env: 'TRACKING_SECRET',
    secret: 'secret',
    defaultFrom: (context) => (inDevelopment(context) ? LOCAL_TRACKING_SECRET : undefined),
    required: (context) =>
      inDevelopment(context)
        ? undefined
        : context.source === 'environment'
          ? `when LOCAL_STACK=false: a random secret of at least ${MIN_TRACKING_SECRET_LENGTH} characters that signs tracking links`
          : `unless development is true: a random secret of at least ${MIN_TRACKING_SECRET_LENGTH} characters that signs tracking links`,
    check: (value, context) =>
      typeof value === 'string' &&
      value.length >= (inDevelopment(context) ? 1 : MIN_TRACKING_SECRET_LENGTH),
    expected: (value, context) =>
      typeof value === 'string' && value.length > 0
        ? `at least ${MIN_TRACKING_SECRET_LENGTH} characters ${unlessDevelopment(context)}`
        : 'a string',
  },
  booleanOption('tracking.opens', 'TRACK_OPENS', true),
  booleanOption('tracking.clicks', 'TRACK_CLICKS', true),
  booleanOption('tracking.storeClient', 'TRACKING_STORE_CLIENT', false),
  integerOption(
    'tracking.scannerWindowSeconds',
    'TRACKING_SCANNER_WINDOW_SECONDS',
    0,
    3600,
    'a number of seconds from 0 (rule off) to 3600 (default 10)',
    10,
  ),
  {
    path: 'redis.url',
    env: 'REDIS_URL',
    defaultFrom: (context) =>
      context.given('redis.cluster.nodes') === undefined ? 'redis://127.0.0.1:6379' : undefined,
    check: (value) => isUrl(value, ['redis', 'rediss'], true),
    expected:
      'a redis:// or rediss:// URL with a host (default redis://127.0.0.1:6379 unless ' +
      'REDIS_CLUSTER_NODES is set)',
  },
  {
    path: 'redis.cluster.nodes',
    env: 'REDIS_CLUSTER_NODES',
    parse: asList,
    check: (value) =>
      Array.isArray(value) && value.length > 0 && badItems(value, isRedisNode).length === 0,
    expected: (value, context) => {
      const bad = Array.isArray(value) ? badItems(value, isRedisNode) : [];
      return (
        `${context.source === 'environment' ? 'a comma-separated list' : 'a non-empty list'} of ` +
        'Redis Cluster nodes as host:port with a port from 1 to 65535, e.g. ' +
        '10.0.0.1:7000,10.0.0.2:7000 (IPv6 as [::1]:7000)' +
        (context.source === 'options' ? ' or { host, port }' : '') +
        (bad.length > 0 ? `; not ${quoted(bad)}` : '')
      );
    },
    relation: (_value, context) =>
      context.given('redis.url') === undefined
        ? null
        : `${context.source === 'environment' ? 'REDIS_URL unset' : 'given without redis.url'}: ` +
          `${context.name('redis.url')} is one Redis server, ${context.name('redis.cluster.nodes')} ` +
          'a Redis Cluster; set only one of them',
  },
  {
    path: 'redis.keyPrefix',
    env: 'REDIS_KEY_PREFIX',
    default: 'ases:',
    check: (value) => typeof value === 'string' && /^[^\s{}]{1,64}$/u.test(value),
    expected:
      '1 to 64 characters without whitespace, "{" or "}" (keys carry Redis Cluster hash tags; default "ases:")',
  },
  {
    path: 'region',
    env: 'AWS_REGION',
    check: (value) => typeof value === 'string' && AWS_REGION.test(value),
    expected: (_value, context) =>
      'an AWS region such as us-east-1, eu-central-2 or us-gov-west-1 ' +
      (context.source === 'environment'
        ? '(optional; us-east-1 when LOCAL_STACK=true)'
        : "(optional; unset: the AWS SDK's default chain)"),
  },
  httpEndpoint('sqs', 'AWS_ENDPOINT_URL_SQS'),
  httpEndpoint('ses', 'AWS_ENDPOINT_URL_SES'),
  httpEndpoint('s3', 'AWS_ENDPOINT_URL_S3'),
  {
    path: 'credentials',
    check: (value) => {
      const given = value as Record<string, unknown> | null;
      return (
        typeof given === 'object' &&
        given !== null &&
        typeof given.accessKeyId === 'string' &&
        given.accessKeyId !== '' &&
        typeof given.secretAccessKey === 'string' &&
        given.secretAccessKey !== '' &&
        (given.sessionToken === undefined || typeof given.sessionToken === 'string')
      );
    },
    secret: 'secret',
    expected:
      "{ accessKeyId, secretAccessKey, sessionToken? }, non-empty strings (optional; unset: the AWS SDK's default chain)",
  },
  {
    path: 's3Bucket',
    env: 'S3_BUCKET',
    check: (value) => typeof value === 'string' && s3BucketNameProblem(value) === null,
    expected: (value, context) =>
      S3_BUCKET_RULE +
      (typeof value === 'string' ? `, but ${s3BucketNameProblem(value)}` : '') +
      (context.source === 'environment'
        ? ' (optional; default ases-local when LOCAL_STACK=true)'
        : ' (optional)'),
  },
  queueOption('sendmail', 'SES_SENDMAIL_QUEUE', 'ases-sendmail'),
  queueOption('bounces', 'SES_BOUNCES_QUEUE', 'ases-bounces'),
  queueOption('complaints', 'SES_COMPLAINTS_QUEUE', 'ases-complaints'),
  queueOption('deliveries', 'SES_DELIVERIES_QUEUE', 'ases-deliveries'),
  queueOption('events', 'SES_EVENTS_QUEUE'),
  {
    path: 'sendRate',
    env: 'SEND_RATE',
    parse: (text) => (text === 'auto' ? text : asDecimal(text)),
    default: 100,
    check: (value) => value === 'auto' || isPositiveUpTo(value, 100_000),
    expected:
      'a number of mails per second greater than 0 and at most 100000, or "auto" (default 100)',
  },
  {
    path: 'sendPollers',
    env: 'SEND_POLLERS',
    parse: asInteger,
    defaultFrom: (context) => defaultPollers(context.valid('sendRate')),
    check: (value) => isIntegerIn(value, 0, 100),
    expected: (_value, context) =>
      `an integer from 0 (this instance does not send) to 100 (default: from ${context.name('sendRate')})`,
  },
  integerOption(
    'quotaRefreshSeconds',
    'SEND_QUOTA_REFRESH_SECONDS',
    1,
    86_400,
    'a number of seconds from 1 to 86400 (default 300)',
    300,
  ),
  integerOption(
    'maxSendAttempts',
    'MAX_SEND_ATTEMPTS',
    1,
    100,
    'an integer from 1 to 100 (default 5)',
    5,
  ),
  integerOption(
    'maxFeedbackAttempts',
    undefined,
    1,
    100,
    'an integer from 1 to 100 (default 5)',
    5,
  ),
  {
    path: 'statusTtlDays',
    env: 'STATUS_TTL_DAYS',
    parse: asDecimal,
    default: 14,
    check: (value) => isPositiveUpTo(value, MAX_STATUS_TTL_DAYS),
    expected: `a number of days greater than 0 and at most ${MAX_STATUS_TTL_DAYS}, decimals allowed (default 14)`,
  },
  {
    path: 'statusDetail',
    env: 'STATUS_DETAIL',
    default: 'full',
    check: (value) => value === 'full' || value === 'lean',
    expected: 'one of full, lean (default full)',
  },
  {
    path: 'staleAfterHours',
    env: 'STALE_AFTER_HOURS',
    parse: asDecimal,
    // The defaults turn a check off when the retention is too short for it.
    defaultFrom: (context) => (beforeExpiry(24, DAY_HOURS, context) ? 24 : 0),
    check: (value) =>
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= 0 &&
      value < MAX_STATUS_TTL_DAYS * DAY_HOURS,
    relation: (value, context) =>
      beforeExpiry(value as number, DAY_HOURS, context) ? null : staleAfterRule(context),
    expected: (_value, context) => staleAfterRule(context),
  },
  {
    path: 'staleQueuedMinutes',
    env: 'STALE_QUEUED_MINUTES',
    parse: asInteger,
    defaultFrom: (context) => (beforeExpiry(60, DAY_MINUTES, context) ? 60 : 0),
    check: (value) => isIntegerIn(value, 0, MAX_STALE_QUEUED_MINUTES),
    relation: (value, context) =>
      beforeExpiry(value as number, DAY_MINUTES, context) ? null : staleQueuedRule(context),
    expected: (_value, context) => staleQueuedRule(context),
  },
  integerOption(
    'shutdownTimeoutMs',
    undefined,
    0,
    600_000,
    'a number of ms from 0 to 600000 (default 15000)',
    15_000,
  ),
  integerOption(
    'pollWaitSeconds',
    undefined,
    0,
    20,
    'an integer number of seconds from 0 to 20 (default 5)',
    5,
  ),
  {
    ...integerOption(
      'suppressAfterTransientBounces.count',
      'SUPPRESS_AFTER_TRANSIENT_BOUNCES',
      1,
      1000,
      'an integer from 1 to 1000 (optional; unset: soft bounces never suppress)',
    ),
    required: (context) =>
      context.source === 'options' && context.given('suppressAfterTransientBounces') !== undefined
        ? 'with withinDays: an integer from 1 to 1000'
        : undefined,
  },
  {
    path: 'suppressAfterTransientBounces.withinDays',
    env: 'SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS',
    parse: asDecimal,
    defaultFrom: (context) => (context.source === 'environment' ? 7 : undefined),
    required: (context) =>
      context.given('suppressAfterTransientBounces.count') === undefined
        ? undefined
        : `with ${context.name('suppressAfterTransientBounces.count')}: a number of days greater than 0 and at most ${MAX_STATUS_TTL_DAYS}`,
    check: (value) => isPositiveUpTo(value, MAX_STATUS_TTL_DAYS),
    expected: (_value, context) =>
      `a number of days greater than 0 and at most ${MAX_STATUS_TTL_DAYS}` +
      (context.source === 'environment' ? ' (default 7)' : ''),
  },
  {
    path: 'sns.topicArns',
    env: 'SNS_TOPIC_ARNS',
    parse: asList,
    default: [],
    check: (value) => isStringList(value) && value.every((arn) => SNS_TOPIC_ARN.test(arn)),
    expected: (_value, context) =>
      `${context.source === 'environment' ? 'a comma-separated list' : 'a list'} of SNS topic ` +
      'ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback (default none)',
  },
  booleanOption('sns.confirmSubscriptions', 'SNS_CONFIRM_SUBSCRIPTIONS', true),
  {
    path: 'unsubscribe.mailto',
    env: 'UNSUBSCRIBE_MAILTO',
    check: (value) => typeof value === 'string' && isEmail(value),
    expected: 'one bare email address such as unsubscribe@example.com (optional; default none)',
  },
  {
    path: 'unsubscribe.categories',
    env: 'UNSUBSCRIBE_CATEGORIES',
    parse: (text) => (text.toLowerCase() === 'none' ? [] : asList(text)),
    default: ['marketing'],
    check: (value) => Array.isArray(value) && badItems(value, isUnsubscribeCategory).length === 0,
    expected: (value, context) =>
      (context.source === 'environment'
        ? 'a comma-separated list of categories, each 1 to 64 of a-z 0-9 _ . -, or none'
        : 'a list of category names, each 1 to 64 of a-z 0-9 _ . -') +
      ' (default marketing)' +
      (Array.isArray(value) ? `; not ${quoted(badItems(value, isUnsubscribeCategory))}` : ''),
  },
  integerOption(
    'metrics.port',
    'METRICS_PORT',
    1,
    65535,
    'an integer port from 1 to 65535 (optional; unset: /metrics is served on PORT, with the API key)',
  ),
  booleanOption('metrics.processMetrics', undefined, true),
  {
    ...booleanOption('metrics.apiRoute', undefined, true),
    default: undefined,
    defaultFrom: (context) => context.given('metrics.port') === undefined,
  },
  booleanOption('logRecipients', 'LOG_RECIPIENTS', false),
  {
    path: 'webhooks.endpoint.url',
    env: 'WEBHOOK_URL',
    required: (context) =>
      context.given('webhooks.endpoint') === undefined
        ? undefined
        : 'with webhooks.endpoint: an http(s) URL that gets every event',
    check: (value) => typeof value === 'string' && webhookUrlProblem(value) === null,
    expected: (value) =>
      'an http(s) URL that gets every event (optional)' +
      (typeof value === 'string' ? ` (${webhookUrlProblem(value)})` : ''),
  },
  {
    path: 'webhooks.endpoint.secret',
    env: 'WEBHOOK_SECRET',
    secret: 'secret',
    required: (context) =>
      context.given('webhooks.endpoint.url') === undefined &&
      context.given('webhooks.endpoint') === undefined
        ? undefined
        : `with ${context.name('webhooks.endpoint.url')}: its Standard Webhooks secret, ` +
          'whsec_ + base64 of 24 to 64 random bytes (the receiver verifies with it)',
    check: (value) => typeof value === 'string' && webhookSecretProblem(value) === null,
    expected: (value, context) =>
      'whsec_ + base64 of 24 to 64 random bytes (Standard Webhooks), required with ' +
      context.name('webhooks.endpoint.url') +
      (typeof value === 'string' ? ` (${webhookSecretProblem(value)})` : ''),
  },
  {
    path: 'webhooks.endpoint.events',
    env: 'WEBHOOK_EVENTS',
    parse: asList,
    check: (value) => Array.isArray(value) && value.length > 0 && value.every(isWebhookEventType),
    expected: (value, context) => {
      const unknown = badItems(value, isWebhookEventType);
      return (
        `${context.source === 'environment' ? 'a comma-separated list' : 'a non-empty list'} of ` +
        `${WEBHOOK_EVENT_TYPES.join(', ')} (optional; default all)` +
        (Array.isArray(value) && value.length === 0
          ? ' (no event type given)'
          : Array.isArray(value)
            ? ` (unknown: ${unknown.join(', ')})`
            : '')
      );
    },
  },
  {
    path: 'webhooks.retrySchedule',
    env: 'WEBHOOK_RETRY_SCHEDULE',
    parse: (text) => {
      const parsed = parseRetrySchedule(text);
      return Array.isArray(parsed) ? parsed : text;
    },
    default: [...DEFAULT_RETRY_SCHEDULE],
    check: (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.length <= 50 &&
      value.every((seconds) => isIntegerIn(seconds, 1, 86_400)),
    expected: (value) =>
      'seconds before each retry, 1 to 50 of them, each a whole number from 1 to 86400, the ' +
      `last repeated (default ${DEFAULT_RETRY_SCHEDULE.join(',')})` +
      (typeof value === 'string' ? ` (${String(parseRetrySchedule(value))})` : ''),
  },
  integerOption(
    'webhooks.retryWindowSeconds',
    'WEBHOOK_RETRY_WINDOW_SECONDS',
    1,
    30 * 86_400,
    `a number of seconds from 1 to 2592000 (default ${DEFAULT_RETRY_WINDOW_SECONDS}: 24 h)`,
    DEFAULT_RETRY_WINDOW_SECONDS,
  ),
  {
    ...booleanOption('webhooks.allowPrivate', 'WEBHOOK_ALLOW_PRIVATE', false),
    expected: (_value, context) =>
      context.source === 'environment'
        ? `true or false (${BOOLEAN_NOTE}; default true when LOCAL_STACK=true, else false)`
        : 'a boolean',
  },
  integerOption(
    'webhooks.concurrency',
    'WEBHOOK_CONCURRENCY',
    0,
    1000,
    'a number of deliveries at once from 0 (none here) to 1000 (default 32)',
    32,
  ),
  integerOption(
    'webhooks.timeoutMs',
    undefined,
    1000,
    60_000,
    'a number of ms from 1000 to 60000 (default 10000)',
    10_000,
  ),
  booleanOption('guard.enabled', 'GUARD_ENABLED', GUARD_DEFAULTS.enabled),
  integerOption(
    'guard.minVolume',
    'GUARD_MIN_VOLUME',
    1,
    100_000_000,
    `a whole number of sends from 1 to 100000000 (default ${GUARD_DEFAULTS.minVolume})`,
    GUARD_DEFAULTS.minVolume,
  ),
  guardRate('warningBounceRate', 'GUARD_WARNING_BOUNCE_RATE', 'bounceRate'),
  guardRate('warningComplaintRate', 'GUARD_WARNING_COMPLAINT_RATE', 'complaintRate'),
  guardRate('bounceRate', 'GUARD_BOUNCE_RATE'),
  guardRate('complaintRate', 'GUARD_COMPLAINT_RATE'),
  integerOption(
    'guard.checkIntervalMs',
    undefined,
    100,
    3_600_000,
    `a whole number of ms from 100 to 3600000 (default ${GUARD_DEFAULTS.checkIntervalMs})`,
    GUARD_DEFAULTS.checkIntervalMs,
  ),
  integerOption(
    'guard.holdSeconds',
    'GUARD_HOLD_SECONDS',
    1,
    900,
    `a whole number of seconds from 1 to 900, SQS's longest delay (default ${GUARD_DEFAULTS.holdSeconds})`,
    GUARD_DEFAULTS.holdSeconds,
  ),
];

function isRedisNode(item: unknown): boolean {
  return parseRedisNode(item) !== null;
}

function isUnsubscribeCategory(item: unknown): boolean {
  return typeof item === 'string' && UNSUBSCRIBE_CATEGORY.test(item);
}

function staleAfterRule(context: OptionContext): string {
  return (
    `a number of hours from 0 (off) to less than ${context.name('statusTtlDays')} × 24, ` +
    'decimals allowed (default 24)'
  );
}

function staleQueuedRule(context: OptionContext): string {
  return (
    `an integer number of minutes from 0 (off) to ${MAX_STALE_QUEUED_MINUTES}, less than ` +
    `${context.name('statusTtlDays')} (default 60)`
  );
}

/** The option at `path`. */
export function optionSpec(path: string): OptionSpec {
  const spec = OPTIONS.find((option) => option.path === path);
  if (spec === undefined) {
    throw new Error(`no option ${path}`);
  }
  return spec;
}

/**
 * Checks `given` (path → value; undefined: not given) against `specs`: applies the defaults,
 * checks each value by itself, then against the others. Returns the good values and every
 * problem, in the order of `specs`. Options not among `specs` count as not given.
 */
export function checkOptions(
  specs: readonly OptionSpec[],
  given: (path: string) => unknown,
  source: OptionSource,
  name: (path: string) => string,
): { values: OptionValues; problems: OptionProblem[] } {
  const byPath = new Map(specs.map((spec) => [spec.path, spec]));
  const settled = new Map<string, { value: unknown; ok: boolean; problem?: OptionProblem }>();
  const context: OptionContext = {
    source,
    given,
    name,
    valid: (path) => {
      const spec = byPath.get(path);
      if (spec === undefined) {
        return undefined;
      }
      const entry = settle(spec);
      return entry.ok ? entry.value : undefined;
    },
  };
  const settling = new Set<string>();

  // Settles an option on first use: a default may need another option settled first.
  function settle(spec: OptionSpec): { value: unknown; ok: boolean; problem?: OptionProblem } {
    const known = settled.get(spec.path);
    if (known !== undefined) {
      return known;
    }
    if (settling.has(spec.path)) {
      throw new Error(`options schema: ${spec.path} depends on itself`);
    }
    settling.add(spec.path);
    const raw = given(spec.path);
    let entry: { value: unknown; ok: boolean; problem?: OptionProblem };
    if (raw !== undefined) {
      entry = spec.check(raw, context)
        ? { value: raw, ok: true }
        : { value: raw, ok: false, problem: problemOf(spec, raw, context) };
    } else {
      const fallback = spec.defaultFrom ? spec.defaultFrom(context) : spec.default;
      const wanted = fallback === undefined ? spec.required?.(context) : undefined;
      entry =
        wanted !== undefined
          ? {
              value: undefined,
              ok: false,
              problem: { spec, given: undefined, expected: wanted, missing: true },
            }
          : { value: cloned(fallback), ok: fallback !== undefined };
    }
    settling.delete(spec.path);
    settled.set(spec.path, entry);
    return entry;
  }

  for (const spec of specs) {
    settle(spec);
  }
  const problems: OptionProblem[] = [];
  const values = new Map<string, unknown>();
  for (const spec of specs) {
    const entry = settle(spec);
    let problem = entry.problem;
    if (entry.ok && spec.relation) {
      const expected = spec.relation(entry.value, context);
      if (expected !== null) {
        const defaulted = given(spec.path) === undefined;
        problem = { spec, given: entry.value, expected, missing: false, defaulted };
      }
    }
    if (problem !== undefined) {
      problems.push(problem);
    } else if (entry.ok) {
      values.set(spec.path, entry.value);
    }
  }
  return { values, problems };
}

function problemOf(spec: OptionSpec, value: unknown, context: OptionContext): OptionProblem {
  const expected =
    typeof spec.expected === 'string' ? spec.expected : spec.expected(value, context);
  return { spec, given: value, expected, missing: false };
}

function cloned(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as unknown[])] : value;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** How a given value shows in a problem: secrets only by their length. */
export function describeValue(spec: OptionSpec, value: unknown): string {
  if (spec.secret === 'keys' && Array.isArray(value)) {
    return value.length === 0
      ? 'no keys'
      : `${plural(value.length, 'key')} of ${value
          .map((key) => (typeof key === 'string' ? key.length : '?'))
          .join(', ')} characters (not shown)`;
  }
  if (spec.secret !== undefined) {
    return typeof value === 'string'
      ? `a secret of ${plural(value.length, 'character')} (not shown)`
      : `a value of type ${value === null ? 'null' : typeof value} (not shown)`;
  }
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}
