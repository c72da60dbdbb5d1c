/** Names (or full URLs) of the SQS queues ases uses. */
export interface AsesQueueOptions {
  /** Queue the send requests wait in. Default `ases-sendmail`. */
  sendmail?: string;
  /** Queue SNS delivers SES bounce notifications to. Default `ases-bounces`. */
  bounces?: string;
  /** Queue SNS delivers SES complaint notifications to. Default `ases-complaints`. */
  complaints?: string;
  /** Queue SNS delivers SES delivery notifications to. Default `ases-deliveries`. */
  deliveries?: string;
  /**
   * Optional queue for users who send every SES event type (identity notifications or
   * configuration-set event publishing) to one queue. Default none: not consumed.
   */
  events?: string;
}

/** The suppression list's optional rule for soft bounces. */
export interface TransientBounceRule {
  /** Transient bounces of one address that suppress it... */
  count: number;
  /** ...when they all happened within this many days. */
  withinDays: number;
}

/** The signed SNS HTTPS endpoint, `POST /v1/feedback/sns`. */
export interface SnsEndpointOptions {
  /** TopicArns whose messages are accepted; every other topic gets 403. Default none (endpoint refuses all). */
  topicArns?: string[];
  /** Confirm a SubscriptionConfirmation of an allowed topic by fetching its SubscribeURL. Default true. */
  confirmSubscriptions?: boolean;
}

/** One node of a Redis Cluster, as ioredis's `Cluster` takes it. */
export interface AsesRedisNode {
  /** Host name or IP address. */
  host: string;
  /** TCP port, 1..65535. */
  port: number;
}

/** RFC 8058 one-click unsubscribe (`List-Unsubscribe` / `List-Unsubscribe-Post`) defaults. */
export interface AsesUnsubscribeOptions {
  /** One bare address also offered as `mailto:` in List-Unsubscribe, besides the one-click URL. Default none. */
  mailto?: string;
  /**
   * Categories whose mail gets a List-Unsubscribe header unless the message says otherwise; each
   * 1 to 64 of `a-z 0-9 _ . -`. `[]`: none by default. Default `['marketing']`.
   */
  categories?: string[];
}

/** Prometheus metrics: `GET /metrics`, in the text exposition format. */
export interface AsesMetricsOptions {
  /**
   * Serve `/metrics` on a listener of its own on this port (1..65535, no API key: meant for an
   * internal network). Default none: `/metrics` on the API port, behind the API key like `/v1`.
   */
  port?: number;
  /**
   * Answer `GET /metrics` on the API port (Bearer API key). When false the route passes the
   * request on, as if it did not exist (404, or the host's own `/metrics`): for a host that serves
   * `AsesMetrics.registry` itself. Default true without `port`, false with it.
   */
  apiRoute?: boolean;
  /**
   * Also collect Node.js process metrics (prom-client's defaults: CPU, memory, event loop lag, GC)
   * into ases's registry; false when the host collects them itself. Default true.
   */
  processMetrics?: boolean;
}

/** An endpoint set by configuration (WEBHOOK_URL), beside those made with `POST /v1/webhooks`. */
export interface AsesWebhookEndpointOptions {
  /** http(s) URL ases posts events to. */
  url: string;
  /** `whsec_` + base64 of 24-64 bytes (Standard Webhooks); the receiver verifies with it. */
  secret: string;
  /** Event types it gets (see WEBHOOK_EVENT_TYPES). Default all. */
  events?: string[];
}

/** Signed webhooks (Standard Webhooks): where ases posts its events, and how it retries. */
export interface AsesWebhookOptions {
  /** An endpoint from configuration, kept as the endpoint with id `env`. Default none. */
  endpoint?: AsesWebhookEndpointOptions;
  /** Seconds before each retry, the last repeated. Default `[5, 30, 120, 600, 1800, 3600, 7200, 14400]`. */
  retrySchedule?: number[];
  /**
   * Seconds a failing delivery is retried, and an endpoint may fail without one success before it
   * is disabled. Default 86400 (24 h); shorter only for tests.
   */
  retryWindowSeconds?: number;
  /** Allow endpoints on loopback and private addresses. Default false (the local stack: true). */
  allowPrivate?: boolean;
  /** Deliveries this process makes at once; 0: none (other instances deliver). Default 32. */
  concurrency?: number;
  /** Time an endpoint has to answer, ms (1000-60000). Default 10000. */
  timeoutMs?: number;
}

