import { plainToInstance, Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  validateSync,
  ValidationArguments,
} from 'class-validator';
import {
  AsesRedisNode,
  AsesStatusDetail,
  DEFAULT_QUEUES,
  DEFAULT_UNSUBSCRIBE_CATEGORIES,
  LOCAL_S3_BUCKET,
  STATUS_DETAILS,
} from '../core/ases-options';
import {
  parseRedisNode,
  S3_BUCKET_RULE,
  s3BucketNameProblem,
  UNSUBSCRIBE_CATEGORY,
} from '../core/resolve-options';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-events';
import {
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_RETRY_WINDOW_SECONDS,
  parseRetrySchedule,
} from '../webhooks/webhook-retry';
import { webhookSecretProblem } from '../webhooks/webhook-signature';
import { webhookUrlProblem } from '../webhooks/webhook-target';
import { GUARD_DEFAULTS, parseRate } from '../reputation/guard-options';

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
  /** Accepted bearer keys. Default `['local-dev-key']` when LOCAL_STACK=true; required otherwise. */
  API_KEYS: string[];
  /** One Redis server. Default `redis://127.0.0.1:6379` unless REDIS_CLUSTER_NODES is set (then unset). */
  REDIS_URL?: string;
  /** A Redis Cluster's nodes (`host:port,host:port`) instead of REDIS_URL. Default unset: one server. */
  REDIS_CLUSTER_NODES?: AsesRedisNode[];
  /** Prefix of every Redis key, without `{` or `}`. Default `ases:`. */
  REDIS_KEY_PREFIX: string;
  /** Default `us-east-1` when LOCAL_STACK=true; otherwise unset, leaving it to the AWS SDK. */
  AWS_REGION?: string;
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

/** Defaults in their raw form, so that they pass through the same conversion as given values. */
const DEFAULTS: Partial<Record<Variable, string>> = {
  LOG_LEVEL: 'info',
  LOG_RECIPIENTS: 'false',
  PORT: '3000',
  REDIS_KEY_PREFIX: 'ases:',
  SES_SENDMAIL_QUEUE: DEFAULT_QUEUES.sendmail,
  SES_BOUNCES_QUEUE: DEFAULT_QUEUES.bounces,
  SES_COMPLAINTS_QUEUE: DEFAULT_QUEUES.complaints,
  SES_DELIVERIES_QUEUE: DEFAULT_QUEUES.deliveries,
  SEND_RATE: '100',
  SEND_QUOTA_REFRESH_SECONDS: '300',
  MAX_SEND_ATTEMPTS: '5',
  STATUS_TTL_DAYS: '14',
  STATUS_DETAIL: 'full',
  SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS: '7',
  SNS_CONFIRM_SUBSCRIPTIONS: 'true',
  TRACK_OPENS: 'true',
  TRACK_CLICKS: 'true',
  TRACKING_STORE_CLIENT: 'false',
  TRACKING_SCANNER_WINDOW_SECONDS: '10',
  TRUST_PROXY_HOPS: '0',
  DOCS_ENABLED: 'true',
  UNSUBSCRIBE_CATEGORIES: DEFAULT_UNSUBSCRIBE_CATEGORIES.join(','),
  WEBHOOK_RETRY_SCHEDULE: DEFAULT_RETRY_SCHEDULE.join(','),
  WEBHOOK_RETRY_WINDOW_SECONDS: String(DEFAULT_RETRY_WINDOW_SECONDS),
  WEBHOOK_CONCURRENCY: '32',
  LOCAL_SQS_PORT: '4566',
  LOCAL_SES_PORT: '8005',
};

// Applied in validateEnvironment, only when REDIS_CLUSTER_NODES is unset.
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const LOCAL_API_KEY = 'local-dev-key';
const LOCAL_TRACKING_SECRET = 'local-tracking-secret';
const LOCAL_AWS_REGION = 'us-east-1';
/** UNSUBSCRIBE_CATEGORIES meaning no category. */
const NO_CATEGORIES = 'none';
const MIN_API_KEY_LENGTH = 16;
const MIN_TRACKING_SECRET_LENGTH = 32;
const SECRETS: ReadonlySet<Variable> = new Set(['API_KEYS', 'TRACKING_SECRET', 'WEBHOOK_SECRET']);
const URLS: ReadonlySet<Variable> = new Set([
  'REDIS_URL',
  'AWS_ENDPOINT_URL_S3',
  'TRACKING_BASE_URL',
  'SES_SENDMAIL_QUEUE',
  'SES_BOUNCES_QUEUE',
  'SES_COMPLAINTS_QUEUE',
  'SES_DELIVERIES_QUEUE',
  'SES_EVENTS_QUEUE',
  'WEBHOOK_URL',
]);

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const SNS_TOPIC_ARN =
  /^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

