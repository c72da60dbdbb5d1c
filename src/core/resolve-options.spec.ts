import { resolveAsesOptions, s3BucketNameProblem } from './resolve-options';

const KEY = 'key-0123456789abcdef';
const SECRET = 'secret-0123456789abcdef0123456789';
const minimal = {
  apiKeys: [KEY],
  tracking: { baseUrl: 'https://mail.example.com/', secret: SECRET },
};

describe('resolveAsesOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveAsesOptions(minimal);
    expect(resolved).toEqual({
      development: false,
      apiKeys: [KEY],
      tracking: {
        baseUrl: 'https://mail.example.com',
        secret: SECRET,
        opens: true,
        clicks: true,
        storeClient: false,
        scannerWindowMs: 10_000,
      },
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'ases:' },
      statusDetail: 'full',
      region: undefined,
      endpoints: {},
      unsubscribe: { categories: ['marketing'] },
      webhooks: {
        retrySchedule: [5, 30, 120, 600, 1800, 3600, 7200, 14400],
        retryWindowMs: 86_400_000,
        allowPrivate: false,
        concurrency: 32,
        timeoutMs: 10_000,
      },
      queues: {
        sendmail: 'ases-sendmail',
        bounces: 'ases-bounces',
        complaints: 'ases-complaints',
        deliveries: 'ases-deliveries',
      },
      sendRate: 100,
      sendPollers: 5,
      quotaRefreshSeconds: 300,
      maxSendAttempts: 5,
      maxFeedbackAttempts: 5,
      statusTtlSeconds: 14 * 86_400,
      staleAfterMs: 24 * 3_600_000,
      staleQueuedMs: 60 * 60_000,
      shutdownTimeoutMs: 15_000,
      pollWaitSeconds: 5,
      sns: { topicArns: [], confirmSubscriptions: true },
      metrics: { apiRoute: true, processMetrics: true },
      logRecipients: false,
      guard: {
        enabled: true,
        minVolume: 500,
        warningBounceRate: 0.025,
        warningComplaintRate: 0.0005,
        bounceRate: 0.04,
        complaintRate: 0.0008,
        checkIntervalMs: 5000,
        holdSeconds: 300,
      },
    });
  });

  describe('secret strength', () => {
    it('wants API keys of 16 characters and a tracking secret of 32, naming both', () => {
      expect(() =>
        resolveAsesOptions({
          apiKeys: [KEY, 'k'.repeat(15)],
          tracking: { baseUrl: 'https://mail.example.com', secret: 's'.repeat(31) },
        }),
      ).toThrow(
        'Invalid AsesModule options: apiKeys (API_KEYS) must be a list of keys of at least 16 ' +
          'characters each (shorter only with development: true); got 2 keys of 20, 15 ' +
          'characters (not shown); tracking.secret (TRACKING_SECRET) must be at least 32 ' +
          'characters (shorter only with development: true); got a secret of 31 characters (not shown)',
      );
    });

    it('allows short ones with development: true', () => {
      const resolved = resolveAsesOptions({
        development: true,
        apiKeys: ['key'],
        tracking: { baseUrl: 'http://localhost:3000', secret: 's3cret' },
      });
      expect(resolved).toMatchObject({
        development: true,
        apiKeys: ['key'],
        tracking: { secret: 's3cret' },
      });
    });

    it('never shows a key or a secret', () => {
      let message = '';
      try {
        resolveAsesOptions({
          apiKeys: ['hunter2'],
          tracking: { baseUrl: 'https://mail.example.com', secret: 'hunter3' },
        });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('apiKeys');
      expect(message).not.toMatch(/hunter/);
    });
  });

  describe('bounds shared with the environment', () => {
    it.each([
      ['quotaRefreshSeconds', { quotaRefreshSeconds: 0 }, 'from 1 to 86400'],
      ['statusTtlDays', { statusTtlDays: 366 }, 'at most 365'],
      ['sendRate', { sendRate: 100_001 }, 'at most 100000'],
      [
        'suppressAfterTransientBounces.withinDays',
        { suppressAfterTransientBounces: { count: 2, withinDays: 400 } },
        'at most 365',
      ],
      [
        'webhooks.retryWindowSeconds',
        { webhooks: { retryWindowSeconds: 30 * 86_400 + 1 } },
        'from 1 to 2592000',
      ],
      ['region', { region: 'mars' }, 'an AWS region such as us-east-1'],
      ['sns.topicArns', { sns: { topicArns: ['arn:nope'] } }, 'SNS topic ARNs such as'],
      ['sns.confirmSubscriptions', { sns: { confirmSubscriptions: 'no' } }, 'a boolean'],
      ['queues.bounces', { queues: { bounces: 'bounces.fifo' } }, 'FIFO queues'],
      ['redis.keyPrefix', { redis: { keyPrefix: 'my app:' } }, 'without whitespace'],
      [
        'tracking.baseUrl',
        { tracking: { ...minimal.tracking, baseUrl: 'https://x.example/?a=1' } },
        'without query or fragment',
      ],
    ])('refuses %s out of the shared bounds', (path, options, wanted) => {
      expect(() => resolveAsesOptions({ ...minimal, ...(options as object) })).toThrow(
        new RegExp(
          `${path.replace(/\./g, '\\.')} \\([A-Z_0-9]+\\) must be .*${wanted.replace(/[()]/g, '.')}`,
        ),
      );
    });

    it('wants withinDays with the soft-bounce count', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          suppressAfterTransientBounces: { count: 3 } as { count: number; withinDays: number },
        }),
      ).toThrow(
        'suppressAfterTransientBounces.withinDays (SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS) is ' +
          'required with suppressAfterTransientBounces.count',
      );
    });
  });

  describe('AWS access', () => {
    it('keeps static credentials and every endpoint', () => {
      const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
      const endpoints = {
        sqs: 'http://127.0.0.1:4566',
        ses: 'http://127.0.0.1:8005',
        s3: 'http://127.0.0.1:4566',
      };
      const resolved = resolveAsesOptions({
        ...minimal,
        region: 'us-east-1',
        credentials,
        endpoints,
      });
      expect(resolved).toMatchObject({ region: 'us-east-1', credentials, endpoints });
      expect(resolveAsesOptions(minimal)).not.toHaveProperty('credentials');
    });

    it('refuses incomplete credentials without showing them', () => {
      let message = '';
      try {
        resolveAsesOptions({
          ...minimal,
          credentials: { accessKeyId: 'AKIASECRET', secretAccessKey: '' },
        });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(
        'credentials must be { accessKeyId, secretAccessKey, sessionToken? }',
      );
      expect(message).not.toContain('AKIASECRET');
    });

    it('refuses an SQS endpoint that is not an http(s) URL', () => {
      expect(() =>
        resolveAsesOptions({ ...minimal, endpoints: { sqs: 'localhost:4566' } }),
      ).toThrow(
        'endpoints.sqs (AWS_ENDPOINT_URL_SQS) must be an http:// or https:// SQS endpoint URL',
      );
    });
  });

  it('takes the guard options, and refuses a warning rate that is not below its guard rate', () => {
    expect(resolveAsesOptions({ ...minimal, guard: { minVolume: 20 } }).guard.minVolume).toBe(20);
    expect(() => resolveAsesOptions({ ...minimal, guard: { warningBounceRate: 0.05 } })).toThrow(
      'guard.warningBounceRate (GUARD_WARNING_BOUNCE_RATE) must be a rate below guard.bounceRate ' +
        '(default 0.04): the warning comes before the pause; got 0.05',
    );
    // A default warning rate above a given guard rate is named too.
    expect(() => resolveAsesOptions({ ...minimal, guard: { bounceRate: 0.02 } })).toThrow(
      'guard.warningBounceRate (GUARD_WARNING_BOUNCE_RATE) must be a rate below guard.bounceRate ' +
        '(0.02): the warning comes before the pause; got 0.025 (its default)',
    );
    expect(() => resolveAsesOptions({ ...minimal, guard: { complaintRate: 4 } })).toThrow(
      'guard.complaintRate (GUARD_COMPLAINT_RATE) must be a rate as a fraction such as 0.0008 ' +
        'or a percentage such as 0.08%, above 0 and below 1 (default 0.0008); got 4',
    );
    expect(() => resolveAsesOptions({ ...minimal, guard: { minVolume: 0 } })).toThrow(
      'guard.minVolume (GUARD_MIN_VOLUME)',
    );
  });

  it('takes logRecipients, and names one that is not a boolean', () => {
    expect(resolveAsesOptions({ ...minimal, logRecipients: true }).logRecipients).toBe(true);
    expect(() =>
      resolveAsesOptions({ ...minimal, logRecipients: 'yes' as unknown as boolean }),
    ).toThrow('logRecipients (LOG_RECIPIENTS) must be a boolean; got "yes"');
  });

  it('sizes the sendmail pollers to the rate unless told', () => {
    expect(resolveAsesOptions({ ...minimal, sendRate: 1 }).sendPollers).toBe(2);
    expect(resolveAsesOptions({ ...minimal, sendRate: 500 }).sendPollers).toBe(25);
    expect(resolveAsesOptions({ ...minimal, sendRate: 5000 }).sendPollers).toBe(50);
    expect(resolveAsesOptions({ ...minimal, sendRate: 'auto' }).sendPollers).toBe(25);
    expect(resolveAsesOptions({ ...minimal, sendRate: 500, sendPollers: 3 }).sendPollers).toBe(3);
    expect(resolveAsesOptions({ ...minimal, sendPollers: 0 }).sendPollers).toBe(0);
    expect(() => resolveAsesOptions({ ...minimal, sendPollers: 101 })).toThrow(
      'sendPollers (SEND_POLLERS) must be an integer from 0 (this instance does not send) to 100 ' +
        '(default: from sendRate); got 101',
    );
  });

  it('takes the tracking choices, and names a bad one', () => {
    const tracking = {
      ...minimal.tracking,
      opens: false,
      clicks: false,
      storeClient: true,
      scannerWindowSeconds: 0,
    };
    expect(resolveAsesOptions({ ...minimal, tracking }).tracking).toEqual({
      baseUrl: 'https://mail.example.com',
      secret: SECRET,
      opens: false,
      clicks: false,
      storeClient: true,
      scannerWindowMs: 0,
    });
    const bad = { ...tracking, clicks: 'yes' as unknown as boolean, scannerWindowSeconds: 3601 };
    expect(() => resolveAsesOptions({ ...minimal, tracking: bad })).toThrow(
      'tracking.clicks (TRACK_CLICKS) must be a boolean; got "yes"; ' +
        'tracking.scannerWindowSeconds (TRACKING_SCANNER_WINDOW_SECONDS) must be a number of ' +
        'seconds from 0 (rule off) to 3600 (default 10); got 3601',
    );
  });

  it('keeps given queue names and fills the others', () => {
    const resolved = resolveAsesOptions({ ...minimal, queues: { bounces: 'my-bounces' } });
    expect(resolved.queues.bounces).toBe('my-bounces');
    expect(resolved.queues.sendmail).toBe('ases-sendmail');
  });

  it('names every bad option in one error', () => {
    expect(() =>
      resolveAsesOptions({
        apiKeys: [],
        tracking: { baseUrl: 'mail.example.com', secret: '' },
        sendRate: 0,
        statusTtlDays: -1,
        pollWaitSeconds: 21,
        redis: { url: 'http://localhost' },
      }),
    ).toThrow(
      'Invalid AsesModule options: ' +
        'apiKeys (API_KEYS) must be a non-empty list of non-empty bearer keys; got no keys; ' +
        'tracking.baseUrl (TRACKING_BASE_URL) must be an absolute http:// or https:// URL without ' +
        'query or fragment; got "mail.example.com"; ' +
        'tracking.secret (TRACKING_SECRET) must be a string; got a secret of 0 characters (not shown); ' +
        'redis.url (REDIS_URL) must be a redis:// or rediss:// URL with a host (default ' +
        'redis://127.0.0.1:6379 unless REDIS_CLUSTER_NODES is set); got "http://localhost"; ' +
        'sendRate (SEND_RATE) must be a number of mails per second greater than 0 and at most ' +
        '100000, or "auto" (default 100); got 0; ' +
        'statusTtlDays (STATUS_TTL_DAYS) must be a number of days greater than 0 and at most 365, ' +
        'decimals allowed (default 14); got -1; ' +
        'pollWaitSeconds must be an integer number of seconds from 0 to 20 (default 5); got 21',
    );
  });

  it('takes the stale thresholds, 0 turning a check off', () => {
    expect(
      resolveAsesOptions({ ...minimal, staleAfterHours: 0.5, staleQueuedMinutes: 0 }),
    ).toMatchObject({ staleAfterMs: 1_800_000, staleQueuedMs: 0 });
  });

  it('refuses stale thresholds the records would not live to see', () => {
    expect(() =>
      resolveAsesOptions({
        ...minimal,
        statusTtlDays: 1,
        staleAfterHours: 24,
        staleQueuedMinutes: 1.5,
      }),
    ).toThrow(
      'Invalid AsesModule options: staleAfterHours (STALE_AFTER_HOURS) must be a number of hours ' +
        'from 0 (off) to less than statusTtlDays × 24, decimals allowed (default 24); got 24; ' +
        'staleQueuedMinutes (STALE_QUEUED_MINUTES) must be an integer number of minutes from 0 ' +
        '(off) to 10080, less than statusTtlDays (default 60); got 1.5',
    );
    expect(() => resolveAsesOptions({ ...minimal, staleAfterHours: -1 })).toThrow(
      'staleAfterHours (STALE_AFTER_HOURS) must be',
    );
    // Not given: a check the retention is too short for is off.
    expect(resolveAsesOptions({ ...minimal, statusTtlDays: 0.5 })).toMatchObject({
      staleAfterMs: 0,
      staleQueuedMs: 3_600_000,
    });
    expect(resolveAsesOptions({ ...minimal, statusTtlDays: 0.01 })).toMatchObject({
      staleAfterMs: 0,
      staleQueuedMs: 0,
    });
  });

  it('turns fractional retention days into whole seconds', () => {
    expect(resolveAsesOptions({ ...minimal, statusTtlDays: 0.5 }).statusTtlSeconds).toBe(43_200);
  });

  it('keeps the optional events queue, the soft-bounce rule and the SNS endpoint settings', () => {
    const resolved = resolveAsesOptions({
      ...minimal,
      queues: { events: 'ses-events' },
      suppressAfterTransientBounces: { count: 3, withinDays: 0.5 },
      sns: { topicArns: ['arn:aws:sns:us-east-1:123456789012:t'], confirmSubscriptions: false },
    });
    expect(resolved.queues.events).toBe('ses-events');
    expect(resolved.suppressAfterTransientBounces).toEqual({ count: 3, withinSeconds: 43_200 });
    expect(resolved.sns).toEqual({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:t'],
      confirmSubscriptions: false,
    });
    expect(resolveAsesOptions(minimal).queues).not.toHaveProperty('events');
  });

  it('names a bad soft-bounce rule and bad topic ARNs', () => {
    expect(() =>
      resolveAsesOptions({
        ...minimal,
        suppressAfterTransientBounces: { count: 0, withinDays: 1 },
        sns: { topicArns: ['topic'] },
      }),
    ).toThrow(
      'Invalid AsesModule options: suppressAfterTransientBounces.count ' +
        '(SUPPRESS_AFTER_TRANSIENT_BOUNCES) must be an integer from 1 to 1000 (optional; unset: ' +
        'soft bounces never suppress); got 0; sns.topicArns (SNS_TOPIC_ARNS) must be a list of SNS ' +
        'topic ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback (default none); ' +
        'got ["topic"]',
    );
  });

  describe('redis', () => {
    it('takes a cluster instead of one server, nodes as host:port or { host, port }', () => {
      const resolved = resolveAsesOptions({
        ...minimal,
        redis: {
          cluster: { nodes: ['10.0.0.1:7000', { host: 'redis-b', port: 7001 }, '[::1]:7002'] },
          keyPrefix: 'mail:',
        },
      });
      expect(resolved.redis).toEqual({
        cluster: {
          nodes: [
            { host: '10.0.0.1', port: 7000 },
            { host: 'redis-b', port: 7001 },
            { host: '::1', port: 7002 },
          ],
        },
        keyPrefix: 'mail:',
      });
    });

    it('refuses a url and cluster nodes together, naming both', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          redis: { url: 'redis://cache:6379', cluster: { nodes: ['a:7000'] } },
        }),
      ).toThrow(
        'Invalid AsesModule options: redis.cluster.nodes (REDIS_CLUSTER_NODES) must be given ' +
          'without redis.url: redis.url is one Redis server, redis.cluster.nodes a Redis Cluster; ' +
          'set only one of them; got ["a:7000"]',
      );
    });

    it('names each bad cluster node and an empty list', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          redis: { cluster: { nodes: ['a:7000', 'b', { host: 'c', port: 70000 }] } },
        }),
      ).toThrow(
        'redis.cluster.nodes (REDIS_CLUSTER_NODES) must be a non-empty list of Redis Cluster ' +
          'nodes as host:port with a port from 1 to 65535, e.g. 10.0.0.1:7000,10.0.0.2:7000 ' +
          '(IPv6 as [::1]:7000) or { host, port }; not "b", {"host":"c","port":70000}',
      );
      expect(() => resolveAsesOptions({ ...minimal, redis: { cluster: { nodes: [] } } })).toThrow(
        'redis.cluster.nodes (REDIS_CLUSTER_NODES) must be a non-empty list of Redis Cluster nodes',
      );
    });

    it('refuses a key prefix with a brace: keys carry Redis Cluster hash tags', () => {
      for (const keyPrefix of ['{ases}:', 'a}', '']) {
        expect(() => resolveAsesOptions({ ...minimal, redis: { keyPrefix } })).toThrow(
          'redis.keyPrefix (REDIS_KEY_PREFIX) must be 1 to 64 characters without whitespace, "{" or "}"',
        );
      }
    });
  });

  it('takes statusDetail full or lean, and names anything else', () => {
    expect(resolveAsesOptions({ ...minimal, statusDetail: 'lean' }).statusDetail).toBe('lean');
    expect(() =>
      resolveAsesOptions({ ...minimal, statusDetail: 'some' as unknown as 'full' }),
    ).toThrow('statusDetail (STATUS_DETAIL) must be one of full, lean (default full); got "some"');
  });

  describe('the claim-check bucket and the S3 endpoint', () => {
    it('has no bucket by default, and keeps a given one with its endpoint', () => {
      expect(resolveAsesOptions(minimal)).not.toHaveProperty('s3Bucket');
      const resolved = resolveAsesOptions({
        ...minimal,
        s3Bucket: 'ases-jobs.example-1',
        endpoints: { s3: 'http://127.0.0.1:4566' },
      });
      expect(resolved.s3Bucket).toBe('ases-jobs.example-1');
      expect(resolved.endpoints).toEqual({ s3: 'http://127.0.0.1:4566' });
    });

    it.each([
      ['ab', 'it has 2 characters'],
      ['a'.repeat(64), 'it has 64 characters'],
      ['Ases-Jobs', '"A" is not a lowercase letter, digit, dot or hyphen'],
      ['ases_jobs', '"_" is not a lowercase letter, digit, dot or hyphen'],
      ['-ases', 'it must start and end with a letter or digit'],
      ['ases.', 'it must start and end with a letter or digit'],
      ['ases..jobs', 'it has two adjacent dots'],
      ['192.168.5.4', 'it is formatted as an IP address'],
      ['xn--ases', 'the prefix "xn--" is reserved'],
      ['ases-s3alias', 'the suffix "-s3alias" is reserved'],
    ])('refuses the bucket %j, naming S3_BUCKET and why', (bucket, why) => {
      expect(s3BucketNameProblem(bucket)).toBe(why);
      expect(() => resolveAsesOptions({ ...minimal, s3Bucket: bucket })).toThrow(
        `s3Bucket (S3_BUCKET) must be an S3 bucket name: 3 to 63 lowercase letters, digits, ` +
          `dots and hyphens, starting and ending with a letter or digit, but ${why} (optional); ` +
          `got ${JSON.stringify(bucket)}`,
      );
    });

    it.each(['abc', 'a'.repeat(63), 'ases-local', 'mail.example.com', '1-2.3'])(
      'accepts the bucket %j',
      (bucket) => {
        expect(s3BucketNameProblem(bucket)).toBeNull();
        expect(resolveAsesOptions({ ...minimal, s3Bucket: bucket }).s3Bucket).toBe(bucket);
      },
    );

    it('refuses an S3 endpoint that is not an http(s) URL', () => {
      expect(() => resolveAsesOptions({ ...minimal, endpoints: { s3: 'localhost:4566' } })).toThrow(
        'endpoints.s3 (AWS_ENDPOINT_URL_S3) must be an http:// or https:// S3 endpoint URL ' +
          'without query or fragment (optional); got "localhost:4566"',
      );
    });
  });

  describe('metrics', () => {
    it('takes a port of its own, which turns the API route off unless told, and the process metrics switch', () => {
      expect(
        resolveAsesOptions({ ...minimal, metrics: { port: 9464, processMetrics: false } }).metrics,
      ).toEqual({ port: 9464, apiRoute: false, processMetrics: false });
      expect(
        resolveAsesOptions({ ...minimal, metrics: { port: 9464, apiRoute: true } }).metrics,
      ).toEqual({ port: 9464, apiRoute: true, processMetrics: true });
      expect(resolveAsesOptions({ ...minimal, metrics: { apiRoute: false } }).metrics).toEqual({
        apiRoute: false,
        processMetrics: true,
      });
      expect(resolveAsesOptions({ ...minimal, metrics: {} }).metrics).toEqual({
        apiRoute: true,
        processMetrics: true,
      });
    });

    it.each([0, 65536, 80.5, '9464'])('refuses the port %j, naming METRICS_PORT', (port) => {
      expect(() => resolveAsesOptions({ ...minimal, metrics: { port: port as number } })).toThrow(
        'metrics.port (METRICS_PORT) must be an integer port from 1 to 65535 (optional; unset: ' +
          `/metrics is served on PORT, with the API key); got ${JSON.stringify(port)}`,
      );
    });

    it('refuses a processMetrics that is not a boolean', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          metrics: { processMetrics: 'no' as unknown as boolean },
        }),
      ).toThrow('metrics.processMetrics must be a boolean');
      expect(() =>
        resolveAsesOptions({ ...minimal, metrics: { apiRoute: 1 as unknown as boolean } }),
      ).toThrow('metrics.apiRoute must be a boolean');
    });
  });

  describe('unsubscribe', () => {
    it('takes a mailto address and the categories, without duplicates', () => {
      expect(
        resolveAsesOptions({
          ...minimal,
          unsubscribe: {
            mailto: 'unsubscribe@example.com',
            categories: ['news', 'product.updates', 'news', 'x_1-2'],
          },
        }).unsubscribe,
      ).toEqual({
        mailto: 'unsubscribe@example.com',
        categories: ['news', 'product.updates', 'x_1-2'],
      });
    });

    it('may have no default categories at all', () => {
      expect(
        resolveAsesOptions({ ...minimal, unsubscribe: { categories: [] } }).unsubscribe,
      ).toEqual({ categories: [] });
    });

    it.each(['Unsubscribe <u@example.com>', 'u@example.com, v@example.com', 'nobody', ''])(
      'refuses the mailto %j, naming UNSUBSCRIBE_MAILTO',
      (mailto) => {
        expect(() => resolveAsesOptions({ ...minimal, unsubscribe: { mailto } })).toThrow(
          'unsubscribe.mailto (UNSUBSCRIBE_MAILTO) must be one bare email address such as ' +
            `unsubscribe@example.com (optional; default none); got ${JSON.stringify(mailto)}`,
        );
      },
    );

    it('names each bad category', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          unsubscribe: { categories: ['news', 'Promo', '', 'a'.repeat(65), 'a b'] },
        }),
      ).toThrow(
        'unsubscribe.categories (UNSUBSCRIBE_CATEGORIES) must be a list of category names, each ' +
          `1 to 64 of a-z 0-9 _ . - (default marketing); not "Promo", "", "${'a'.repeat(65)}", "a b"`,
      );
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          unsubscribe: { categories: 'marketing' as unknown as string[] },
        }),
      ).toThrow('unsubscribe.categories (UNSUBSCRIBE_CATEGORIES) must be a list');
    });
  });

  it('checks the webhook options, naming each problem and its variable', () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(
      resolveAsesOptions({
        ...minimal,
        webhooks: { endpoint: { url: 'https://h.example/x', secret, events: ['message.bounced'] } },
      }).webhooks.endpoint,
    ).toEqual({ url: 'https://h.example/x', secret, events: ['message.bounced'] });
    const problems = (webhooks: object) => {
      try {
        resolveAsesOptions({ ...minimal, webhooks });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };
    expect(problems({ endpoint: { url: 'ftp://x', secret } })).toContain(
      'webhooks.endpoint.url (WEBHOOK_URL)',
    );
    expect(problems({ endpoint: { url: 'https://h.example/x', secret: 'x' } })).toContain(
      'webhooks.endpoint.secret (WEBHOOK_SECRET)',
    );
    expect(problems({ endpoint: { url: 'https://h.example/x' } })).toContain(
      'is required with webhooks.endpoint.url',
    );
    expect(
      problems({ endpoint: { url: 'https://h.example/x', secret, events: ['nope'] } }),
    ).toContain('webhooks.endpoint.events (WEBHOOK_EVENTS)');
    expect(problems({ retrySchedule: [] })).toContain('webhooks.retrySchedule');
    expect(problems({ retrySchedule: [0.5] })).toContain('webhooks.retrySchedule');
    expect(problems({ retryWindowSeconds: 0 })).toContain('webhooks.retryWindowSeconds');
    expect(problems({ concurrency: 1.5 })).toContain('webhooks.concurrency');
    expect(problems({ timeoutMs: 100 })).toContain('webhooks.timeoutMs');
    expect(problems({ allowPrivate: 'yes' })).toContain('webhooks.allowPrivate');
  });
});
