import { resolveWebhookOptions } from '../webhooks/webhook-options';
import { resolveGuardOptions } from '../reputation/guard-options';
import { isEmail } from 'class-validator';
import {
  AsesModuleOptions,
  AsesRedisNode,
  DEFAULT_QUEUES,
  DEFAULT_UNSUBSCRIBE_CATEGORIES,
  ResolvedAsesOptions,
  STATUS_DETAILS,
} from './ases-options';

const DAY_SECONDS = 86_400;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Longest `staleQueuedMinutes`: a week. */
const MAX_STALE_QUEUED_MINUTES = 10_080;

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
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

/**
 * Pollers that keep the rate busy: each holds up to 10 messages for one SES round trip plus its
 * wait for a slot, so one per 20 mails/s leaves room for latencies well above 100 ms.
 */
function defaultPollers(sendRate: number | 'auto'): number {
  if (sendRate === 'auto' || !isPositive(sendRate)) {
    return 25;
  }
  return Math.min(50, Math.max(2, Math.ceil(sendRate / 20)));
}

/**
 * Applies defaults to the module options and checks them, so a host with a wrong option learns it
 * at start-up, with every problem named at once, rather than at the first send.
 */
export function resolveAsesOptions(options: AsesModuleOptions): ResolvedAsesOptions {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) {
      problems.push(problem);
    }
  };

  const apiKeys = options.apiKeys as unknown;
  check(
    Array.isArray(apiKeys) &&
      apiKeys.length > 0 &&
      apiKeys.every((key) => typeof key === 'string' && key.length > 0),
    'apiKeys must be a non-empty array of non-empty strings',
  );
  check(isHttpUrl(options.tracking?.baseUrl), 'tracking.baseUrl must be an absolute http(s) URL');
  check(
    typeof options.tracking?.secret === 'string' && options.tracking.secret.length > 0,
    'tracking.secret must be a non-empty string',
  );
  for (const name of ['opens', 'clicks', 'storeClient'] as const) {
    const value = options.tracking?.[name];
    check(value === undefined || typeof value === 'boolean', `tracking.${name} must be a boolean`);
  }
  const scannerWindowSeconds = options.tracking?.scannerWindowSeconds ?? 10;
  check(
    isIntegerIn(scannerWindowSeconds, 0, 3600),
    'tracking.scannerWindowSeconds must be an integer from 0 to 3600',
  );

  const queues: ResolvedAsesOptions['queues'] = { ...DEFAULT_QUEUES, ...options.queues };
  if (queues.events === undefined) {
    delete queues.events;
  }
  for (const [name, value] of Object.entries(queues)) {
    check(
      typeof value === 'string' && value.length > 0,
      `queues.${name} must be a queue name or URL`,
    );
  }

  const sendRate = options.sendRate ?? 100;
  check(
    sendRate === 'auto' || isPositive(sendRate),
    "sendRate must be a number of mails per second greater than 0, or 'auto'",
  );
  const sendPollers = options.sendPollers ?? defaultPollers(sendRate);
  check(isIntegerIn(sendPollers, 0, 100), 'sendPollers must be an integer from 0 to 100');
  const quotaRefreshSeconds = options.quotaRefreshSeconds ?? 300;
  check(
    isIntegerIn(quotaRefreshSeconds, 1, 86_400),
    'quotaRefreshSeconds must be an integer from 1 to 86400',
  );
  const maxSendAttempts = options.maxSendAttempts ?? 5;
  check(isIntegerIn(maxSendAttempts, 1, 100), 'maxSendAttempts must be an integer from 1 to 100');
  const maxFeedbackAttempts = options.maxFeedbackAttempts ?? 5;
  check(
    isIntegerIn(maxFeedbackAttempts, 1, 100),
    'maxFeedbackAttempts must be an integer from 1 to 100',
  );
  const statusTtlDays = options.statusTtlDays ?? 14;
  check(isPositive(statusTtlDays), 'statusTtlDays must be a number of days greater than 0');
  // A message must turn stale while its record is still kept.
  const retentionMs = isPositive(statusTtlDays) ? statusTtlDays * DAY_SECONDS * 1000 : Infinity;
  // The defaults turn a check off when the retention is too short for it.
  const staleAfterHours = options.staleAfterHours ?? (24 * HOUR_MS < retentionMs ? 24 : 0);
  check(
    typeof staleAfterHours === 'number' &&
      Number.isFinite(staleAfterHours) &&
      staleAfterHours >= 0 &&
      staleAfterHours * HOUR_MS < retentionMs,
    'staleAfterHours must be a number of hours from 0 (off) to less than statusTtlDays × 24',
  );
  const staleQueuedMinutes = options.staleQueuedMinutes ?? (60 * MINUTE_MS < retentionMs ? 60 : 0);
  check(
    isIntegerIn(staleQueuedMinutes, 0, MAX_STALE_QUEUED_MINUTES) &&
      staleQueuedMinutes * MINUTE_MS < retentionMs,
    `staleQueuedMinutes must be an integer from 0 (off) to ${MAX_STALE_QUEUED_MINUTES}, ` +
      'less than statusTtlDays in minutes',
  );
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 15_000;
  check(isIntegerIn(shutdownTimeoutMs, 0, 600_000), 'shutdownTimeoutMs must be 0..600000');
  const pollWaitSeconds = options.pollWaitSeconds ?? 5;
  check(isIntegerIn(pollWaitSeconds, 0, 20), 'pollWaitSeconds must be an integer from 0 to 20');
  const cluster = options.redis?.cluster;
  const givenUrl = options.redis?.url;
  check(
    cluster === undefined || givenUrl === undefined,
    'redis.url and redis.cluster.nodes are both set: give redis.url for one server or ' +
      'redis.cluster.nodes for a Redis Cluster, not both',
  );
  const redisUrl = cluster === undefined ? (givenUrl ?? 'redis://127.0.0.1:6379') : undefined;
  check(
    redisUrl === undefined || (typeof redisUrl === 'string' && /^rediss?:\/\//.test(redisUrl)),
    'redis.url must be a redis:// or rediss:// URL',
  );
  const nodes =
    cluster === undefined
      ? undefined
      : clusterNodes((cluster as { nodes?: unknown } | null)?.nodes, check);
  const keyPrefix = options.redis?.keyPrefix ?? 'ases:';
  check(
    typeof keyPrefix === 'string' && keyPrefix.length > 0 && !/[{}]/.test(keyPrefix),
    'redis.keyPrefix must be a non-empty string without "{" or "}" (ases keys carry Redis Cluster hash tags)',
  );
  const statusDetail = options.statusDetail ?? 'full';
  check(STATUS_DETAILS.includes(statusDetail), "statusDetail must be 'full' or 'lean'");
  const transient = options.suppressAfterTransientBounces;
  check(
    transient === undefined ||
      (isIntegerIn(transient.count, 1, 1000) && isPositive(transient.withinDays)),
    'suppressAfterTransientBounces must be { count: 1..1000, withinDays: > 0 }',
  );
  const topicArns = options.sns?.topicArns ?? [];
  check(
    Array.isArray(topicArns) &&
      topicArns.every((arn) => typeof arn === 'string' && arn.startsWith('arn:')),
    'sns.topicArns must be a list of SNS topic ARNs',
  );
  for (const [name, value] of Object.entries(options.endpoints ?? {})) {
    check(value === undefined || isHttpUrl(value), `endpoints.${name} must be an http(s) URL`);
  }
  const s3Bucket = options.s3Bucket as unknown;
  if (s3Bucket !== undefined) {
    const problem =
      typeof s3Bucket === 'string' ? s3BucketNameProblem(s3Bucket) : 'it is not a string';
    check(
      problem === null,
      `s3Bucket (S3_BUCKET) must be ${S3_BUCKET_RULE}; got ${JSON.stringify(s3Bucket)}: ${problem}`,
    );
  }
  const mailto = options.unsubscribe?.mailto as unknown;
  check(
    mailto === undefined || (typeof mailto === 'string' && isEmail(mailto)),
    `unsubscribe.mailto (UNSUBSCRIBE_MAILTO) must be one bare email address such as ` +
      `unsubscribe@example.com; got ${JSON.stringify(mailto)}`,
  );
  const categories = (options.unsubscribe?.categories ?? DEFAULT_UNSUBSCRIBE_CATEGORIES) as unknown;
  const badCategories = Array.isArray(categories)
    ? categories.filter((c) => typeof c !== 'string' || !UNSUBSCRIBE_CATEGORY.test(c))
    : [categories];
  check(
    badCategories.length === 0,
    'unsubscribe.categories (UNSUBSCRIBE_CATEGORIES) must be a list of category names, each 1 ' +
      `to 64 of a-z 0-9 _ . -; not ${badCategories.map((c) => JSON.stringify(c)).join(', ')}`,
  );

  const metricsPort = options.metrics?.port;
  check(
    metricsPort === undefined || isIntegerIn(metricsPort, 1, 65535),
    `metrics.port (METRICS_PORT) must be an integer port from 1 to 65535; got ${JSON.stringify(metricsPort)}`,
  );
  const processMetrics = options.metrics?.processMetrics ?? true;
  check(typeof processMetrics === 'boolean', 'metrics.processMetrics must be a boolean');
  const apiRoute = options.metrics?.apiRoute ?? metricsPort === undefined;
  check(typeof apiRoute === 'boolean', 'metrics.apiRoute must be a boolean');
  const logRecipients = options.logRecipients ?? false;
  check(
    typeof logRecipients === 'boolean',
    `logRecipients (LOG_RECIPIENTS) must be a boolean; got ${JSON.stringify(logRecipients)}`,
  );

  const webhooks = resolveWebhookOptions(options.webhooks, (problem) => check(false, problem));
  const guard = resolveGuardOptions(options.guard, (problem) => check(false, problem));

  if (problems.length > 0) {
    throw new Error(`Invalid AsesModule options: ${problems.join('; ')}`);
  }
  return {
    apiKeys: [...options.apiKeys],
    tracking: {
      baseUrl: options.tracking.baseUrl.replace(/\/+$/, ''),
      secret: options.tracking.secret,
      opens: options.tracking.opens ?? true,
      clicks: options.tracking.clicks ?? true,
      storeClient: options.tracking.storeClient ?? false,
      scannerWindowMs: scannerWindowSeconds * 1000,
    },
    redis: nodes === undefined ? { url: redisUrl, keyPrefix } : { cluster: { nodes }, keyPrefix },
    statusDetail,
    region: options.region,
    endpoints: { ...options.endpoints },
    ...(options.s3Bucket === undefined ? {} : { s3Bucket: options.s3Bucket }),
    unsubscribe: {
      ...(mailto === undefined ? {} : { mailto: options.unsubscribe?.mailto }),
      categories: [...new Set(categories as string[])],
    },
    queues,
    sendRate,
    sendPollers,
    quotaRefreshSeconds,
    maxSendAttempts,
    maxFeedbackAttempts,
    statusTtlSeconds: Math.max(1, Math.round(statusTtlDays * DAY_SECONDS)),
    staleAfterMs: Math.round(staleAfterHours * HOUR_MS),
    staleQueuedMs: staleQueuedMinutes * MINUTE_MS,
    shutdownTimeoutMs,
    pollWaitSeconds,
    ...(transient === undefined
      ? {}
      : {
          suppressAfterTransientBounces: {
            count: transient.count,
            withinSeconds: Math.max(1, Math.round(transient.withinDays * DAY_SECONDS)),
          },
        }),
    sns: {
      topicArns: [...topicArns],
      confirmSubscriptions: options.sns?.confirmSubscriptions ?? true,
    },
    metrics:
      metricsPort === undefined
        ? { apiRoute, processMetrics }
        : { port: metricsPort, apiRoute, processMetrics },
    logRecipients,
    webhooks,
    guard,
  };
}

/** The nodes of `redis.cluster.nodes`, each checked; reports through `check`. */
function clusterNodes(
  given: unknown,
  check: (ok: boolean, problem: string) => void,
): AsesRedisNode[] {
  if (!Array.isArray(given) || given.length === 0) {
    check(false, 'redis.cluster.nodes must be a non-empty array of "host:port" or { host, port }');
    return [];
  }
  return given.map((value: unknown, index) => {
    const node = parseRedisNode(value);
    check(
      node !== null,
      `redis.cluster.nodes[${index}] must be "host:port" or { host, port } with a port from 1 to 65535, got ${JSON.stringify(value)}`,
    );
    return node ?? { host: '', port: 0 };
  });
}