// Conversions leave a malformed value as the string it was, so the validators reject it
// instead of it turning into NaN or a default.
function toInteger(value: unknown): unknown {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
}

function toDecimal(value: unknown): unknown {
  return typeof value === 'string' && /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : value;
}

function toBoolean(value: unknown): unknown {
  return typeof value === 'string' ? (BOOLEANS[value.toLowerCase()] ?? value) : value;
}

function toLowerCase(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function toList(value: unknown): unknown {
  return typeof value === 'string' ? splitList(value) : value;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseUrl(value: unknown, schemes: readonly string[]): URL | null {
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

/** The queue name a queue variable points at: the value itself or the last segment of its URL. */
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

/** Applies several property decorators as one. */
function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

function IntegerBetween(min: number, max: number, expected: string): PropertyDecorator {
  const options = { message: expected };
  return all(
    Transform(({ value }) => toInteger(value)),
    IsInt(options),
    Min(min, options),
    Max(max, options),
  );
}

function PositiveNumberUpTo(max: number, expected: string): PropertyDecorator {
  const options = { message: expected };
  return all(
    Transform(({ value }) => toDecimal(value)),
    IsNumber({ allowNaN: false, allowInfinity: false }, options),
    IsPositive(options),
    Max(max, options),
  );
}

/**
 * A stale threshold: a number of units (`perDay` to a day) from 0 (off) to `max`, and less than
 * STATUS_TTL_DAYS, or the records would expire before they could turn stale.
 */
function StaleThreshold(
  perDay: number,
  max: number,
  integer: boolean,
  expected: string,
): PropertyDecorator {
  const options = { message: expected };
  return all(
    Transform(({ value }) => (integer ? toInteger(value) : toDecimal(value))),
    integer ? IsInt(options) : IsNumber({ allowNaN: false, allowInfinity: false }, options),
    Min(0, options),
    Max(max, options),
    ValidateBy(
      {
        name: 'isBelowStatusTtl',
        validator: {
          validate: (value: unknown, { object }: ValidationArguments) => {
            const ttlDays = (object as EnvironmentVariables).STATUS_TTL_DAYS;
            // An invalid STATUS_TTL_DAYS is reported on its own.
            return typeof ttlDays !== 'number' || (value as number) < ttlDays * perDay;
          },
        },
      },
      options,
    ),
  );
}

function IsUrlWithScheme(
  schemes: readonly string[],
  expected: string,
  allowQueryAndFragment: boolean,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUrlWithScheme',
      validator: {
        validate: (value: unknown) => {
          const url = parseUrl(value, schemes);
          return url !== null && (allowQueryAndFragment || !/[?#]/.test(url.href));
        },
      },
    },
    { message: expected },
  );
}

/** `defaultNote`: how the message ends, e.g. `default "ases-sendmail"`. */
function IsQueueNameOrUrl(defaultNote: string): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isQueueNameOrUrl',
      validator: {
        validate: (value: unknown) => QUEUE_NAME.test(queueNameOf(value) ?? ''),
      },
    },
    {
      message: ({ value }: ValidationArguments) =>
        /\.fifo$/i.test(queueNameOf(value) ?? '')
          ? 'a standard SQS queue name or URL: FIFO queues (names ending in .fifo) are not supported'
          : `an SQS queue name (1 to 80 letters, digits, "-" or "_") or an http:// or https:// ` +
            `queue URL ending in one (${defaultNote})`,
    },
  );
}

