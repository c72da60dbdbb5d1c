import type { AsesModuleOptions, AsesRedisNode, ResolvedAsesOptions } from './ases-options';
import {
  checkOptions,
  describeValue,
  OPTIONS,
  OptionProblem,
  parseRedisNode,
} from './options-schema';
import { webhookOptionsFrom } from '../webhooks/webhook-options';
import { guardOptionsFrom } from '../reputation/guard-options';

// Kept here for the code that imported them before the schema had them.
export {
  parseRedisNode,
  S3_BUCKET_RULE,
  s3BucketNameProblem,
  UNSUBSCRIBE_CATEGORY,
} from './options-schema';

const DAY_SECONDS = 86_400;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The value at a dotted `path` of the module options; undefined when any step is missing. */
function valueAt(options: unknown, path: string): unknown {
  let value = options;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** How a problem of the module options reads: the option, its variable, what is wanted. */
export function describeOptionProblem({
  spec,
  given,
  expected,
  missing,
  defaulted,
}: OptionProblem): string {
  const name = spec.env === undefined ? spec.path : `${spec.path} (${spec.env})`;
  if (missing) {
    return `${name} is required ${expected}`;
  }
  return `${name} must be ${expected}; got ${describeValue(spec, given)}${defaulted ? ' (its default)' : ''}`;
}

/**
 * Applies defaults to the module options and checks them against the options schema, so a host
 * with a wrong option learns it at start-up, with every problem named at once, rather than at the
 * first send.
 */
export function resolveAsesOptions(options: AsesModuleOptions): ResolvedAsesOptions {
  const given = (path: string): unknown => valueAt(options, path);
  const { values, problems } = checkOptions(OPTIONS, given, 'options', (path) => path);
  if (problems.length > 0) {
    throw new Error(
      `Invalid AsesModule options: ${problems.map(describeOptionProblem).join('; ')}`,
    );
  }
  // Every option below passed its check (or has no value), so the casts only name its type.
  const value = <T>(path: string): T => values.get(path) as T;

  const nodes = value<unknown[] | undefined>('redis.cluster.nodes');
  const queues: ResolvedAsesOptions['queues'] = {
    sendmail: value('queues.sendmail'),
    bounces: value('queues.bounces'),
    complaints: value('queues.complaints'),
    deliveries: value('queues.deliveries'),
  };
  const eventsQueue = value<string | undefined>('queues.events');
  if (eventsQueue !== undefined) {
    queues.events = eventsQueue;
  }
  const endpoints: ResolvedAsesOptions['endpoints'] = {};
  for (const name of ['sqs', 'ses', 's3'] as const) {
    const endpoint = value<string | undefined>(`endpoints.${name}`);
    if (endpoint !== undefined) {
      endpoints[name] = endpoint;
    }
  }
  const credentials = value<ResolvedAsesOptions['credentials']>('credentials');
  const s3Bucket = value<string | undefined>('s3Bucket');
  const mailto = value<string | undefined>('unsubscribe.mailto');
  const transientCount = value<number | undefined>('suppressAfterTransientBounces.count');
  const metricsPort = value<number | undefined>('metrics.port');
  const apiRoute = value<boolean>('metrics.apiRoute');
  const processMetrics = value<boolean>('metrics.processMetrics');

  return {
    development: value('development'),
    apiKeys: [...value<string[]>('apiKeys')],
    tracking: {
      baseUrl: value<string>('tracking.baseUrl').replace(/\/+$/, ''),
      secret: value('tracking.secret'),
      opens: value('tracking.opens'),
      clicks: value('tracking.clicks'),
      storeClient: value('tracking.storeClient'),
      scannerWindowMs: value<number>('tracking.scannerWindowSeconds') * 1000,
    },
    redis:
      nodes === undefined
        ? { url: value('redis.url'), keyPrefix: value('redis.keyPrefix') }
        : {
            cluster: { nodes: nodes.map((node) => parseRedisNode(node) as AsesRedisNode) },
            keyPrefix: value('redis.keyPrefix'),
          },
    statusDetail: value('statusDetail'),
    region: value('region'),
    endpoints,
    ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
    ...(s3Bucket === undefined ? {} : { s3Bucket }),
    unsubscribe: {
      ...(mailto === undefined ? {} : { mailto }),
      categories: [...new Set(value<string[]>('unsubscribe.categories'))],
    },
    queues,
    sendRate: value('sendRate'),
    sendPollers: value('sendPollers'),
    quotaRefreshSeconds: value('quotaRefreshSeconds'),
    maxSendAttempts: value('maxSendAttempts'),
    maxFeedbackAttempts: value('maxFeedbackAttempts'),
    statusTtlSeconds: Math.max(1, Math.round(value<number>('statusTtlDays') * DAY_SECONDS)),
    staleAfterMs: Math.round(value<number>('staleAfterHours') * HOUR_MS),
    staleQueuedMs: value<number>('staleQueuedMinutes') * MINUTE_MS,
    shutdownTimeoutMs: value('shutdownTimeoutMs'),
    pollWaitSeconds: value('pollWaitSeconds'),
    ...(transientCount === undefined
      ? {}
      : {
          suppressAfterTransientBounces: {
            count: transientCount,
            withinSeconds: Math.max(
              1,
              Math.round(value<number>('suppressAfterTransientBounces.withinDays') * DAY_SECONDS),
            ),
          },
        }),
    sns: {
      topicArns: [...value<string[]>('sns.topicArns')],
      confirmSubscriptions: value('sns.confirmSubscriptions'),
    },
    metrics:
      metricsPort === undefined
        ? { apiRoute, processMetrics }
        : { port: metricsPort, apiRoute, processMetrics },
    logRecipients: value('logRecipients'),
    webhooks: webhookOptionsFrom(value),
    guard: guardOptionsFrom(value),
  };
}
