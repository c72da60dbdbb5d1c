/**
 * Largest body a one-click unsubscribe POST may carry. RFC 8058's is `List-Unsubscribe=One-Click`
 * (26 bytes); ases never reads it, so anything a few KB long is taken, whatever its type.
 */
export const MAX_UNSUBSCRIBE_BODY_BYTES = 4 * 1024;

// `/u/<token>`: one path segment, as Express routes it (case-insensitive, optional trailing slash).
const ONE_CLICK_PATH = /^\/u\/[^/]+\/?$/i;

/**
 * Whether a request is a one-click unsubscribe (`POST /u/<token>`, path without the query). Mail
 * providers post it as `application/x-www-form-urlencoded`, some as another type or with no body:
 * a request gate lets its body through unparsed instead of asking for JSON.
 */
export function isOneClickPost(method: string | undefined, path: string): boolean {
  return method === 'POST' && ONE_CLICK_PATH.test(path);
}
