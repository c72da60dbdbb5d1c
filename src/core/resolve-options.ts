import { AsesModuleOptions, DEFAULT_QUEUES, ResolvedAsesOptions } from './ases-options';

const DAY_SECONDS = 86_400;

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
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 15_000;
  check(isIntegerIn(shutdownTimeoutMs, 0, 600_000), 'shutdownTimeoutMs must be 0..600000');
  const pollWaitSeconds = options.pollWaitSeconds ?? 5;
  check(isIntegerIn(pollWaitSeconds, 0, 20), 'pollWaitSeconds must be an integer from 0 to 20');
  const redisUrl = options.redis?.url ?? 'redis://127.0.0.1:6379';
  check(/^rediss?:\/\//.test(redisUrl), 'redis.url must be a redis:// or rediss:// URL');
  const keyPrefix = options.redis?.keyPrefix ?? 'ases:';
  check(keyPrefix.length > 0, 'redis.keyPrefix must not be empty');
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
    redis: { url: redisUrl, keyPrefix },
    region: options.region,
    endpoints: { ...options.endpoints },
    queues,
    sendRate,
    sendPollers,
    quotaRefreshSeconds,
    maxSendAttempts,
    maxFeedbackAttempts,
    statusTtlSeconds: Math.max(1, Math.round(statusTtlDays * DAY_SECONDS)),
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
  };
}