/**
 * The reputation guard (`GET /v1/reputation`): warns, then pauses non-transactional categories,
 * when the bounce or complaint rate nears SES's review thresholds. Rates are fractions (0.04 = 4 %).
 */
export interface AsesGuardOptions {
  /** Evaluate the rates and hold back non-transactional mail while paused. Default true. */
  enabled?: boolean;
  /** Least sends (delivered + bounced) a window needs before it can warn or pause. Default 500. */
  minVolume?: number;
  /** Bounce rate (hard bounces) that warns; below `bounceRate`. Default 0.025 (half SES's review 5 %). */
  warningBounceRate?: number;
  /** Complaint rate that warns; below `complaintRate`. Default 0.0005 (half SES's review 0.1 %). */
  warningComplaintRate?: number;
  /** Bounce rate over 24 h that pauses non-transactional categories. Default 0.04. */
  bounceRate?: number;
  /** Complaint rate over 24 h that pauses non-transactional categories. Default 0.0008. */
  complaintRate?: number;
  /** How often the rates are evaluated, in ms (100..3600000); also soon after a bounce or complaint. Default 5000. */
  checkIntervalMs?: number;
  /**
   * Seconds a held-back message waits in the queue before it is looked at again (1..900): after a
   * resume, held mail goes out within this time. Default 300.
   */
  holdSeconds?: number;
}

/** The claim-check bucket the local stack creates, and the service's S3_BUCKET when LOCAL_STACK=true. */
export const LOCAL_S3_BUCKET = 'ases-local';

/** The `unsubscribe.categories` default. */
export const DEFAULT_UNSUBSCRIBE_CATEGORIES: readonly string[] = ['marketing'];

/** How much of each message's history the status store keeps (`statusDetail`). */
export type AsesStatusDetail = 'full' | 'lean';

/** The `statusDetail` values, for validation. */
export const STATUS_DETAILS: readonly AsesStatusDetail[] = ['full', 'lean'];

