import { resolveAsesOptions } from './resolve-options';

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
      region: undefined,
      endpoints: {},
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
      shutdownTimeoutMs: 15_000,
      pollWaitSeconds: 5,
      sns: { topicArns: [], confirmSubscriptions: true },
    });
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
});