/** S3_BUCKET: S3's bucket naming rules, the broken one named. */
function IsS3BucketName(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isS3BucketName',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && s3BucketNameProblem(value) === null,
      },
    },
    {
      message: ({ value }: ValidationArguments) =>
        `${S3_BUCKET_RULE}` +
        (typeof value === 'string' ? `, but ${s3BucketNameProblem(value)}` : '') +
        ` (optional; default ${LOCAL_S3_BUCKET} when LOCAL_STACK=true)`,
    },
  );
}

/** `unknown: a, b` naming the items that are not `known`, or null when there are none. */
function unknownItems(items: unknown[], known: (item: unknown) => boolean): string | null {
  const unknown = items.filter((item) => !known(item));
  return unknown.length === 0 ? null : `unknown: ${unknown.join(', ')}`;
}

/** A value `problem` finds nothing wrong with; `expected` is what the message says is wanted. */
function Checked(problem: (value: unknown) => string | null, expected: string): PropertyDecorator {
  return ValidateBy(
    { name: 'checked', validator: { validate: (value: unknown) => problem(value) === null } },
    {
      message: ({ value }: ValidationArguments) => {
        const found = problem(value);
        return found === null ? expected : `${expected} (${found})`;
      },
    },
  );
}

/** UNSUBSCRIBE_CATEGORIES: a list of category names, or `none`. */
function IsUnsubscribeCategories(): PropertyDecorator {
  const badItems = (value: unknown): unknown[] =>
    Array.isArray(value)
      ? value.filter((item) => typeof item !== 'string' || !UNSUBSCRIBE_CATEGORY.test(item))
      : [value];
  return all(
    Transform(({ value }) =>
      typeof value === 'string' && value.toLowerCase() === NO_CATEGORIES ? [] : toList(value),
    ),
    ValidateBy(
      {
        name: 'isUnsubscribeCategories',
        validator: { validate: (value: unknown) => badItems(value).length === 0 },
      },
      {
        message: ({ value }: ValidationArguments) =>
          'a comma-separated list of categories, each 1 to 64 of a-z 0-9 _ . -, or none ' +
          `(default ${DEFAULT_UNSUBSCRIBE_CATEGORIES.join(',')})` +
          (Array.isArray(value)
            ? `; not ${badItems(value)
                .map((item) => JSON.stringify(item))
                .join(', ')}`
            : ''),
      },
    ),
  );
}

/** REDIS_CLUSTER_NODES: `host:port` items, and REDIS_URL left unset. */
function IsRedisClusterNodes(): PropertyDecorator {
  const badNodes = (value: unknown): unknown[] =>
    Array.isArray(value) ? value.filter((node) => parseRedisNode(node) === null) : [value];
  return all(
    Transform(({ value }) => toList(value)),
    ValidateBy(
      {
        name: 'isRedisClusterNodes',
        validator: {
          validate: (value: unknown, { object }: ValidationArguments) =>
            (object as EnvironmentVariables).REDIS_URL === undefined &&
            Array.isArray(value) &&
            value.length > 0 &&
            badNodes(value).length === 0,
        },
      },
      {
        message: ({ value, object }: ValidationArguments) => {
          if ((object as EnvironmentVariables).REDIS_URL !== undefined) {
            return (
              'REDIS_URL unset: REDIS_URL is one Redis server, REDIS_CLUSTER_NODES a Redis Cluster; ' +
              'set only one of them'
            );
          }
          const bad = badNodes(value);
          return (
            'a comma-separated list of Redis Cluster nodes as host:port with a port from 1 to ' +
            `65535, e.g. 10.0.0.1:7000,10.0.0.2:7000 (IPv6 as [::1]:7000)` +
            (bad.length > 0 && Array.isArray(value)
              ? `; not ${bad.map((node) => JSON.stringify(node)).join(', ')}`
              : '')
          );
        },
      },
    ),
  );
}

/**
 * A GUARD_* rate: a fraction or a percentage with its sign, above 0 and below 1 (100 %); with
 * `below`, under that variable's value (or its default when unset).
 */
