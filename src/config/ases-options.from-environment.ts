import type { AsesModuleOptions } from '../core/ases-options';
import type { Environment } from './environment';

/** The AsesModule options the standalone service runs with, from its validated environment. */
export function asesOptionsFromEnvironment(env: Environment): AsesModuleOptions {
  return {
    development: env.LOCAL_STACK,
    apiKeys: env.API_KEYS,
    tracking: {
      baseUrl: env.TRACKING_BASE_URL,
      secret: env.TRACKING_SECRET,
      opens: env.TRACK_OPENS,
      clicks: env.TRACK_CLICKS,
      storeClient: env.TRACKING_STORE_CLIENT,
      scannerWindowSeconds: env.TRACKING_SCANNER_WINDOW_SECONDS,
    },
    redis: {
      url: env.REDIS_URL,
      cluster: env.REDIS_CLUSTER_NODES && { nodes: env.REDIS_CLUSTER_NODES },
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    region: env.AWS_REGION,
    endpoints: {
      sqs: env.AWS_ENDPOINT_URL_SQS,
      ses: env.AWS_ENDPOINT_URL_SES,
      s3: env.AWS_ENDPOINT_URL_S3,
    },
    s3Bucket: env.S3_BUCKET,
    queues: {
      sendmail: env.SES_SENDMAIL_QUEUE,
      bounces: env.SES_BOUNCES_QUEUE,
      complaints: env.SES_COMPLAINTS_QUEUE,
      deliveries: env.SES_DELIVERIES_QUEUE,
      events: env.SES_EVENTS_QUEUE,
    },
    sendRate: env.SEND_RATE,
    sendPollers: env.SEND_POLLERS,
    quotaRefreshSeconds: env.SEND_QUOTA_REFRESH_SECONDS,
    maxSendAttempts: env.MAX_SEND_ATTEMPTS,
    statusTtlDays: env.STATUS_TTL_DAYS,
    statusDetail: env.STATUS_DETAIL,
    staleAfterHours: env.STALE_AFTER_HOURS,
    staleQueuedMinutes: env.STALE_QUEUED_MINUTES,
    suppressAfterTransientBounces:
      env.SUPPRESS_AFTER_TRANSIENT_BOUNCES === undefined
        ? undefined
        : {
            count: env.SUPPRESS_AFTER_TRANSIENT_BOUNCES,
            withinDays: env.SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS,
          },
    sns: {
      topicArns: env.SNS_TOPIC_ARNS,
      confirmSubscriptions: env.SNS_CONFIRM_SUBSCRIPTIONS,
    },
    unsubscribe: {
      mailto: env.UNSUBSCRIBE_MAILTO,
      categories: env.UNSUBSCRIBE_CATEGORIES,
    },
    metrics: { port: env.METRICS_PORT },
    logRecipients: env.LOG_RECIPIENTS,
    webhooks: {
      endpoint:
        env.WEBHOOK_URL === undefined || env.WEBHOOK_SECRET === undefined
          ? undefined
          : { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET, events: env.WEBHOOK_EVENTS },
      retrySchedule: env.WEBHOOK_RETRY_SCHEDULE,
      retryWindowSeconds: env.WEBHOOK_RETRY_WINDOW_SECONDS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      concurrency: env.WEBHOOK_CONCURRENCY,
    },
    guard: {
      enabled: env.GUARD_ENABLED,
      minVolume: env.GUARD_MIN_VOLUME,
      warningBounceRate: env.GUARD_WARNING_BOUNCE_RATE,
      warningComplaintRate: env.GUARD_WARNING_COMPLAINT_RATE,
      bounceRate: env.GUARD_BOUNCE_RATE,
      complaintRate: env.GUARD_COMPLAINT_RATE,
      holdSeconds: env.GUARD_HOLD_SECONDS,
    },
  };
}
