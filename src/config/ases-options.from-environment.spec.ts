import { asesOptionsFromEnvironment } from './ases-options.from-environment';
import { resolveAsesOptions } from '../core/resolve-options';
import { validateEnvironment } from './environment';

describe('asesOptionsFromEnvironment', () => {
  it('leaves the optional feedback settings off by default', () => {
    const options = asesOptionsFromEnvironment(validateEnvironment({}));
    expect(options.queues?.events).toBeUndefined();
    expect(options.suppressAfterTransientBounces).toBeUndefined();
    expect(options.sns).toEqual({ topicArns: [], confirmSubscriptions: true });
  });

  it('passes the events queue, the soft-bounce rule and the SNS endpoint settings on', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        SES_EVENTS_QUEUE: 'ases-events',
        SUPPRESS_AFTER_TRANSIENT_BOUNCES: '3',
        SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS: '2',
        SNS_TOPIC_ARNS: arn,
        SNS_CONFIRM_SUBSCRIPTIONS: 'false',
      }),
    );
    expect(options.queues?.events).toBe('ases-events');
    expect(options.suppressAfterTransientBounces).toEqual({ count: 3, withinDays: 2 });
    expect(options.sns).toEqual({ topicArns: [arn], confirmSubscriptions: false });
  });

  it('passes one Redis server, or a cluster, and the status detail on', () => {
    expect(asesOptionsFromEnvironment(validateEnvironment({}))).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379', cluster: undefined, keyPrefix: 'ases:' },
      statusDetail: 'full',
    });
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
        REDIS_KEY_PREFIX: 'mail:',
        STATUS_DETAIL: 'lean',
      }),
    );
    expect(options.redis).toEqual({
      url: undefined,
      cluster: {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
      },
      keyPrefix: 'mail:',
    });
    expect(options.statusDetail).toBe('lean');
  });

  it('passes LOCAL_STACK on as development, and the SQS and SES endpoints', () => {
    const local = asesOptionsFromEnvironment(
      validateEnvironment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }),
    );
    expect(local).toMatchObject({
      development: true,
      endpoints: { sqs: 'http://127.0.0.1:4566', ses: 'http://127.0.0.1:4566', s3: undefined },
    });
    // The local defaults pass the module's own checks only in development.
    expect(resolveAsesOptions(local).apiKeys).toEqual(['local-dev-key']);
    expect(() => resolveAsesOptions({ ...local, development: false })).toThrow(
      'apiKeys (API_KEYS) must be a list of keys of at least 16 characters',
    );
  });

  it('passes the stale thresholds on', () => {
    // Unset: the module's own defaults.
    const defaults = asesOptionsFromEnvironment(validateEnvironment({}));
    expect(defaults.staleAfterHours).toBeUndefined();
    expect(defaults.staleQueuedMinutes).toBeUndefined();
    expect(
      asesOptionsFromEnvironment(
        validateEnvironment({ STALE_AFTER_HOURS: '6.5', STALE_QUEUED_MINUTES: '0' }),
      ),
    ).toMatchObject({ staleAfterHours: 6.5, staleQueuedMinutes: 0 });
  });

  it('passes the tracking choices on', () => {
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        TRACKING_BASE_URL: 'https://t.example.com',
        TRACK_OPENS: 'false',
        TRACKING_STORE_CLIENT: 'true',
        TRACKING_SCANNER_WINDOW_SECONDS: '30',
      }),
    );
    expect(options.tracking).toEqual({
      baseUrl: 'https://t.example.com',
      secret: 'local-tracking-secret',
      opens: false,
      clicks: true,
      storeClient: true,
      scannerWindowSeconds: 30,
    });
  });

  it('passes the claim-check bucket, the S3 endpoint and the unsubscribe defaults on', () => {
    const local = asesOptionsFromEnvironment(validateEnvironment({}));
    expect(local).toMatchObject({
      s3Bucket: 'ases-local',
      endpoints: { s3: undefined },
      unsubscribe: { mailto: undefined, categories: ['marketing'] },
    });
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        S3_BUCKET: 'mail-jobs',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566',
        UNSUBSCRIBE_MAILTO: 'unsubscribe@example.com',
        UNSUBSCRIBE_CATEGORIES: 'news,offers',
      }),
    );
    expect(options).toMatchObject({
      s3Bucket: 'mail-jobs',
      endpoints: { s3: 'http://127.0.0.1:4566' },
      unsubscribe: { mailto: 'unsubscribe@example.com', categories: ['news', 'offers'] },
    });
    expect(resolveAsesOptions(options)).toMatchObject({
      s3Bucket: 'mail-jobs',
      endpoints: { s3: 'http://127.0.0.1:4566' },
      unsubscribe: { mailto: 'unsubscribe@example.com', categories: ['news', 'offers'] },
    });
  });

  it('passes the metrics port on; /metrics stays on the API port without it', () => {
    expect(asesOptionsFromEnvironment(validateEnvironment({})).metrics).toEqual({
      port: undefined,
    });
    const options = asesOptionsFromEnvironment(validateEnvironment({ METRICS_PORT: '9464' }));
    expect(resolveAsesOptions(options).metrics).toEqual({
      port: 9464,
      apiRoute: false,
      processMetrics: true,
    });
  });

  it('passes LOG_RECIPIENTS on as logRecipients', () => {
    expect(asesOptionsFromEnvironment(validateEnvironment({})).logRecipients).toBe(false);
    const options = asesOptionsFromEnvironment(validateEnvironment({ LOG_RECIPIENTS: 'true' }));
    expect(resolveAsesOptions(options).logRecipients).toBe(true);
  });

  it('passes the GUARD_* variables on, the option defaults filling the unset ones', () => {
    expect(resolveAsesOptions(asesOptionsFromEnvironment(validateEnvironment({}))).guard).toEqual(
      expect.objectContaining({ enabled: true, minVolume: 500, bounceRate: 0.04 }),
    );
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        GUARD_MIN_VOLUME: '50',
        GUARD_WARNING_BOUNCE_RATE: '3%',
        GUARD_BOUNCE_RATE: '0.05',
        GUARD_COMPLAINT_RATE: '0.09%',
      }),
    );
    expect(resolveAsesOptions(options).guard).toMatchObject({
      minVolume: 50,
      warningBounceRate: 0.03,
      bounceRate: 0.05,
      warningComplaintRate: 0.0005,
      complaintRate: 0.0009,
    });
  });

  it('leaves the bucket unset outside the local stack: large mail is refused', () => {
    const options = asesOptionsFromEnvironment(
      validateEnvironment({
        LOCAL_STACK: 'false',
        API_KEYS: 'key-0123456789abcdef',
        TRACKING_SECRET: 'secret-0123456789abcdef0123456789',
        UNSUBSCRIBE_CATEGORIES: 'none',
      }),
    );
    expect(options.s3Bucket).toBeUndefined();
    expect(resolveAsesOptions(options)).not.toHaveProperty('s3Bucket');
    expect(resolveAsesOptions(options).unsubscribe).toEqual({ categories: [] });
  });
});
