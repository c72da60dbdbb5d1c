import {
  DashboardSessions,
  SESSION_TTL_SECONDS,
  cookiePathOf,
  cookieValue,
  isSameOrigin,
  sessionCookie,
} from './dashboard-session';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function sessions(keys: string[], now = NOW): DashboardSessions {
  return new DashboardSessions(keys, () => now);
}

function withCookie(token: string, method = 'GET', headers: Record<string, string> = {}) {
  return { method, headers: { cookie: `other=1; ases_dashboard=${token}`, ...headers } };
}

describe('DashboardSessions', () => {
  it('verifies a token it issued, which does not contain the key', () => {
    const token = sessions(['key-one']).issue('key-one');
    expect(sessions(['key-one']).verify(token)).toBe(true);
    expect(token).not.toContain('key-one');
    expect(token).toMatch(/^v1\.[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a token signed with any configured key, and none once that key is gone', () => {
    const token = sessions(['old', 'new']).issue('old');
    expect(sessions(['new', 'old']).verify(token)).toBe(true);
    expect(sessions(['new']).verify(token)).toBe(false);
  });

  it('refuses an expired token', () => {
    const token = sessions(['k']).issue('k');
    expect(sessions(['k'], NOW + (SESSION_TTL_SECONDS - 1) * 1000).verify(token)).toBe(true);
    expect(sessions(['k'], NOW + SESSION_TTL_SECONDS * 1000).verify(token)).toBe(false);
  });

  it('refuses forged, altered or malformed tokens', () => {
    const token = sessions(['k']).issue('k');
    const [v, expiry, nonce, mac] = token.split('.');
    const later = (parseInt(expiry, 36) + 86_400).toString(36);
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    for (const bad of [
      `${v}.${later}.${nonce}.${mac}`,
      `${v}.${expiry}.${nonce}.${flipped}`,
      `${v}.${expiry}.${'A'.repeat(16)}.${mac}`,
      `v2.${expiry}.${nonce}.${mac}`,
      `${token}x`,
      '',
      'k',
    ]) {
      expect([bad, sessions(['k']).verify(bad)]).toEqual([bad, false]);
    }
    expect(sessions(['k']).verify(undefined)).toBe(false);
  });

  it('grants safe methods, and unsafe ones only from the same origin', () => {
    const s = sessions(['k']);
    const token = s.issue('k');
    expect(s.access(withCookie(token))).toBe('granted');
    expect(s.access(withCookie(token, 'POST', { 'sec-fetch-site': 'same-origin' }))).toBe(
      'granted',
    );
    expect(s.access(withCookie(token, 'POST', { 'sec-fetch-site': 'same-site' }))).toBe(
      'cross-site',
    );
    expect(s.access(withCookie(token, 'DELETE'))).toBe('cross-site');
    expect(s.access(withCookie('forged', 'POST'))).toBe('none');
    expect(s.access({ method: 'GET', headers: {} })).toBe('none');
  });
});

describe('isSameOrigin', () => {
  it('trusts Sec-Fetch-Site, else compares Origin with Host', () => {
    expect(isSameOrigin({ headers: { 'sec-fetch-site': 'same-origin' } })).toBe(true);
    expect(isSameOrigin({ headers: { 'sec-fetch-site': 'cross-site', origin: 'http://a' } })).toBe(
      false,
    );
    expect(
      isSameOrigin({ headers: { origin: 'http://ases.test:3000', host: 'ases.test:3000' } }),
    ).toBe(true);
    expect(isSameOrigin({ headers: { origin: 'http://evil.test', host: 'ases.test' } })).toBe(
      false,
    );
    expect(isSameOrigin({ headers: { origin: 'null', host: 'ases.test' } })).toBe(false);
    expect(isSameOrigin({ headers: { host: 'ases.test' } })).toBe(false);
  });
});

describe('cookies', () => {
  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; ases_dashboard=v1.x ; b=2', 'ases_dashboard')).toBe('v1.x');
    expect(cookieValue('xases_dashboard=1', 'ases_dashboard')).toBeUndefined();
    expect(cookieValue(undefined, 'ases_dashboard')).toBeUndefined();
  });

  it('scopes the cookie to the folder ases is mounted at', () => {
    expect(cookiePathOf('/dashboard/session', '/dashboard/session')).toBe('/');
    expect(cookiePathOf('/ops/mail/dashboard/session', '/dashboard/session')).toBe('/ops/mail/');
    expect(cookiePathOf('/Ops/DASHBOARD/session/', '/dashboard/session')).toBe('/Ops/');
    expect(cookiePathOf('/a;b/dashboard/session', '/dashboard/session')).toBe('/');
  });

  it('sets an HttpOnly, SameSite=Strict cookie, Secure over https, and clears it', () => {
    expect(sessionCookie('tok', { path: '/ops/', secure: true })).toBe(
      `ases_dashboard=tok; Path=/ops/; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Strict; Secure`,
    );
    expect(sessionCookie(null, { path: '/', secure: false })).toBe(
      'ases_dashboard=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
    );
  });
});
