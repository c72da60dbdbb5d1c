import {
  blockedAddressReason,
  guardedLookup,
  literalHostProblem,
  webhookUrlProblem,
} from './webhook-target';

describe('webhookUrlProblem', () => {
  it.each(['https://hooks.example.com/ases', 'http://example.com:8080/x?y=1'])(
    'takes %s',
    (url) => {
      expect(webhookUrlProblem(url)).toBeNull();
    },
  );

  it.each([
    ['ftp://example.com/', /http/],
    ['example.com/x', /http/],
    ['https://user:pw@example.com/', /user or password/],
    ['https://example.com/#frag', /fragment/],
    ['http://[bad/', /valid URL/],
    [`https://example.com/${'a'.repeat(2048)}`, /2048/],
  ])('refuses %s', (url, problem) => {
    expect(webhookUrlProblem(url)).toMatch(problem);
  });
});

describe('blockedAddressReason', () => {
  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '8.8.8.8'])(
    'lets public %s through',
    (address) => {
      expect(blockedAddressReason(address)).toBeNull();
    },
  );

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['224.0.0.1', 'multicast'],
  ])('blocks %s (%s)', (address, range) => {
    expect(blockedAddressReason(address)).toContain(range);
  });
});

describe('literalHostProblem', () => {
  it('checks IP literals, bracketed IPv6 too, and leaves names to the lookup', () => {
    expect(literalHostProblem('127.0.0.1', false)).toContain('loopback');
    expect(literalHostProblem('[::1]', false)).toContain('loopback');
    expect(literalHostProblem('localhost', false)).toBeNull();
    expect(literalHostProblem('127.0.0.1', true)).toBeNull();
  });
});

describe('guardedLookup', () => {
  const lookup = (allowPrivate: boolean, host: string, all = false) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => {
      guardedLookup(allowPrivate)(host, { all }, (error, address) => resolve({ error, address }));
    });

  it('refuses a name that resolves to a loopback address', async () => {
    const { error } = await lookup(false, 'localhost');
    expect(error?.code).toBe('ASES_BLOCKED_ADDRESS');
    expect(error?.message).toMatch(/^localhost resolves to .* loopback address$/);
  });

  it('resolves as Node does when private addresses are allowed', async () => {
    expect((await lookup(true, 'localhost')).address).toMatch(/^(127\.0\.0\.1|::1)$/);
    const all = await lookup(true, 'localhost', true);
    expect(all.address).toEqual(
      expect.arrayContaining([expect.objectContaining({ family: expect.any(Number) })]),
    );
  });

  it('passes a resolution error on', async () => {
    const { error } = await lookup(true, 'no-such-host.invalid');
    expect(error?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
