import {
  asBoolean,
  asDecimal,
  asInteger,
  asList,
  checkOptions,
  describeValue,
  OPTIONS,
  optionSpec,
  OptionSpec,
} from './options-schema';

/** checkOptions over the whole schema, as resolveAsesOptions calls it. */
function check(given: Record<string, unknown>) {
  return checkOptions(
    OPTIONS,
    (path) => given[path],
    'options',
    (path) => path,
  );
}

const STRONG = {
  apiKeys: ['key-0123456789abcdef'],
  'tracking.baseUrl': 'https://mail.example.com',
  'tracking.secret': 's'.repeat(32),
};

describe('the options schema', () => {
  it('declares each option and each variable once', () => {
    const paths = OPTIONS.map((spec) => spec.path);
    expect(new Set(paths).size).toBe(paths.length);
    const variables = OPTIONS.flatMap((spec) => (spec.env === undefined ? [] : [spec.env]));
    expect(new Set(variables).size).toBe(variables.length);
  });

  it('has a default that passes its own check for every option with a constant default', () => {
    const { values } = check(STRONG);
    for (const spec of OPTIONS.filter((each) => each.default !== undefined)) {
      expect([spec.path, values.get(spec.path)]).toEqual([spec.path, spec.default]);
    }
  });

  describe('reading variables', () => {
    it('reads integers, decimals, booleans and lists, and leaves what it cannot read as text', () => {
      expect(asInteger('42')).toBe(42);
      expect(asInteger('4.2')).toBe('4.2');
      expect(asInteger('-1')).toBe('-1');
      expect(asDecimal('0.5')).toBe(0.5);
      expect(asDecimal('.5')).toBe(0.5);
      expect(asDecimal('1e3')).toBe('1e3');
      expect(asBoolean('YES')).toBe(true);
      expect(asBoolean('0')).toBe(false);
      expect(asBoolean('maybe')).toBe('maybe');
      expect(asList(' a, ,b ,')).toEqual(['a', 'b']);
    });
  });

  describe('checkOptions', () => {
    it('applies defaults, including those made from other options, whatever their order', () => {
      // sendPollers comes from sendRate; the stale thresholds from statusTtlDays.
      const { values, problems } = check({ ...STRONG, sendRate: 500, statusTtlDays: 0.5 });
      expect(problems).toEqual([]);
      expect(values.get('sendPollers')).toBe(25);
      expect(values.get('staleAfterHours')).toBe(0);
      expect(values.get('staleQueuedMinutes')).toBe(60);
      expect(values.get('quotaRefreshSeconds')).toBe(300);
    });

    it('reports every problem, in the order of the schema, leaving the bad values out', () => {
      const { values, problems } = check({
        ...STRONG,
        pollWaitSeconds: 21,
        sendRate: 0,
        quotaRefreshSeconds: 0,
      });
      expect(problems.map((problem) => problem.spec.path)).toEqual([
        'sendRate',
        'quotaRefreshSeconds',
        'pollWaitSeconds',
      ]);
      expect(values.has('sendRate')).toBe(false);
      // A default made from a bad option falls back as if it were not given.
      expect(values.get('sendPollers')).toBe(25);
    });

    it('checks a rule between options only once both are good by themselves', () => {
      const { problems } = check({ ...STRONG, statusTtlDays: -1, staleAfterHours: 400 });
      expect(problems.map((problem) => problem.spec.path)).toEqual(['statusTtlDays']);
      const stale = check({ ...STRONG, statusTtlDays: 1, staleAfterHours: 24 }).problems;
      expect(stale).toMatchObject([{ spec: { path: 'staleAfterHours' }, given: 24 }]);
    });

    it('flags a default that breaks a rule against a given option', () => {
      const { problems } = check({ ...STRONG, 'guard.bounceRate': 0.02 });
      expect(problems).toMatchObject([
        { spec: { path: 'guard.warningBounceRate' }, given: 0.025, defaulted: true },
      ]);
      expect(problems[0].expected).toBe(
        'a rate below guard.bounceRate (0.02): the warning comes before the pause',
      );
    });

    it('names the other options through the namer it is given', () => {
      const { problems } = checkOptions(
        OPTIONS,
        (path) => ({ ...STRONG, statusTtlDays: 1, staleQueuedMinutes: 1440 })[path],
        'environment',
        (path) => OPTIONS.find((spec) => spec.path === path)?.env ?? path,
      );
      expect(problems[0].expected).toBe(
        'an integer number of minutes from 0 (off) to 10080, less than STATUS_TTL_DAYS (default 60)',
      );
    });

    it('reports a required option that is missing', () => {
      const { problems } = check({});
      expect(problems.map(({ spec, missing }) => [spec.path, missing])).toEqual([
        ['apiKeys', true],
        ['tracking.baseUrl', true],
        ['tracking.secret', true],
      ]);
    });
  });

  describe('secret strength', () => {
    it('wants keys of 16 characters and a secret of 32, in both ways in', () => {
      const weak = { ...STRONG, apiKeys: ['k'.repeat(15)], 'tracking.secret': 's'.repeat(31) };
      expect(check(weak).problems.map((problem) => problem.expected)).toEqual([
        'a list of keys of at least 16 characters each (shorter only with development: true)',
        'at least 32 characters (shorter only with development: true)',
      ]);
      const fromEnvironment = checkOptions(
        OPTIONS,
        (path) => ({ ...weak, development: false })[path],
        'environment',
        (path) => path,
      ).problems;
      expect(fromEnvironment.map((problem) => problem.expected)).toEqual([
        'every key to be at least 16 characters when LOCAL_STACK=false',
        'at least 32 characters when LOCAL_STACK=false',
      ]);
    });

    it('allows weak ones, and gives the local ones, in development', () => {
      expect(
        check({ ...STRONG, development: true, apiKeys: ['k'], 'tracking.secret': 's' }).problems,
      ).toEqual([]);
      const { values, problems } = check({
        development: true,
        'tracking.baseUrl': 'http://localhost:3000',
      });
      expect(problems).toEqual([]);
      expect(values.get('apiKeys')).toEqual(['local-dev-key']);
      expect(values.get('tracking.secret')).toBe('local-tracking-secret');
    });

    it('shows secrets by their length only', () => {
      expect(describeValue(optionSpec('apiKeys'), ['abc', 'hunter22'])).toBe(
        '2 keys of 3, 8 characters (not shown)',
      );
      expect(describeValue(optionSpec('tracking.secret'), 'hunter2')).toBe(
        'a secret of 7 characters (not shown)',
      );
      const credentials = optionSpec('credentials');
      expect(
        describeValue(credentials, { accessKeyId: 'AKIA', secretAccessKey: '' }),
      ).not.toContain('AKIA');
      const plain: OptionSpec = optionSpec('sendRate');
      expect(describeValue(plain, 'x'.repeat(200))).toHaveLength(120);
    });
  });
});