/** Static AWS credentials, as the AWS SDK takes them. */
export interface AsesAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options of `AsesModule.forRoot` / `forRootAsync`. */
export interface AsesModuleOptions {
  /**
   * Development (the standalone service's LOCAL_STACK=true): allows short API keys and tracking
   * secrets, for a local stack or tests. Default false.
   */
  development?: boolean;
  /** Bearer keys accepted on `/v1/*`. Required, at least one, each at least 16 characters (shorter only with `development`). */
  apiKeys: string[];
  /** Open and click tracking: where the pixel and links are served from, and how. Required. */
  tracking: {
    /** Public base URL of this service, e.g. `https://mail.example.com` (http or https, no query or fragment). */
    baseUrl: string;
    /** Secret the pixel and link tokens are signed with (HMAC-SHA256): at least 32 characters (shorter only with `development`). */
    secret: string;
    /** Put the open pixel in HTML mail unless a message says `track.opens: false`. Default true. */
    opens?: boolean;
    /** Rewrite the http(s) links of HTML mail unless a message says `track.clicks: false`. Default true. */
    clicks?: boolean;
    /** Keep each hit's IP address and full user agent in the timeline. Default false: only its class. */
    storeClient?: boolean;
    /** Clicks within this many seconds after push or delivery are link scanners; 0 turns the rule off. Default 10. */
    scannerWindowSeconds?: number;
  };
  /** Redis ases keeps statuses in: one server or a Redis Cluster. Default `{ url: 'redis://127.0.0.1:6379', keyPrefix: 'ases:' }`. */
  redis?: {
    /** URL of one Redis server; not together with `cluster`. Default `redis://127.0.0.1:6379` when `cluster` is not given. */
    url?: string;
    /** A Redis Cluster instead of one server; not together with `url`. Default none. */
    cluster?: {
      /** Some of the cluster's nodes to discover it from: `'host:port'` strings or `{ host, port }`. Required, at least one. */
      nodes: (string | AsesRedisNode)[];
    };
    /** Prefix of every key ases writes; no `{` or `}` (keys carry Redis Cluster hash tags). Default `ases:`. */
    keyPrefix?: string;
  };
  /**
   * How much of each message's history the status store keeps: `'full'` (every event with its
   * details) or `'lean'` (less per message, for high volumes). Default `'full'`.
   */
  statusDetail?: AsesStatusDetail;
  /** AWS region of SQS, SES and S3. Default: the SDK's default chain (`AWS_REGION`, shared config). */
  region?: string;
  /**
   * Endpoint overrides (the standalone service reads them from `AWS_ENDPOINT_URL_SQS`,
   * `AWS_ENDPOINT_URL_SES`, falling back to `AWS_ENDPOINT_URL`, and `AWS_ENDPOINT_URL_S3`). With
   * `sqs` given, requests go to it rather than to the host in a queue's URL, which an emulator's
   * URLs may not resolve to. With `s3` given, S3 is addressed path-style (`<endpoint>/<bucket>/<key>`,
   * `forcePathStyle`): emulators and S3-compatible stores rarely serve `<bucket>.<host>`. Default none.
   */
  endpoints?: { sqs?: string; ses?: string; s3?: string };
  /**
   * Static credentials for every AWS client ases makes (SQS, SES, S3). Default: the SDK's default
   * chain (`AWS_ACCESS_KEY_ID`, shared config, instance roles).
   */
  credentials?: AsesAwsCredentials;
  /**
   * S3 bucket of the claim-check: a send job larger than an SQS message may be is stored there
   * (under `ases/jobs/`) and the queue carries its key. Default none: such messages are refused.
   */
  s3Bucket?: string;
  /** One-click unsubscribe defaults. Default `{ categories: ['marketing'] }`, no mailto. */
  unsubscribe?: AsesUnsubscribeOptions;
  /** Queue names or URLs. Defaults: `ases-sendmail`, `ases-bounces`, `ases-complaints`, `ases-deliveries`. */
  queues?: AsesQueueOptions;
  /**
   * Mails (recipients) per second pushed to SES by all instances together: they share one budget
   * in Redis; at most 100000. `'auto'` sends at the account's MaxSendRate (GetSendQuota). Default 100.
   */
  sendRate?: number | 'auto';
  /**
   * Concurrent pollers of the sendmail queue in this process, each holding up to 10 messages;
   * 0 makes an instance that accepts mail and follows feedback but does not send. Default `clamp(ceil(rate / 20), 2, 50)`, 25 with `sendRate: 'auto'`.
   */
  sendPollers?: number;
  /** How often GetSendQuota is read with `sendRate: 'auto'` or while the daily quota is used up, in seconds (1..86400). Default 300. */
  quotaRefreshSeconds?: number;
  /** Sends tried before a message is recorded FAILED (SES throttling, network, 5xx). Default 5. */
  maxSendAttempts?: number;
  /** Receives of a feedback notification for an SES id not (yet) known before it is dropped. Default 5. */
  maxFeedbackAttempts?: number;
  /** Days a message's record is kept in Redis (more than 0, at most 365). Default 14. */
  statusTtlDays?: number;
  /**
   * Hours after its push a message SES has said nothing final about (still PUSHED or DELAYED: no
   * Delivery, Bounce or Reject) is listed as stale (`GET /v1/messages?status=STALE`); 0 turns
   * this check off. Less than `statusTtlDays` × 24. Default 24 (off when `statusTtlDays` ≤ 1).
   */
  staleAfterHours?: number;
  /**
   * Least minutes a message stays QUEUED before it is listed as stale; while the sendmail
   * queue's backlog takes longer to send (3 × backlog ÷ send rate), the sweep waits that long
   * instead. 0 turns this check off. An integer up to 10080, less than the retention. Default 60
   * (off with a retention of an hour or less).
   */
  staleQueuedMinutes?: number;
  /** How long shutdown waits for the last poll and the messages in flight, in ms. Default 15000. */
  shutdownTimeoutMs?: number;
  /**
   * SQS long-poll wait of the consumers, in seconds (0..20). Shutdown lets the pending poll
   * return, so this bounds how long an idle shutdown takes. Default 5.
   */
  pollWaitSeconds?: number;
  /** Suppress an address after repeated soft bounces. Default off: only Permanent bounces and complaints suppress. */
  suppressAfterTransientBounces?: TransientBounceRule;
  /** The signed SNS HTTPS endpoint. */
  sns?: SnsEndpointOptions;
  /** Prometheus metrics. Default `{ processMetrics: true }`: on the API port, with the API key. */
  metrics?: AsesMetricsOptions;
  /**
   * Put recipient addresses in ases's log lines (status changes, send failures, suppressions).
   * Default false: lines name the message, never an address.
   */
  logRecipients?: boolean;
  /** Signed webhooks. Default: none from configuration, retried for 24 h, public addresses only. */
  webhooks?: AsesWebhookOptions;
  /** The reputation guard. Default on: warn at 2.5 % / 0.05 %, pause at 4 % / 0.08 %, from 500 sends. */
  guard?: AsesGuardOptions;
}