function IsGuardRate(
  defaultRate: number,
  below?: { variable: 'GUARD_BOUNCE_RATE' | 'GUARD_COMPLAINT_RATE'; defaultRate: number },
): PropertyDecorator {
  const expected =
    `a rate as a fraction such as ${defaultRate} or a percentage such as ${Number((defaultRate * 100).toFixed(4))}%, ` +
    `above 0 and below 1 (default ${defaultRate})`;
  return all(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (parseRate(value) ?? value) : value,
    ),
    ValidateBy(
      {
        name: 'isGuardRate',
        validator: { validate: (value: unknown) => typeof value === 'number' },
      },
      { message: expected },
    ),
    ValidateBy(
      {
        name: 'isBelowGuardRate',
        validator: {
          validate: (value: unknown, { object }: ValidationArguments) => {
            if (below === undefined) {
              return true;
            }
            const limit = (object as EnvironmentVariables)[below.variable] ?? below.defaultRate;
            // A malformed limit is reported on its own.
            return typeof limit !== 'number' || (value as number) < limit;
          },
        },
      },
      {
        message: below
          ? `a rate below ${below.variable} (default ${below.defaultRate}): the warning comes before the pause`
          : expected,
      },
    ),
  );
}

const isProduction = (env: EnvironmentVariables): boolean => env.LOCAL_STACK === false;

const portRule = (defaultPort: number, note = ''): string =>
  `an integer port from 0 to 65535${note} (default ${defaultPort})`;

const METRICS_PORT_RULE =
  'an integer port from 1 to 65535 (optional; unset: /metrics is served on PORT, with the API key)';

/**
 * The variables after conversion. Property types hold only once validation has passed; until then
 * a malformed value is still the string it was given as.
 */
class EnvironmentVariables {
  @IsOptional()
  @IsString({ message: 'a string such as production or development' })
  NODE_ENV?: string;

  @Transform(({ value }) => toLowerCase(value))
  @IsIn(LOG_FORMATS, {
    message: `one of ${LOG_FORMATS.join(', ')} (default json when NODE_ENV=production, pretty otherwise)`,
  })
  LOG_FORMAT!: LogFormat;

