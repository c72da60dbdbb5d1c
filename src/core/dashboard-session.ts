import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'ases_dashboard';
/** How long a dashboard session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const TOKEN_PATTERN = /^v1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the session check needs of a request (Express's and Node's requests have it). */
export interface SessionRequest {
  method?: string;
  headers: IncomingHttpHeaders;
}

/** How a request stands with respect to a dashboard session. */
export type SessionAccess =
  /** No session cookie, or one that is forged, expired or signed by a key no longer configured. */
  | 'none'
  /** A valid session, on a safe method or from the dashboard's own origin. */
  | 'granted'
  /** A valid session, but an unsafe method sent from another site (or without saying where from). */
  | 'cross-site';

/**
 * The dashboard's sessions, stateless: a token is `v1.<expiry>.<nonce>.<mac>`, the MAC an
 * HMAC-SHA256 keyed from one of the API keys, so that removing or changing a key ends the sessions
 * signed in with it. The token never contains the key.
 */
export class DashboardSessions {
  // Derived once: the API key itself never keys the MAC, so a leaked token tells nothing of it.
  private readonly macKeys: Buffer[];

  constructor(
    apiKeys: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.macKeys = apiKeys.map((key) =>
      createHmac('sha256', key).update('ases dashboard session v1').digest(),
    );
  }

  /** A token for a session signed in with `apiKey` (one of the keys), valid for the TTL. */
  issue(apiKey: string): string {
    const macKey = createHmac('sha256', apiKey).update('ases dashboard session v1').digest();
    const expiry = Math.floor(this.now() / 1000) + SESSION_TTL_SECONDS;
    const body = `v1.${expiry.toString(36)}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${mac(macKey, body)}`;
  }

  /** Whether `token` is a session token signed with one of the keys and not yet expired. */
  verify(token: string | undefined): boolean {
    const match = token === undefined ? null : TOKEN_PATTERN.exec(token);
    if (match === null) {
      return false;
    }
    const expiry = parseInt(match[1], 36);
    if (!(expiry * 1000 > this.now())) {
      return false;
    }
    const body = token!.slice(0, token!.lastIndexOf('.'));
    const given = Buffer.from(match[3], 'ascii');
    let valid = false;
    for (const key of this.macKeys) {
      valid = timingSafeEqual(given, Buffer.from(mac(key, body), 'ascii')) || valid;
    }
    return valid;
  }

  /**
   * Whether `request` carries a valid session cookie, and may use it: a state-changing request
   * must also come from the page's own origin. SameSite=Strict already keeps the cookie off
   * cross-site requests; this holds where SameSite does not (same site, other origin: a sibling
   * subdomain).
   */
  access(request: SessionRequest): SessionAccess {
    if (!this.verify(cookieValue(request.headers.cookie, SESSION_COOKIE))) {
      return 'none';
    }
    if (SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) || isSameOrigin(request)) {
      return 'granted';
    }
    return 'cross-site';
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64url');
}

/** The value of cookie `name` in a `Cookie` header, or undefined (the first one when repeated). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      return part.slice(at + 1).trim();
    }
  }
  return undefined;
}

/**
 * Whether the browser says the request comes from the same origin: `Sec-Fetch-Site:
 * same-origin`, or, from a browser that sends no Fetch Metadata, an `Origin` whose host is the
 * request's `Host`. A request with neither (not a browser's) is not.
 */
export function isSameOrigin(request: SessionRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    return site === 'same-origin';
  }
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') {
    return false;
  }
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** Where the session cookie is sent: the folder ases's routes are in (`/`, or a host's prefix). */
export function cookiePathOf(requestPath: string, routePath: string): string {
  const at = requestPath.toLowerCase().lastIndexOf(routePath.toLowerCase());
  const base = at < 0 ? '' : requestPath.slice(0, at);
  // A prefix is the host's own route; anything a cookie attribute could not carry falls back to /.
  return /^[A-Za-z0-9/_.~%-]*$/.test(base) ? `${base}/` : '/';
}

/** The `Set-Cookie` value that stores `token`, or with `token` null, clears the cookie. */
export function sessionCookie(
  token: string | null,
  { path, secure }: { path: string; secure: boolean },
): string {
  const parts = [
    `${SESSION_COOKIE}=${token ?? ''}`,
    `Path=${path}`,
    `Max-Age=${token === null ? 0 : SESSION_TTL_SECONDS}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) {
    parts.push('Secure');
  }
  return parts.join('; ');
}
