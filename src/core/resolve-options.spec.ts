import { resolveAsesOptions, s3BucketNameProblem } from './resolve-options';

const minimal = {
  apiKeys: ['key'],
  tracking: { baseUrl: 'https://mail.example.com/', secret: 's3cret' },
};

describe('resolveAsesOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveAsesOptions(minimal);
    expect(resolved).toEqual({
      apiKeys: ['key'],
      tracking: {
        baseUrl: 'https://mail.example.com',
        secret: 's3cret',
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

  it('takes the guard options, and refuses a warning rate that is not below its guard rate', () => {
    expect(resolveAsesOptions({ ...minimal, guard: { minVolume: 20 } }).guard.minVolume).toBe(20);
    expect(() => resolveAsesOptions({ ...minimal, guard: { warningBounceRate: 0.05 } })).toThrow(
      'guard.warningBounceRate (GUARD_WARNING_BOUNCE_RATE, 0.05) must be below guard.bounceRate (GUARD_BOUNCE_RATE, 0.04)',
    );
    expect(() => resolveAsesOptions({ ...minimal, guard: { complaintRate: 4 } })).toThrow(
      'guard.complaintRate (GUARD_COMPLAINT_RATE) must be a rate above 0 and below 1',
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
      'sendPollers must be an integer from 0 to 100',
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
      secret: 's3cret',
      opens: false,
      clicks: false,
      storeClient: true,
      scannerWindowMs: 0,
    });
    const bad = { ...tracking, clicks: 'yes' as unknown as boolean, scannerWindowSeconds: 3601 };
    expect(() => resolveAsesOptions({ ...minimal, tracking: bad })).toThrow(
      'tracking.clicks must be a boolean; tracking.scannerWindowSeconds must be an integer from 0 to 3600',
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
      'Invalid AsesModule options: apiKeys must be a non-empty array of non-empty strings; ' +
        'tracking.baseUrl must be an absolute http(s) URL; tracking.secret must be a non-empty string; ' +
        "sendRate must be a number of mails per second greater than 0, or 'auto'; " +
        'statusTtlDays must be a number of days greater than 0; ' +
        'pollWaitSeconds must be an integer from 0 to 20; ' +
        'redis.url must be a redis:// or rediss:// URL',
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
      'Invalid AsesModule options: staleAfterHours must be a number of hours from 0 (off) to less ' +
        'than statusTtlDays × 24; staleQueuedMinutes must be an integer from 0 (off) to 10080, ' +
        'less than statusTtlDays in minutes',
    );
    expect(() => resolveAsesOptions({ ...minimal, staleAfterHours: -1 })).toThrow(
      'staleAfterHours must be',
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
      'Invalid AsesModule options: suppressAfterTransientBounces must be { count: 1..1000, ' +
        'withinDays: > 0 }; sns.topicArns must be a list of SNS topic ARNs',
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
        'Invalid AsesModule options: redis.url and redis.cluster.nodes are both set: give ' +
          'redis.url for one server or redis.cluster.nodes for a Redis Cluster, not both',
      );
    });

    it('names each bad cluster node and an empty list', () => {
      expect(() =>
        resolveAsesOptions({
          ...minimal,
          redis: { cluster: { nodes: ['a:7000', 'b', { host: 'c', port: 70000 }] } },
        }),
      ).toThrow(
        'redis.cluster.nodes[1] must be "host:port" or { host, port } with a port from 1 to ' +
          '65535, got "b"; redis.cluster.nodes[2] must be "host:port" or { host, port } with a ' +
          'port from 1 to 65535, got {"host":"c","port":70000}',
      );
      expect(() => resolveAsesOptions({ ...minimal, redis: { cluster: { nodes: [] } } })).toThrow(
        'redis.cluster.nodes must be a non-empty array of "host:port" or { host, port }',
      );
    });

    it('refuses a key prefix with a brace: keys carry Redis Cluster hash tags', () => {
      for (const keyPrefix of ['{ases}:', 'a}', '']) {
        expect(() => resolveAsesOptions({ ...minimal, redis: { keyPrefix } })).toThrow(
          'redis.keyPrefix must be a non-empty string without "{" or "}"',
        );
      }
    });
  });

  it('takes statusDetail full or lean, and names anything else', () => {
    expect(resolveAsesOptions({ ...minimal, statusDetail: 'lean' }).statusDetail).toBe('lean');
    expect(() =>
      resolveAsesOptions({ ...minimal, statusDetail: 'some' as unknown as 'full' }),
    ).toThrow("statusDetail must be 'full' or 'lean'");
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
          `dots and hyphens, starting and ending with a letter or digit; got ` +
          `${JSON.stringify(bucket)}: ${why}`,
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
        'endpoints.s3 must be an http(s) URL',
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
        'metrics.port (METRICS_PORT) must be an integer port from 1 to 65535; ' +
          `got ${JSON.stringify(port)}`,
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
            `unsubscribe@example.com; got ${JSON.stringify(mailto)}`,
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
          `1 to 64 of a-z 0-9 _ . -; not "Promo", "", "${'a'.repeat(65)}", "a b"`,
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