  @Transform(({ value }) => toLowerCase(value))
  @IsIn(LOG_LEVELS, { message: `one of ${LOG_LEVELS.join(', ')} (default info)` })
  LOG_LEVEL!: LogLevel;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default false)' })
  LOG_RECIPIENTS!: boolean;

  @IntegerBetween(0, 65535, portRule(3000))
  PORT!: number;

  @IsOptional()
  @IntegerBetween(1, 65535, METRICS_PORT_RULE)
  @ValidateBy(
    {
      name: 'isNotApiPort',
      validator: {
        validate: (value: unknown, { object }: ValidationArguments) =>
          value !== (object as EnvironmentVariables).PORT,
      },
    },
    { message: `${METRICS_PORT_RULE}, other than PORT` },
  )
  METRICS_PORT?: number;

  // Required only in production; locally a missing value gets the development key.
  @ValidateIf((env: EnvironmentVariables) => isProduction(env) || env.API_KEYS !== undefined)
  @IsDefined({
    message: `when LOCAL_STACK=false: a comma-separated list of bearer keys, each at least ${MIN_API_KEY_LENGTH} characters`,
  })
  @Transform(({ value }) => toList(value))
  @IsArray({ message: 'a comma-separated list of bearer keys' })
  @ArrayNotEmpty({ message: 'a comma-separated list of bearer keys' })
  @MinLength(MIN_API_KEY_LENGTH, {
    each: true,
    validateIf: isProduction,
    message: `every key to be at least ${MIN_API_KEY_LENGTH} characters when LOCAL_STACK=false`,
  })
  API_KEYS?: string[];

  @IsOptional()
  @IsUrlWithScheme(
    ['redis', 'rediss'],
    'a redis:// or rediss:// URL with a host (default redis://127.0.0.1:6379 unless REDIS_CLUSTER_NODES is set)',
    true,
  )
  REDIS_URL?: string;

  @IsOptional()
  @IsRedisClusterNodes()
  REDIS_CLUSTER_NODES?: string[];

  @Matches(/^[^\s{}]{1,64}$/u, {
    message:
      '1 to 64 characters without whitespace, "{" or "}" (keys carry Redis Cluster hash tags; default "ases:")',
  })
  REDIS_KEY_PREFIX!: string;

  @IsOptional()
  @Matches(AWS_REGION, {
    message:
      'an AWS region such as us-east-1, eu-central-2 or us-gov-west-1 ' +
      '(optional; us-east-1 when LOCAL_STACK=true)',
  })
  AWS_REGION?: string;

  @IsOptional()
  @IsUrlWithScheme(
    ['http', 'https'],
    'an http:// or https:// S3 endpoint URL without query or fragment (optional; the local ' +
      'stack sets its own)',
    false,
  )
  AWS_ENDPOINT_URL_S3?: string;

  @IsOptional()
  @IsS3BucketName()
  S3_BUCKET?: string;

  @IsQueueNameOrUrl(`default "${DEFAULT_QUEUES.sendmail}"`)
  SES_SENDMAIL_QUEUE!: string;

  @IsQueueNameOrUrl(`default "${DEFAULT_QUEUES.bounces}"`)
  SES_BOUNCES_QUEUE!: string;

  @IsQueueNameOrUrl(`default "${DEFAULT_QUEUES.complaints}"`)
  SES_COMPLAINTS_QUEUE!: string;

  @IsQueueNameOrUrl(`default "${DEFAULT_QUEUES.deliveries}"`)
  SES_DELIVERIES_QUEUE!: string;

  @IsOptional()
  @IsQueueNameOrUrl('optional; unset: no events queue is read')
  SES_EVENTS_QUEUE?: string;

  @ValidateIf((_object, value) => value !== 'auto')
  @PositiveNumberUpTo(
    100000,
    'a number of mails per second greater than 0 and at most 100000, or "auto" (default 100)',
  )
  SEND_RATE!: number | 'auto';

  @IsOptional()
  @IntegerBetween(
    0,
    100,
    'an integer from 0 (this instance does not send) to 100 (default: from SEND_RATE)',
  )
  SEND_POLLERS?: number;

  @IntegerBetween(10, 86400, 'a number of seconds from 10 to 86400 (default 300)')
  SEND_QUOTA_REFRESH_SECONDS!: number;

  @IntegerBetween(1, 100, 'an integer from 1 to 100 (default 5)')
  MAX_SEND_ATTEMPTS!: number;

  @PositiveNumberUpTo(
    365,
    'a number of days greater than 0 and at most 365, decimals allowed (default 14)',
  )
  STATUS_TTL_DAYS!: number;

  @IsIn(STATUS_DETAILS, { message: `one of ${STATUS_DETAILS.join(', ')} (default full)` })
  STATUS_DETAIL!: AsesStatusDetail;

  @IsOptional()
  @StaleThreshold(
    24,
    8760,
    false,
    'a number of hours from 0 (off) to less than STATUS_TTL_DAYS × 24, decimals allowed (default 24)',
  )
  STALE_AFTER_HOURS?: number;

  @IsOptional()
  @StaleThreshold(
    1440,
    10080,
    true,
    'an integer number of minutes from 0 (off) to 10080, less than STATUS_TTL_DAYS (default 60)',
  )
  STALE_QUEUED_MINUTES?: number;

  @IsOptional()
  @IntegerBetween(
    1,
    1000,
    'an integer from 1 to 1000 (optional; unset: soft bounces never suppress)',
  )
  SUPPRESS_AFTER_TRANSIENT_BOUNCES?: number;

  @PositiveNumberUpTo(365, 'a number of days greater than 0 and at most 365 (default 7)')
  SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS!: number;

  @Transform(({ value }) => toList(value ?? ''))
  @IsArray({ message: 'a comma-separated list of SNS topic ARNs' })
  @Matches(SNS_TOPIC_ARN, {
    each: true,
    message:
      'a comma-separated list of SNS topic ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback (default none)',
  })
  SNS_TOPIC_ARNS!: string[];

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default true)' })
  SNS_CONFIRM_SUBSCRIPTIONS!: boolean;

  @IsOptional()
  @IsUrlWithScheme(
    ['http', 'https'],
    'an absolute http:// or https:// URL without query or fragment (default http://localhost:<PORT>)',
    false,
  )
  TRACKING_BASE_URL?: string;

  @ValidateIf((env: EnvironmentVariables) => isProduction(env) || env.TRACKING_SECRET !== undefined)
  @IsDefined({
    message: `when LOCAL_STACK=false: a random secret of at least ${MIN_TRACKING_SECRET_LENGTH} characters that signs tracking links`,
  })
  @IsString({ message: 'a string' })
  @MinLength(MIN_TRACKING_SECRET_LENGTH, {
    validateIf: isProduction,
    message: `at least ${MIN_TRACKING_SECRET_LENGTH} characters when LOCAL_STACK=false`,
  })
  TRACKING_SECRET?: string;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default true)' })
  TRACK_OPENS!: boolean;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default true)' })
  TRACK_CLICKS!: boolean;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default false)' })
  TRACKING_STORE_CLIENT!: boolean;

  @IntegerBetween(0, 3600, 'a number of seconds from 0 (rule off) to 3600 (default 10)')
  TRACKING_SCANNER_WINDOW_SECONDS!: number;

  @IntegerBetween(0, 10, 'a number of reverse proxies from 0 to 10 (default 0)')
  TRUST_PROXY_HOPS!: number;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default true)' })
  DOCS_ENABLED!: boolean;

  @IsOptional()
  @IsEmail(
    {},
    { message: 'one bare email address such as unsubscribe@example.com (optional; default none)' },
  )
  UNSUBSCRIBE_MAILTO?: string;

  @IsUnsubscribeCategories()
  UNSUBSCRIBE_CATEGORIES!: string[];

  @IsOptional()
  @Checked(
    (value) => (typeof value === 'string' ? webhookUrlProblem(value) : 'must be a string'),
    'an http(s) URL that gets every event (optional)',
  )
  WEBHOOK_URL?: string;

  @ValidateIf(
    (env: EnvironmentVariables) =>
      env.WEBHOOK_URL !== undefined || env.WEBHOOK_SECRET !== undefined,
  )
  @IsDefined({
    message:
      'with WEBHOOK_URL: its Standard Webhooks secret, whsec_ + base64 of 24 to 64 random bytes',
  })
  @Checked(
    (value) => (typeof value === 'string' ? webhookSecretProblem(value) : 'must be a string'),
    'whsec_ + base64 of 24 to 64 random bytes (Standard Webhooks), required with WEBHOOK_URL',
  )
  WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(({ value }) => toList(value))
  @Checked(
    (value) =>
      Array.isArray(value) && value.length > 0
        ? unknownItems(value, isWebhookEventType)
        : 'no event type given',
    `a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(', ')} (optional; default all)`,
  )
  WEBHOOK_EVENTS?: string[];

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? parseRetrySchedule(value) : value,
  )
  @Checked(
    (value) => (Array.isArray(value) ? null : String(value)),
    `seconds before each retry, comma-separated, each a whole number from 1 to 86400, the last repeated (default ${DEFAULT_RETRY_SCHEDULE.join(',')})`,
  )
  WEBHOOK_RETRY_SCHEDULE!: number[];

  @IntegerBetween(
    1,
    30 * 86_400,
    `a number of seconds from 1 to 2592000 (default ${DEFAULT_RETRY_WINDOW_SECONDS}: 24 h)`,
  )
  WEBHOOK_RETRY_WINDOW_SECONDS!: number;

  @IsOptional()
  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({
    message: 'true or false (also 1/0, yes/no; default true when LOCAL_STACK=true, else false)',
  })
  WEBHOOK_ALLOW_PRIVATE?: boolean;

  @IntegerBetween(0, 1000, 'a number of deliveries at once from 0 (none here) to 1000 (default 32)')
  WEBHOOK_CONCURRENCY!: number;

  @IsOptional()
  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({ message: 'true or false (also 1/0, yes/no; default true)' })
  GUARD_ENABLED?: boolean;

  @IsOptional()
  @IntegerBetween(
    1,
    100_000_000,
    `a whole number of sends from 1 to 100000000 (default ${GUARD_DEFAULTS.minVolume})`,
  )
  GUARD_MIN_VOLUME?: number;

  @IsOptional()
  @IsGuardRate(GUARD_DEFAULTS.warningBounceRate, {
    variable: 'GUARD_BOUNCE_RATE',
    defaultRate: GUARD_DEFAULTS.bounceRate,
  })
  GUARD_WARNING_BOUNCE_RATE?: number;

  @IsOptional()
  @IsGuardRate(GUARD_DEFAULTS.warningComplaintRate, {
    variable: 'GUARD_COMPLAINT_RATE',
    defaultRate: GUARD_DEFAULTS.complaintRate,
  })
  GUARD_WARNING_COMPLAINT_RATE?: number;

  @IsOptional()
  @IsGuardRate(GUARD_DEFAULTS.bounceRate)
  GUARD_BOUNCE_RATE?: number;

  @IsOptional()
  @IsGuardRate(GUARD_DEFAULTS.complaintRate)
  GUARD_COMPLAINT_RATE?: number;

  @IsOptional()
  @IntegerBetween(
    1,
    900,
    `a whole number of seconds from 1 to 900, SQS's longest delay (default ${GUARD_DEFAULTS.holdSeconds})`,
  )
  GUARD_HOLD_SECONDS?: number;

  @Transform(({ value }) => toBoolean(value))
  @IsBoolean({
    message: 'true or false (also 1/0, yes/no; default true, or false when NODE_ENV=production)',
  })
  LOCAL_STACK!: boolean;

  @IntegerBetween(0, 65535, portRule(4566, ', 0 for any free port'))
  LOCAL_SQS_PORT!: number;

  @IntegerBetween(0, 65535, portRule(8005, ', 0 for any free port'))
  LOCAL_SES_PORT!: number;
}

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
function describeGiven(variable: Variable, value: unknown): string {
  if (typeof value !== 'string') {
    return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
  }
  if (variable === 'API_KEYS') {
    const keys = splitList(value);
    return keys.length === 0
      ? 'no keys, only separators'
      : `${plural(keys.length, 'key')} of ${keys.map((key) => key.length).join(', ')} characters (not shown)`;
  }
  if (SECRETS.has(variable)) {
    return `a secret of ${plural(value.length, 'character')} (not shown)`;
  }
  // A URL may carry a password (redis://:password@host), even when it is malformed.
  const shown = URLS.has(variable) ? value.replace(/^([^/]*\/\/)?[\s\S]*@/, '$1***@') : value;
  return JSON.stringify(shown.length > 120 ? `${shown.slice(0, 117)}...` : shown);
}

