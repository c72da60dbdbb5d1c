import { Environment, EnvironmentError, validateEnvironment } from './environment';

const PRODUCTION = {
  LOCAL_STACK: 'false',
  API_KEYS: 'key-0123456789abcdef',
  TRACKING_SECRET: 'secret-0123456789abcdef0123456789',
};

function problemsOf(raw: Record<string, unknown>): EnvironmentError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof EnvironmentError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected validateEnvironment(${JSON.stringify(raw)}) to throw`);
}

function problemFor(raw: Record<string, unknown>, variable: string): string {
  const found = problemsOf(raw).problems.filter((problem) => problem.variable === variable);
  expect(found).toHaveLength(1);
  return found[0].problem;
}

function accepts<K extends keyof Environment>(
  variable: K,
  given: string,
  expected: Environment[K],
): void {
  expect(validateEnvironment({ [variable]: given })[variable]).toEqual(expected);
}

function rejects(variable: string, given: string): string {
  return problemFor({ [variable]: given }, variable);
}

describe('validateEnvironment', () => {
  it('applies every default in local mode', () => {
    expect(validateEnvironment({})).toEqual({
      NODE_ENV: undefined,
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'info',
      LOG_RECIPIENTS: false,
      PORT: 3000,
      METRICS_PORT: undefined,
      API_KEYS: ['local-dev-key'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: undefined,
      REDIS_KEY_PREFIX: 'ases:',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: undefined,
      S3_BUCKET: 'ases-local',
      SES_SENDMAIL_QUEUE: 'ases-sendmail',
      SES_BOUNCES_QUEUE: 'ases-bounces',
      SES_COMPLAINTS_QUEUE: 'ases-complaints',
      SES_DELIVERIES_QUEUE: 'ases-deliveries',
      SES_EVENTS_QUEUE: undefined,
      SEND_RATE: 100,
      SEND_POLLERS: undefined,
      SEND_QUOTA_REFRESH_SECONDS: 300,
      MAX_SEND_ATTEMPTS: 5,
      STATUS_TTL_DAYS: 14,
      STATUS_DETAIL: 'full',
      STALE_AFTER_HOURS: undefined,
      STALE_QUEUED_MINUTES: undefined,
      SUPPRESS_AFTER_TRANSIENT_BOUNCES: undefined,
      SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS: 7,
      SNS_TOPIC_ARNS: [],
      SNS_CONFIRM_SUBSCRIPTIONS: true,
      TRACKING_BASE_URL: 'http://localhost:3000',
      TRACKING_SECRET: 'local-tracking-secret',
      TRACK_OPENS: true,
      TRACK_CLICKS: true,
      TRACKING_STORE_CLIENT: false,
      TRACKING_SCANNER_WINDOW_SECONDS: 10,
      TRUST_PROXY_HOPS: 0,
      DOCS_ENABLED: true,
      UNSUBSCRIBE_MAILTO: undefined,
      UNSUBSCRIBE_CATEGORIES: ['marketing'],
      WEBHOOK_URL: undefined,
      WEBHOOK_SECRET: undefined,
      WEBHOOK_EVENTS: undefined,
      WEBHOOK_RETRY_SCHEDULE: [5, 30, 120, 600, 1800, 3600, 7200, 14400],
      WEBHOOK_RETRY_WINDOW_SECONDS: 86_400,
      WEBHOOK_ALLOW_PRIVATE: true,
      WEBHOOK_CONCURRENCY: 32,
      LOCAL_STACK: true,
      LOCAL_SQS_PORT: 4566,
      LOCAL_SES_PORT: 8005,
    });
  });

  it('treats empty and blank strings, null and undefined as unset', () => {
    const env = validateEnvironment({
      PORT: '',
      SEND_RATE: '   ',
      REDIS_URL: null,
      API_KEYS: undefined,
      TRACKING_SECRET: '',
    });
    expect(env.PORT).toBe(3000);
    expect(env.SEND_RATE).toBe(100);
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.API_KEYS).toEqual(['local-dev-key']);
    expect(env.TRACKING_SECRET).toBe('local-tracking-secret');
  });

  it('ignores variables it does not know', () => {
    expect(validateEnvironment({ PATH: '/usr/bin', HOME: 42, SOMETHING: {} })).toEqual(
      validateEnvironment({}),
    );
  });

  it('accepts numbers and booleans as a host config object might pass them', () => {
    const env = validateEnvironment({ PORT: 8080, SEND_RATE: 2.5, LOCAL_STACK: true });
    expect(env).toMatchObject({ PORT: 8080, SEND_RATE: 2.5, LOCAL_STACK: true });
  });

  describe('PORT, LOCAL_SQS_PORT, LOCAL_SES_PORT', () => {
    it.each(['PORT', 'LOCAL_SQS_PORT', 'LOCAL_SES_PORT'] as const)(
      '%s accepts integers from 0 to 65535',
      (variable) => {
        accepts(variable, '0', 0);
        accepts(variable, '65535', 65535);
        accepts(variable, ' 8080 ', 8080);
      },
    );

    it.each(['PORT', 'LOCAL_SQS_PORT', 'LOCAL_SES_PORT'])(
      '%s rejects anything else',
      (variable) => {
        for (const bad of ['65536', '-1', '80.5', '1e3', '0x50', 'abc', '80 80']) {
          expect(rejects(variable, bad)).toContain(`${variable}: got ${JSON.stringify(bad)};`);
        }
      },
    );

    it('says what a port must be and its default', () => {
      expect(rejects('PORT', 'http')).toBe(
        'PORT: got "http"; expected an integer port from 0 to 65535 (default 3000)',
      );
      expect(rejects('LOCAL_SQS_PORT', '-5')).toBe(
        'LOCAL_SQS_PORT: got "-5"; expected an integer port from 0 to 65535, 0 for any free port (default 4566)',
      );
    });
  });

  describe('LOG_FORMAT, LOG_LEVEL, LOG_RECIPIENTS', () => {
    it('log pretty at info locally, JSON in production, without addresses', () => {
      expect(validateEnvironment({ NODE_ENV: 'production', ...PRODUCTION })).toMatchObject({
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        LOG_RECIPIENTS: false,
      });
      // LOCAL_STACK=false alone is not production: the format follows NODE_ENV only.
      expect(validateEnvironment(PRODUCTION).LOG_FORMAT).toBe('pretty');
    });

    it('take a format, a level and a boolean, in any case', () => {
      accepts('LOG_FORMAT', 'json', 'json');
      accepts('LOG_FORMAT', 'Pretty', 'pretty');
      expect(
        validateEnvironment({ NODE_ENV: 'production', LOG_FORMAT: 'pretty', ...PRODUCTION }),
      ).toMatchObject({ LOG_FORMAT: 'pretty' });
      for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
        accepts('LOG_LEVEL', level, level);
      }
      accepts('LOG_LEVEL', 'DEBUG', 'debug');
      accepts('LOG_RECIPIENTS', 'true', true);
      accepts('LOG_RECIPIENTS', 'no', false);
    });

    it('name the variable and what it takes', () => {
      expect(rejects('LOG_FORMAT', 'bogus')).toBe(
        'LOG_FORMAT: got "bogus"; expected one of json, pretty (default json when ' +
          'NODE_ENV=production, pretty otherwise)',
      );
      expect(rejects('LOG_LEVEL', 'verbose')).toBe(
        'LOG_LEVEL: got "verbose"; expected one of trace, debug, info, warn, error, fatal (default info)',
      );
      expect(rejects('LOG_RECIPIENTS', 'maybe')).toBe(
        'LOG_RECIPIENTS: got "maybe"; expected true or false (also 1/0, yes/no; default false)',
      );
    });
  });

  describe('METRICS_PORT', () => {
    it('is unset by default and takes a port from 1 to 65535', () => {
      expect(validateEnvironment({}).METRICS_PORT).toBeUndefined();
      accepts('METRICS_PORT', '9464', 9464);
      accepts('METRICS_PORT', '1', 1);
      accepts('METRICS_PORT', '65535', 65535);
    });

    it.each(['0', '65536', '94.64', 'metrics'])('rejects %s, naming the variable', (bad) => {
      expect(rejects('METRICS_PORT', bad)).toBe(
        `METRICS_PORT: got ${JSON.stringify(bad)}; expected an integer port from 1 to 65535 ` +
          '(optional; unset: /metrics is served on PORT, with the API key)',
      );
    });

    it('rejects the API port', () => {
      expect(problemFor({ PORT: '8080', METRICS_PORT: '8080' }, 'METRICS_PORT')).toBe(
        'METRICS_PORT: got "8080"; expected an integer port from 1 to 65535 (optional; unset: ' +
          '/metrics is served on PORT, with the API key), other than PORT',
      );
      expect(problemFor({ METRICS_PORT: '3000' }, 'METRICS_PORT')).toContain('other than PORT');
    });
  });

  describe('REDIS_URL', () => {
    it('accepts redis:// and rediss:// URLs', () => {
      accepts('REDIS_URL', 'redis://cache:6379/2', 'redis://cache:6379/2');
      accepts(
        'REDIS_URL',
        'rediss://:p%40ss@redis.example.com:6380',
        'rediss://:p%40ss@redis.example.com:6380',
      );
      accepts('REDIS_URL', 'REDIS://localhost', 'REDIS://localhost');
    });

    it.each(['http://localhost:6379', 'localhost:6379', 'redis://', 'redis:localhost', 'redis:/x'])(
      'rejects %s',
      (bad) => {
        expect(rejects('REDIS_URL', bad)).toContain('expected a redis:// or rediss:// URL');
      },
    );

    it('never shows a password given in the URL', () => {
      const problem = rejects('REDIS_URL', 'redis//:hunter2@cache');
      expect(problem).toContain('got "redis//***@cache"');
      expect(problem).not.toContain('hunter2');
    });
  });

  describe('REDIS_CLUSTER_NODES', () => {
    it('takes a comma-separated list of host:port, and then leaves REDIS_URL unset', () => {
      const env = validateEnvironment({
        REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001 ,[::1]:7002,',
      });
      expect(env.REDIS_CLUSTER_NODES).toEqual([
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ]);
      expect(env.REDIS_URL).toBeUndefined();
    });

    it('is unset by default: one server at REDIS_URL', () => {
      const env = validateEnvironment({});
      expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
      expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    });

    it.each(['localhost', '10.0.0.1:0', '10.0.0.1:65536', 'a:7000,b', ':7000', '::1:7000', ','])(
      'rejects %j, naming the variable and the form expected',
      (bad) => {
        const problem = problemFor({ REDIS_CLUSTER_NODES: bad }, 'REDIS_CLUSTER_NODES');
        expect(problem).toMatch(/^REDIS_CLUSTER_NODES: got |^REDIS_CLUSTER_NODES is required/);
        expect(problem).toContain('host:port with a port from 1 to 65535');
      },
    );

    it('names the bad nodes among good ones', () => {
      expect(rejects('REDIS_CLUSTER_NODES', 'a:7000,b:99999,c')).toContain('; not "b:99999", "c"');
    });

    it('may not be set together with REDIS_URL, naming both', () => {
      const problem = problemFor(
        { REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'a:7000' },
        'REDIS_CLUSTER_NODES',
      );
      expect(problem).toBe(
        'REDIS_CLUSTER_NODES: got "a:7000"; expected REDIS_URL unset: REDIS_URL is one Redis ' +
          'server, REDIS_CLUSTER_NODES a Redis Cluster; set only one of them',
      );
    });
  });

  describe('GUARD_*', () => {
    it('leaves the guard to its option defaults when unset', () => {
      const env = validateEnvironment({});
      expect(env.GUARD_MIN_VOLUME).toBeUndefined();
      expect(env.GUARD_BOUNCE_RATE).toBeUndefined();
      expect(env.GUARD_ENABLED).toBeUndefined();
    });

    it('reads a rate as a fraction or as a percentage with its sign', () => {
      accepts('GUARD_BOUNCE_RATE', '0.05', 0.05);
      accepts('GUARD_BOUNCE_RATE', '5%', 0.05);
      accepts('GUARD_COMPLAINT_RATE', '0.09 %', 0.0009);
      accepts('GUARD_MIN_VOLUME', '50', 50);
      accepts('GUARD_ENABLED', 'false', false);
    });

    it('refuses a bare number above 1, and names the variable', () => {
      expect(rejects('GUARD_BOUNCE_RATE', '4')).toMatch(
        /^GUARD_BOUNCE_RATE: got "4"; expected a rate as a fraction such as 0.04 or a percentage such as 4%/,
      );
      expect(rejects('GUARD_WARNING_COMPLAINT_RATE', 'lots')).toContain('0.0005');
      expect(rejects('GUARD_MIN_VOLUME', '0')).toContain('from 1');
    });

    it('wants a warning rate below its guard rate, given or default', () => {
      expect(rejects('GUARD_WARNING_BOUNCE_RATE', '5%')).toContain(
        'a rate below GUARD_BOUNCE_RATE (default 0.04)',
      );
      expect(
        problemFor(
          { GUARD_WARNING_COMPLAINT_RATE: '0.001', GUARD_COMPLAINT_RATE: '0.0009' },
          'GUARD_WARNING_COMPLAINT_RATE',
        ),
      ).toContain('below GUARD_COMPLAINT_RATE');
      expect(
        validateEnvironment({ GUARD_WARNING_BOUNCE_RATE: '5%', GUARD_BOUNCE_RATE: '6%' })
          .GUARD_WARNING_BOUNCE_RATE,
      ).toBe(0.05);
    });
  });

  describe('REDIS_KEY_PREFIX', () => {
    it('accepts 1 to 64 characters without whitespace', () => {
      accepts('REDIS_KEY_PREFIX', 'x', 'x');
      accepts('REDIS_KEY_PREFIX', 'p'.repeat(64), 'p'.repeat(64));
      accepts('REDIS_KEY_PREFIX', 'mail:ases:', 'mail:ases:');
    });

    it('rejects longer prefixes and inner whitespace', () => {
      expect(rejects('REDIS_KEY_PREFIX', 'p'.repeat(65))).toContain(
        'expected 1 to 64 characters without whitespace, "{" or "}" (keys carry Redis Cluster hash tags; default "ases:")',
      );
      expect(rejects('REDIS_KEY_PREFIX', 'my app:')).toContain('got "my app:"');
    });

    it.each(['mail:{ases}:', 'a{', 'b}'])('rejects %s: keys carry hash tags', (bad) => {
      expect(rejects('REDIS_KEY_PREFIX', bad)).toContain('"{" or "}"');
    });
  });

  describe('STATUS_DETAIL', () => {
    it('is full by default, or lean', () => {
      expect(validateEnvironment({}).STATUS_DETAIL).toBe('full');
      accepts('STATUS_DETAIL', 'lean', 'lean');
      accepts('STATUS_DETAIL', 'full', 'full');
    });

    it('rejects anything else', () => {
      expect(rejects('STATUS_DETAIL', 'minimal')).toBe(
        'STATUS_DETAIL: got "minimal"; expected one of full, lean (default full)',
      );
    });
  });

  describe('AWS_REGION', () => {
    it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-3', 'cn-north-1'])(
      'accepts %s',
      (region) => accepts('AWS_REGION', region, region),
    );

    it.each(['US-EAST-1', 'us-east', 'useast1', 'us_east_1', 'us-east-1a', 'eu central 1'])(
      'rejects %s',
      (bad) => {
        expect(rejects('AWS_REGION', bad)).toContain('expected an AWS region such as us-east-1');
      },
    );

    it('is left to the AWS SDK when unset outside local mode', () => {
      expect(validateEnvironment(PRODUCTION).AWS_REGION).toBeUndefined();
      expect(validateEnvironment({ ...PRODUCTION, AWS_REGION: 'eu-west-1' }).AWS_REGION).toBe(
        'eu-west-1',
      );
    });
  });

  describe('AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SES', () => {
    it('are unset by default, and read AWS_ENDPOINT_URL when unset, as the AWS SDK does', () => {
      expect(validateEnvironment({})).toMatchObject({
        AWS_ENDPOINT_URL_SQS: undefined,
        AWS_ENDPOINT_URL_SES: undefined,
      });
      expect(
        validateEnvironment({
          AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
          AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:8005',
        }),
      ).toMatchObject({
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:8005',
      });
    });

    it('name the variable a bad endpoint came from', () => {
      expect(rejects('AWS_ENDPOINT_URL_SQS', 'localhost:4566')).toBe(
        'AWS_ENDPOINT_URL_SQS: got "localhost:4566"; expected an http:// or https:// SQS endpoint ' +
          'URL without query or fragment (optional; the local stack sets its own)',
      );
      expect(problemFor({ AWS_ENDPOINT_URL: 'sqs' }, 'AWS_ENDPOINT_URL')).toContain(
        'AWS_ENDPOINT_URL: got "sqs"; expected an http:// or https:// SQS endpoint URL',
      );
    });
  });

  describe('the same bounds as the module options', () => {
    // Each variable refused here is refused as its AsesModule option too (resolve-options.spec.ts).
    it.each([
      ['SEND_QUOTA_REFRESH_SECONDS', '0'],
      ['STATUS_TTL_DAYS', '366'],
      ['SEND_RATE', '100001'],
      ['WEBHOOK_RETRY_WINDOW_SECONDS', '2592001'],
      ['AWS_REGION', 'mars'],
    ])('refuses %s=%s', (variable, bad) => {
      expect(rejects(variable, bad)).toContain(`${variable}: got "${bad}"; expected`);
    });

    it('reports a default that breaks a rule against a given variable', () => {
      expect(problemFor({ GUARD_BOUNCE_RATE: '2%' }, 'GUARD_WARNING_BOUNCE_RATE')).toBe(
        'GUARD_WARNING_BOUNCE_RATE is unset, and its default 0.025 does not fit: expected a rate ' +
          'below GUARD_BOUNCE_RATE (0.02): the warning comes before the pause',
      );
    });
  });

  describe('S3_BUCKET', () => {
    it('is ases-local on the local stack, and unset (no claim-check) otherwise', () => {
      expect(validateEnvironment({}).S3_BUCKET).toBe('ases-local');
      expect(validateEnvironment(PRODUCTION).S3_BUCKET).toBeUndefined();
      expect(validateEnvironment({ ...PRODUCTION, S3_BUCKET: 'mail-jobs.example' }).S3_BUCKET).toBe(
        'mail-jobs.example',
      );
    });

    it.each([
      ['My-Bucket', '"M" is not a lowercase letter, digit, dot or hyphen'],
      ['ab', 'it has 2 characters'],
      ['jobs..example', 'it has two adjacent dots'],
      ['10.0.0.1', 'it is formatted as an IP address'],
    ])('rejects %s, saying why', (bad, why) => {
      expect(rejects('S3_BUCKET', bad)).toBe(
        `S3_BUCKET: got "${bad}"; expected an S3 bucket name: 3 to 63 lowercase letters, digits, ` +
          `dots and hyphens, starting and ending with a letter or digit, but ${why} ` +
          '(optional; default ases-local when LOCAL_STACK=true)',
      );
    });
  });

  describe('AWS_ENDPOINT_URL_S3', () => {
    it('is unset by default and takes an http(s) URL', () => {
      expect(validateEnvironment({}).AWS_ENDPOINT_URL_S3).toBeUndefined();
      accepts('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:4566', 'http://127.0.0.1:4566');
      accepts(
        'AWS_ENDPOINT_URL_S3',
        'https://s3.eu-west-1.amazonaws.com',
        'https://s3.eu-west-1.amazonaws.com',
      );
    });

    it.each(['127.0.0.1:4566', 's3://bucket', 'http://host/?x=1'])('rejects %s', (bad) => {
      expect(rejects('AWS_ENDPOINT_URL_S3', bad)).toBe(
        `AWS_ENDPOINT_URL_S3: got "${bad}"; expected an http:// or https:// S3 endpoint URL ` +
          'without query or fragment (optional; the local stack sets its own)',
      );
    });

    it('never shows a password given in the URL', () => {
      expect(rejects('AWS_ENDPOINT_URL_S3', 'ftp://user:hunter2@s3.example')).not.toContain(
        'hunter2',
      );
    });
  });

  describe('UNSUBSCRIBE_MAILTO', () => {
    it('is unset by default and takes one bare address', () => {
      expect(validateEnvironment({}).UNSUBSCRIBE_MAILTO).toBeUndefined();
      accepts('UNSUBSCRIBE_MAILTO', 'unsubscribe@example.com', 'unsubscribe@example.com');
    });

    it.each(['Unsubscribe <u@example.com>', 'u@example.com,v@example.com', 'unsubscribe'])(
      'rejects %s',
      (bad) => {
        expect(rejects('UNSUBSCRIBE_MAILTO', bad)).toBe(
          `UNSUBSCRIBE_MAILTO: got ${JSON.stringify(bad)}; expected one bare email address such ` +
            'as unsubscribe@example.com (optional; default none)',
        );
      },
    );
  });

  describe('UNSUBSCRIBE_CATEGORIES', () => {
    it('is marketing by default', () => {
      expect(validateEnvironment({}).UNSUBSCRIBE_CATEGORIES).toEqual(['marketing']);
      expect(validateEnvironment({ UNSUBSCRIBE_CATEGORIES: null }).UNSUBSCRIBE_CATEGORIES).toEqual([
        'marketing',
      ]);
    });

    it('takes a comma-separated list, trimmed and without duplicates', () => {
      accepts('UNSUBSCRIBE_CATEGORIES', ' news, product.updates ,news,x_1-2,', [
        'news',
        'product.updates',
        'x_1-2',
      ]);
    });

    it.each(['none', 'NONE', ','])('reads %j as no categories', (given) => {
      accepts('UNSUBSCRIBE_CATEGORIES', given, []);
    });

    it.each(['', '  '])('reads %j as unset, like every variable: the default', (given) => {
      accepts('UNSUBSCRIBE_CATEGORIES', given, ['marketing']);
    });

    it('names the bad categories', () => {
      expect(rejects('UNSUBSCRIBE_CATEGORIES', `news,Promo,a b,${'x'.repeat(65)}`)).toBe(
        `UNSUBSCRIBE_CATEGORIES: got "news,Promo,a b,${'x'.repeat(65)}"; expected a ` +
          'comma-separated list of categories, each 1 to 64 of a-z 0-9 _ . -, or none (default ' +
          `marketing); not "Promo", "a b", "${'x'.repeat(65)}"`,
      );
    });
  });

  describe('queues', () => {
    const queues = [
      'SES_SENDMAIL_QUEUE',
      'SES_BOUNCES_QUEUE',
      'SES_COMPLAINTS_QUEUE',
      'SES_DELIVERIES_QUEUE',
    ] as const;

    it.each(queues)('%s accepts a queue name or an http(s) queue URL', (variable) => {
      accepts(variable, 'a', 'a');
      accepts(variable, 'Q'.repeat(80), 'Q'.repeat(80));
      accepts(variable, 'prod_mail-01', 'prod_mail-01');
      const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod-mail';
      accepts(variable, url, url);
      accepts(
        variable,
        'http://localhost:4566/000000000000/q',
        'http://localhost:4566/000000000000/q',
      );
    });

    it.each(queues)('%s rejects bad names and URLs', (variable) => {
      for (const bad of [
        'Q'.repeat(81),
        'my queue',
        'queue/name',
        'ftp://host/queue',
        'https://sqs.eu-west-1.amazonaws.com/123456789012/',
        'https://',
      ]) {
        expect(rejects(variable, bad)).toMatch(/expected an SQS queue name .* \(default "ases-/);
      }
    });

    it('says FIFO queues are not supported, for names and URLs', () => {
      for (const fifo of ['mail.fifo', 'https://sqs.us-east-1.amazonaws.com/1/mail.fifo']) {
        expect(rejects('SES_SENDMAIL_QUEUE', fifo)).toBe(
          `SES_SENDMAIL_QUEUE: got ${JSON.stringify(fifo)}; expected a standard SQS queue name or URL: ` +
            'FIFO queues (names ending in .fifo) are not supported',
        );
      }
    });
  });

  describe('SES_EVENTS_QUEUE', () => {
    it('is optional, and takes a queue name or URL', () => {
      expect(validateEnvironment({}).SES_EVENTS_QUEUE).toBeUndefined();
      accepts('SES_EVENTS_QUEUE', 'ses-events', 'ses-events');
    });

    it('rejects a bad name, saying it is optional', () => {
      expect(rejects('SES_EVENTS_QUEUE', 'my events')).toBe(
        'SES_EVENTS_QUEUE: got "my events"; expected an SQS queue name (1 to 80 letters, digits, ' +
          '"-" or "_") or an http:// or https:// queue URL ending in one (optional; unset: no ' +
          'events queue is read)',
      );
    });
  });

  describe('SUPPRESS_AFTER_TRANSIENT_BOUNCES and _DAYS', () => {
    it('is off unless set; the window defaults to 7 days', () => {
      const env = validateEnvironment({});
      expect(env.SUPPRESS_AFTER_TRANSIENT_BOUNCES).toBeUndefined();
      expect(env.SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS).toBe(7);
      accepts('SUPPRESS_AFTER_TRANSIENT_BOUNCES', '3', 3);
      accepts('SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS', '1.5', 1.5);
    });

    it.each(['0', '2.5', 'three', '1001'])('rejects a count of %s', (bad) => {
      expect(rejects('SUPPRESS_AFTER_TRANSIENT_BOUNCES', bad)).toContain(
        'expected an integer from 1 to 1000 (optional; unset: soft bounces never suppress)',
      );
    });

    it.each(['0', '366', 'a week'])('rejects a window of %s', (bad) => {
      expect(rejects('SUPPRESS_AFTER_TRANSIENT_BOUNCES_DAYS', bad)).toContain(
        'expected a number of days greater than 0 and at most 365 (default 7)',
      );
    });
  });

  describe('SNS_TOPIC_ARNS and SNS_CONFIRM_SUBSCRIPTIONS', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';

    it('defaults to no topic and confirming subscriptions', () => {
      const env = validateEnvironment({});
      expect(env.SNS_TOPIC_ARNS).toEqual([]);
      expect(env.SNS_CONFIRM_SUBSCRIPTIONS).toBe(true);
      accepts('SNS_CONFIRM_SUBSCRIPTIONS', 'no', false);
    });

    it('takes a comma-separated list of topic ARNs, China and GovCloud included', () => {
      const cn = 'arn:aws-cn:sns:cn-north-1:123456789012:t';
      const gov = 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t';
      accepts('SNS_TOPIC_ARNS', `${arn}, ${cn},${gov}`, [arn, cn, gov]);
    });

    it.each([
      'ses-feedback',
      'arn:aws:sqs:eu-west-1:123456789012:queue',
      'arn:aws:sns:eu-west-1:1234:short-account',
      `${arn}, not-an-arn`,
    ])('rejects %s', (bad) => {
      expect(rejects('SNS_TOPIC_ARNS', bad)).toContain(
        'expected a comma-separated list of SNS topic ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback',
      );
    });

    it('rejects a value that is not a boolean', () => {
      expect(rejects('SNS_CONFIRM_SUBSCRIPTIONS', 'maybe')).toContain('true or false');
    });
  });

  describe('SEND_RATE', () => {
    it('accepts numbers greater than 0 up to 100000, decimals included', () => {
      accepts('SEND_RATE', '0.1', 0.1);
      accepts('SEND_RATE', '.5', 0.5);
      accepts('SEND_RATE', '14', 14);
      accepts('SEND_RATE', '100000', 100000);
    });

    it('accepts "auto": the account\'s MaxSendRate', () => {
      accepts('SEND_RATE', 'auto', 'auto');
      expect(rejects('SEND_RATE', 'AUTO')).toContain('or "auto"');
    });

    it('rejects 0, negatives, more than 100000 and non-numbers', () => {
      for (const bad of ['0', '0.0', '-1', '100000.5', '1e3', 'Infinity', 'NaN', '1,5']) {
        expect(rejects('SEND_RATE', bad)).toContain(`got ${JSON.stringify(bad)};`);
      }
      expect(rejects('SEND_RATE', 'fast')).toBe(
        'SEND_RATE: got "fast"; expected a number of mails per second greater than 0 and at most 100000, or "auto" (default 100)',
      );
    });
  });

  describe('SEND_POLLERS and SEND_QUOTA_REFRESH_SECONDS', () => {
    it('accept integers in range', () => {
      accepts('SEND_POLLERS', '0', 0);
      accepts('SEND_POLLERS', '100', 100);
      accepts('SEND_QUOTA_REFRESH_SECONDS', '1', 1);
      accepts('SEND_QUOTA_REFRESH_SECONDS', '86400', 86400);
    });

    it('reject what is out of range', () => {
      expect(rejects('SEND_POLLERS', '101')).toContain('an integer from 0');
      expect(rejects('SEND_POLLERS', '2.5')).toContain('SEND_POLLERS: got "2.5"');
      // Tests poll the quota every few seconds; the module has always allowed it.
      expect(rejects('SEND_QUOTA_REFRESH_SECONDS', '0')).toContain('from 1 to 86400');
    });
  });

  describe('MAX_SEND_ATTEMPTS', () => {
    it('accepts integers from 1 to 100', () => {
      accepts('MAX_SEND_ATTEMPTS', '1', 1);
      accepts('MAX_SEND_ATTEMPTS', '100', 100);
    });

    it.each(['0', '101', '2.5', 'many'])('rejects %s', (bad) => {
      expect(rejects('MAX_SEND_ATTEMPTS', bad)).toBe(
        `MAX_SEND_ATTEMPTS: got "${bad}"; expected an integer from 1 to 100 (default 5)`,
      );
    });
  });

  describe('STATUS_TTL_DAYS', () => {
    it('accepts numbers greater than 0 up to 365', () => {
      accepts('STATUS_TTL_DAYS', '0.5', 0.5);
      accepts('STATUS_TTL_DAYS', '365', 365);
    });

    it.each(['0', '365.01', '-3', 'two weeks'])('rejects %s', (bad) => {
      expect(rejects('STATUS_TTL_DAYS', bad)).toContain(
        'expected a number of days greater than 0 and at most 365',
      );
    });
  });

  describe('STALE_AFTER_HOURS', () => {
    it('accepts hours from 0 (off) to less than STATUS_TTL_DAYS × 24, decimals allowed', () => {
      accepts('STALE_AFTER_HOURS', '0', 0);
      accepts('STALE_AFTER_HOURS', '0.5', 0.5);
      accepts('STALE_AFTER_HOURS', '335.9', 335.9);
      expect(
        validateEnvironment({ STATUS_TTL_DAYS: '30', STALE_AFTER_HOURS: '700' }),
      ).toMatchObject({ STALE_AFTER_HOURS: 700 });
    });

    it.each(['-1', '336', 'a day', '1e3'])(
      'rejects %s (with the default 14-day retention)',
      (bad) => {
        expect(rejects('STALE_AFTER_HOURS', bad)).toBe(
          `STALE_AFTER_HOURS: got "${bad}"; expected a number of hours from 0 (off) to less than ` +
            'STATUS_TTL_DAYS × 24, decimals allowed (default 24)',
        );
      },
    );

    it('names it when the retention is shorter than the threshold', () => {
      expect(
        problemFor({ STATUS_TTL_DAYS: '0.5', STALE_AFTER_HOURS: '24' }, 'STALE_AFTER_HOURS'),
      ).toContain('STALE_AFTER_HOURS: got "24"; expected a number of hours');
    });
  });

  describe('STALE_QUEUED_MINUTES', () => {
    it('accepts whole minutes from 0 (off) to 10080', () => {
      accepts('STALE_QUEUED_MINUTES', '0', 0);
      accepts('STALE_QUEUED_MINUTES', '10080', 10080);
    });

    it.each(['-1', '10081', '1.5', 'an hour'])('rejects %s', (bad) => {
      expect(rejects('STALE_QUEUED_MINUTES', bad)).toBe(
        `STALE_QUEUED_MINUTES: got "${bad}"; expected an integer number of minutes from 0 (off) ` +
          'to 10080, less than STATUS_TTL_DAYS (default 60)',
      );
    });

    it('names it when the retention is shorter than the threshold', () => {
      expect(
        problemFor(
          { STATUS_TTL_DAYS: '1', STALE_AFTER_HOURS: '1', STALE_QUEUED_MINUTES: '1440' },
          'STALE_QUEUED_MINUTES',
        ),
      ).toContain('STALE_QUEUED_MINUTES: got "1440"');
    });
  });

  describe('TRACKING_BASE_URL', () => {
    it('defaults to localhost on PORT', () => {
      expect(validateEnvironment({ PORT: '8081' }).TRACKING_BASE_URL).toBe('http://localhost:8081');
    });

    it('drops trailing slashes', () => {
      accepts('TRACKING_BASE_URL', 'https://mail.example.com/', 'https://mail.example.com');
      accepts('TRACKING_BASE_URL', 'https://example.com/t//', 'https://example.com/t');
      accepts('TRACKING_BASE_URL', 'http://10.0.0.5:8080/ases', 'http://10.0.0.5:8080/ases');
    });

    it.each([
      '/relative/path',
      'mail.example.com',
      'ftp://example.com',
      'https:example.com',
      'https://example.com/?a=1',
      'https://example.com/#top',
    ])('rejects %s', (bad) => {
      expect(rejects('TRACKING_BASE_URL', bad)).toContain(
        'expected an absolute http:// or https:// URL without query or fragment',
      );
    });
  });

  describe('tracking choices', () => {
    it('track opens and clicks, keep no client details, and judge clicks in 10 s by default', () => {
      expect(validateEnvironment({})).toMatchObject({
        TRACK_OPENS: true,
        TRACK_CLICKS: true,
        TRACKING_STORE_CLIENT: false,
        TRACKING_SCANNER_WINDOW_SECONDS: 10,
        TRUST_PROXY_HOPS: 0,
      });
    });

    it('take booleans and numbers', () => {
      expect(
        validateEnvironment({
          TRACK_OPENS: 'no',
          TRACK_CLICKS: '0',
          TRACKING_STORE_CLIENT: 'true',
          TRACKING_SCANNER_WINDOW_SECONDS: '0',
          TRUST_PROXY_HOPS: '2',
        }),
      ).toMatchObject({
        TRACK_OPENS: false,
        TRACK_CLICKS: false,
        TRACKING_STORE_CLIENT: true,
        TRACKING_SCANNER_WINDOW_SECONDS: 0,
        TRUST_PROXY_HOPS: 2,
      });
    });

    it('name what is wrong', () => {
      expect(rejects('TRACK_CLICKS', 'maybe')).toContain('expected true or false');
      expect(rejects('TRACKING_STORE_CLIENT', 'ip')).toContain('(also 1/0, yes/no; default false)');
      expect(rejects('TRACKING_SCANNER_WINDOW_SECONDS', '3601')).toContain(
        'expected a number of seconds from 0 (rule off) to 3600 (default 10)',
      );
      expect(rejects('TRUST_PROXY_HOPS', 'all')).toContain(
        'expected a number of reverse proxies from 0 to 10 (default 0)',
      );
    });
  });

  describe('DOCS_ENABLED', () => {
    it('serves the OpenAPI description unless told not to', () => {
      expect(validateEnvironment({}).DOCS_ENABLED).toBe(true);
      expect(validateEnvironment({ DOCS_ENABLED: 'false' }).DOCS_ENABLED).toBe(false);
      expect(rejects('DOCS_ENABLED', 'off')).toContain('expected true or false');
    });
  });

  describe('LOCAL_STACK', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['Yes', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['NO', false],
    ])('reads %s as %s', (given, expected) => {
      const raw = { ...PRODUCTION, LOCAL_STACK: given };
      expect(validateEnvironment(raw).LOCAL_STACK).toBe(expected);
    });

    it('defaults to true, and to false when NODE_ENV=production', () => {
      expect(validateEnvironment({ NODE_ENV: 'development' }).LOCAL_STACK).toBe(true);
      const production = { ...PRODUCTION, LOCAL_STACK: '' };
      expect(validateEnvironment({ ...production, NODE_ENV: 'production' })).toMatchObject({
        NODE_ENV: 'production',
        LOCAL_STACK: false,
      });
    });

    it('may be forced on in production', () => {
      const env = validateEnvironment({ NODE_ENV: 'production', LOCAL_STACK: 'true' });
      expect(env.LOCAL_STACK).toBe(true);
      expect(env.API_KEYS).toEqual(['local-dev-key']);
    });

    it('rejects other words without falling back to the default', () => {
      expect(rejects('LOCAL_STACK', 'maybe')).toBe(
        'LOCAL_STACK: got "maybe"; expected true or false (also 1/0, yes/no; default true, or false when NODE_ENV=production)',
      );
    });
  });

  describe('API_KEYS and TRACKING_SECRET', () => {
    it('splits, trims and drops empty keys', () => {
      accepts('API_KEYS', ' a , b,,c ,', ['a', 'b', 'c']);
    });

    it('accepts short values in local mode', () => {
      const env = validateEnvironment({ API_KEYS: 'dev', TRACKING_SECRET: 'shh' });
      expect(env).toMatchObject({ API_KEYS: ['dev'], TRACKING_SECRET: 'shh' });
    });

    it('rejects a list of nothing but separators in either mode', () => {
      expect(rejects('API_KEYS', ' , ,')).toBe(
        'API_KEYS: got no keys, only separators; expected a comma-separated list of bearer keys',
      );
    });

    it('are required when LOCAL_STACK=false', () => {
      expect(problemsOf({ LOCAL_STACK: 'false' }).problems).toEqual([
        {
          variable: 'API_KEYS',
          problem:
            'API_KEYS is required when LOCAL_STACK=false: a comma-separated list of bearer keys, each at least 16 characters',
        },
        {
          variable: 'TRACKING_SECRET',
          problem:
            'TRACKING_SECRET is required when LOCAL_STACK=false: a random secret of at least 32 characters that signs tracking links',
        },
      ]);
    });

    it('need 16-character keys and a 32-character secret when LOCAL_STACK=false', () => {
      expect(validateEnvironment(PRODUCTION)).toMatchObject({
        API_KEYS: ['key-0123456789abcdef'],
        TRACKING_SECRET: 'secret-0123456789abcdef0123456789',
        LOCAL_STACK: false,
      });
      const sixteen = 'k'.repeat(16);
      expect(
        validateEnvironment({ ...PRODUCTION, API_KEYS: `${sixteen},${sixteen}x` }).API_KEYS,
      ).toEqual([sixteen, `${sixteen}x`]);
      expect(
        validateEnvironment({ ...PRODUCTION, TRACKING_SECRET: 's'.repeat(32) }).TRACKING_SECRET,
      ).toBe('s'.repeat(32));

      expect(
        problemFor({ ...PRODUCTION, API_KEYS: `${sixteen},tooShort15chars` }, 'API_KEYS'),
      ).toBe(
        'API_KEYS: got 2 keys of 16, 15 characters (not shown); expected every key to be at least 16 characters when LOCAL_STACK=false',
      );
      expect(
        problemFor({ ...PRODUCTION, TRACKING_SECRET: 's'.repeat(31) }, 'TRACKING_SECRET'),
      ).toBe(
        'TRACKING_SECRET: got a secret of 31 characters (not shown); expected at least 32 characters when LOCAL_STACK=false',
      );
    });

    it('never echo the secret values', () => {
      const error = problemsOf({
        LOCAL_STACK: 'false',
        API_KEYS: 'hunter2-key,other-key',
        TRACKING_SECRET: 'hunter2-secret',
      });
      expect(error.problems.map((problem) => problem.variable)).toEqual([
        'API_KEYS',
        'TRACKING_SECRET',
      ]);
      for (const secret of ['hunter2', 'other-key']) {
        expect(error.message).not.toContain(secret);
      }
    });
  });

  describe('when several values are wrong', () => {
    const raw = {
      NODE_ENV: 'production',
      PORT: '99999',
      SEND_RATE: 'fast',
      SES_BOUNCES_QUEUE: 'bounces.fifo',
      TRACKING_SECRET: 'tiny-secret',
      STATUS_TTL_DAYS: '-1',
    };

    it('reports all of them in one error, in a readable message', () => {
      const error = problemsOf(raw);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('EnvironmentError');
      expect(error.problems.map((problem) => problem.variable)).toEqual([
        'PORT',
        'API_KEYS',
        'SES_BOUNCES_QUEUE',
        'SEND_RATE',
        'STATUS_TTL_DAYS',
        'TRACKING_SECRET',
      ]);
      expect(error.message).toBe(
        [
          'Invalid environment:',
          '  - PORT: got "99999"; expected an integer port from 0 to 65535 (default 3000)',
          '  - API_KEYS is required when LOCAL_STACK=false: a comma-separated list of bearer keys, each at least 16 characters',
          '  - SES_BOUNCES_QUEUE: got "bounces.fifo"; expected a standard SQS queue name or URL: FIFO queues (names ending in .fifo) are not supported',
          '  - SEND_RATE: got "fast"; expected a number of mails per second greater than 0 and at most 100000, or "auto" (default 100)',
          '  - STATUS_TTL_DAYS: got "-1"; expected a number of days greater than 0 and at most 365, decimals allowed (default 14)',
          '  - TRACKING_SECRET: got a secret of 11 characters (not shown); expected at least 32 characters when LOCAL_STACK=false',
        ].join('\n'),
      );
    });
  });

  it('does not read process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(validateEnvironment({}).PORT).toBe(3000);
    } finally {
      if (saved === undefined) {
        delete process.env.PORT;
      } else {
        process.env.PORT = saved;
      }
    }
  });

  describe('webhooks', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

    it('sets an endpoint from WEBHOOK_URL, WEBHOOK_SECRET and WEBHOOK_EVENTS', () => {
      const env = validateEnvironment({
        WEBHOOK_URL: 'https://hooks.example.com/ases',
        WEBHOOK_SECRET: secret,
        WEBHOOK_EVENTS: 'message.bounced, message.complained,message.bounced',
      });
      expect(env).toMatchObject({
        WEBHOOK_URL: 'https://hooks.example.com/ases',
        WEBHOOK_SECRET: secret,
        WEBHOOK_EVENTS: ['message.bounced', 'message.complained'],
      });
    });

    it('needs the secret with the URL, and names a bad one without showing it', () => {
      expect(problemFor({ WEBHOOK_URL: 'https://h.example/x' }, 'WEBHOOK_SECRET')).toMatch(
        /^WEBHOOK_SECRET is required with WEBHOOK_URL/,
      );
      const bad = problemFor(
        { WEBHOOK_URL: 'https://h.example/x', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' },
        'WEBHOOK_SECRET',
      );
      expect(bad).toContain('24 to 64 bytes');
      expect(bad).not.toContain('c2hvcnQ');
    });

    it('refuses a URL that is not http(s), and unknown event types by name', () => {
      expect(rejects('WEBHOOK_URL', 'ftp://h.example/x')).toContain('http:// or https://');
      expect(rejects('WEBHOOK_EVENTS', 'message.bounced,message.sent')).toContain(
        'unknown: message.sent',
      );
    });

    it('reads the retry schedule as seconds, and refuses anything else', () => {
      accepts('WEBHOOK_RETRY_SCHEDULE', '1,2,4', [1, 2, 4]);
      expect(rejects('WEBHOOK_RETRY_SCHEDULE', '1,two')).toContain('whole numbers of seconds');
      expect(rejects('WEBHOOK_RETRY_SCHEDULE', '0')).toContain('1 to 86400');
      expect(rejects('WEBHOOK_RETRY_WINDOW_SECONDS', '0')).toContain('from 1');
      expect(rejects('WEBHOOK_CONCURRENCY', '-1')).toContain('0 (none here) to 1000');
    });

    it('allows private targets on the local stack only, unless told', () => {
      expect(validateEnvironment({}).WEBHOOK_ALLOW_PRIVATE).toBe(true);
      expect(
        validateEnvironment({
          NODE_ENV: 'production',
          API_KEYS: 'k'.repeat(20),
          TRACKING_SECRET: 's'.repeat(40),
          TRACKING_BASE_URL: 'https://t.example',
        }).WEBHOOK_ALLOW_PRIVATE,
      ).toBe(false);
      accepts('WEBHOOK_ALLOW_PRIVATE', 'false', false);
    });
  });
});