/** The options with every default applied; what the services see. */
export interface ResolvedAsesOptions {
  development: boolean;
  apiKeys: string[];
  tracking: {
    baseUrl: string;
    secret: string;
    opens: boolean;
    clicks: boolean;
    storeClient: boolean;
    scannerWindowMs: number;
  };
  /** Exactly one of `url` (one server) and `cluster` (a Redis Cluster) is set. */
  redis: { url?: string; cluster?: { nodes: AsesRedisNode[] }; keyPrefix: string };
  statusDetail: AsesStatusDetail;
  region?: string;
  endpoints: { sqs?: string; ses?: string; s3?: string };
  /** Unset: the SDK's default credential chain. */
  credentials?: AsesAwsCredentials;
  /** Unset: no claim-check; jobs too large for SQS are refused. */
  s3Bucket?: string;
  unsubscribe: { mailto?: string; categories: string[] };
  queues: Required<Omit<AsesQueueOptions, 'events'>> & { events?: string };
  sendRate: number | 'auto';
  sendPollers: number;
  quotaRefreshSeconds: number;
  maxSendAttempts: number;
  maxFeedbackAttempts: number;
  statusTtlSeconds: number;
  /** `staleAfterHours` in ms; 0: PUSHED messages are never listed as stale. */
  staleAfterMs: number;
  /** `staleQueuedMinutes` in ms; 0: QUEUED messages are never listed as stale. */
  staleQueuedMs: number;
  shutdownTimeoutMs: number;
  pollWaitSeconds: number;
  suppressAfterTransientBounces?: { count: number; withinSeconds: number };
  sns: { topicArns: string[]; confirmSubscriptions: boolean };
  metrics: { port?: number; apiRoute: boolean; processMetrics: boolean };
  logRecipients: boolean;
  webhooks: {
    endpoint?: { url: string; secret: string; events?: string[] };
    retrySchedule: number[];
    retryWindowMs: number;
    allowPrivate: boolean;
    concurrency: number;
    timeoutMs: number;
  };
  guard: Required<AsesGuardOptions>;
}

/** The seed's queue names, used when an option is not given. */
export const DEFAULT_QUEUES: Required<Omit<AsesQueueOptions, 'events'>> = {
  sendmail: 'ases-sendmail',
  bounces: 'ases-bounces',
  complaints: 'ases-complaints',
  deliveries: 'ases-deliveries',
};