function describeProblem(variable: Variable, given: unknown, expected: string): string {
  return given === undefined
    ? `${variable} is required ${expected}`
    : `${variable}: got ${describeGiven(variable, given)}; expected ${expected}`;
}

/**
 * Validates the service's environment and applies the defaults. Reports every problem at once in
 * an {@link EnvironmentError}. Variables it does not know are ignored.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const given: Partial<Record<Variable, unknown>> = {};
  for (const variable of ENVIRONMENT_VARIABLES) {
    given[variable] = normalize(raw[variable]) ?? DEFAULTS[variable];
  }
  given.REDIS_URL ??= given.REDIS_CLUSTER_NODES === undefined ? DEFAULT_REDIS_URL : undefined;
  given.LOCAL_STACK ??= given.NODE_ENV === 'production' ? 'false' : 'true';
  given.LOG_FORMAT ??= given.NODE_ENV === 'production' ? 'json' : 'pretty';

  const env = plainToInstance(EnvironmentVariables, given);
  const errors = validateSync(env, { stopAtFirstError: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new EnvironmentError(
      errors.map((error) => {
        const variable = error.property as Variable;
        const [expected = 'a valid value'] = Object.values(error.constraints ?? {});
        return { variable, problem: describeProblem(variable, given[variable], expected) };
      }),
    );
  }

  return {
    NODE_ENV: env.NODE_ENV,
    LOG_FORMAT: env.LOG_FORMAT,
    LOG_LEVEL: env.LOG_LEVEL,
    LOG_RECIPIENTS: env.LOG_RECIPIENTS,
    PORT: env.PORT,
    METRICS_PORT: env.METRICS_PORT,
    API_KEYS: env.API_KEYS ?? [LOCAL_API_KEY],
    REDIS_URL: env.REDIS_URL,
    REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES?.map((node) => parseRedisNode(node)!),
    REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
    AWS_REGION: env.AWS_REGION ?? (env.LOCAL_STACK ? LOCAL_AWS_REGION : undefined),
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3,
    S3_BUCKET: env.S3_BUCKET ?? (env.LOCAL_STACK ? LOCAL_S3_BUCKET : undefined),
    SES_SENDMAIL_QUEUE: env.SES_SENDMAIL_QUEUE,
    SES_BOUNCES_QUEUE: env.SES_BOUNCES_QUEUE,
    SES_COMPLAINTS_QUEUE: env.SES_COMPLAINTS_QUEUE,
    SES_DELIVERIES_QUEUE: env.SES_DELIVERIES_QUEUE,
    SES_EVENTS_QUEUE: env.SES_EVENTS_QUEUE,
    SEND_RATE: env.SEND_RATE,
    SEND_POLLERS: env.SEND_POLLERS,
    SEND_QUOTA_REFRESH_SECONDS: env.SEND_QUOTA_REFRESH_SECONDS,
    MAX_SEND_ATTEMPTS: env.MAX_SEND_ATTEMPTS,
    STATUS_TTL_DAYS: env.STATUS_TTL_DAYS,
    STATUS_DETAIL: env.STATUS_DETAIL,
    STALE_AFTER_HOURS: env.STALE_AFTER_HOURS,
    STALE_QUEUED_MINUTES: env.STALE_QUEUED_MINUTES,
    SUPPRESS_AFTER_TRANSIENT_BOUNCES: env.SUPPRESS_AFTER_TRANSIENT_BOUNCES,
    SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS: env.SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS,
    SNS_TOPIC_ARNS: env.SNS_TOPIC_ARNS,
    SNS_CONFIRM_SUBSCRIPTIONS: env.SNS_CONFIRM_SUBSCRIPTIONS,
    TRACKING_BASE_URL: (env.TRACKING_BASE_URL ?? `http://localhost:${env.PORT}`).replace(
      /\/+$/,
      '',
    ),
    TRACKING_SECRET: env.TRACKING_SECRET ?? LOCAL_TRACKING_SECRET,
    TRACK_OPENS: env.TRACK_OPENS,
    TRACK_CLICKS: env.TRACK_CLICKS,
    TRACKING_STORE_CLIENT: env.TRACKING_STORE_CLIENT,
    TRACKING_SCANNER_WINDOW_SECONDS: env.TRACKING_SCANNER_WINDOW_SECONDS,
    TRUST_PROXY_HOPS: env.TRUST_PROXY_HOPS,
    DOCS_ENABLED: env.DOCS_ENABLED,
    UNSUBSCRIBE_MAILTO: env.UNSUBSCRIBE_MAILTO,
    UNSUBSCRIBE_CATEGORIES: [...new Set(env.UNSUBSCRIBE_CATEGORIES)],
    WEBHOOK_URL: env.WEBHOOK_URL,
    WEBHOOK_SECRET: env.WEBHOOK_SECRET,
    WEBHOOK_EVENTS: env.WEBHOOK_EVENTS && [...new Set(env.WEBHOOK_EVENTS)],
    WEBHOOK_RETRY_SCHEDULE: env.WEBHOOK_RETRY_SCHEDULE,
    WEBHOOK_RETRY_WINDOW_SECONDS: env.WEBHOOK_RETRY_WINDOW_SECONDS,
    WEBHOOK_ALLOW_PRIVATE: env.WEBHOOK_ALLOW_PRIVATE ?? env.LOCAL_STACK,
    WEBHOOK_CONCURRENCY: env.WEBHOOK_CONCURRENCY,
    GUARD_ENABLED: env.GUARD_ENABLED,
    GUARD_MIN_VOLUME: env.GUARD_MIN_VOLUME,
    GUARD_WARNING_BOUNCE_RATE: env.GUARD_WARNING_BOUNCE_RATE,
    GUARD_WARNING_COMPLAINT_RATE: env.GUARD_WARNING_COMPLAINT_RATE,
    GUARD_BOUNCE_RATE: env.GUARD_BOUNCE_RATE,
    GUARD_COMPLAINT_RATE: env.GUARD_COMPLAINT_RATE,
    LOCAL_STACK: env.LOCAL_STACK,
    LOCAL_SQS_PORT: env.LOCAL_SQS_PORT,
    LOCAL_SES_PORT: env.LOCAL_SES_PORT,
  };
}
