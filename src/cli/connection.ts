import { UsageError } from './cli-errors';

/** Where the CLI talks to when neither `--url` nor `ASES_URL` says. */
export const DEFAULT_URL = 'http://localhost:3000';
/** The API key of the service on its local stack (`npm start`), see README _Quick start_. */
export const LOCAL_DEV_KEY = 'local-dev-key';

/** The server and key a command uses, and a note for stderr when the key was assumed. */
export interface Connection {
  url: URL;
  key: string;
  note?: string;
}

/**
 * The server from `--url`, else `ASES_URL`, else `http://localhost:3000`; the key from `--key`,
 * else `ASES_API_KEY`. Without either key, a loopback server is tried with the local stack's key
 * (saying so on stderr), since that is what `npm start` runs with; any other server needs a key.
 */
export function resolveConnection(
  flags: { url?: string; key?: string },
  env: Record<string, string | undefined>,
): Connection {
  const text = flags.url ?? nonEmpty(env.ASES_URL) ?? DEFAULT_URL;
  const source = flags.url !== undefined ? '--url' : nonEmpty(env.ASES_URL) ? 'ASES_URL' : 'url';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${source} "${text}" is not a URL such as http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} "${text}" must be an http:// or https:// URL`);
  }
  const key = flags.key ?? nonEmpty(env.ASES_API_KEY);
  if (key !== undefined) {
    return { url, key };
  }
  if (isLoopback(url.hostname)) {
    return {
      url,
      key: LOCAL_DEV_KEY,
      note: `note: no --key or ASES_API_KEY; using the local stack's key "${LOCAL_DEV_KEY}"`,
    };
  }
  throw new UsageError(`no API key for ${url.origin}: give --key <key> or set ASES_API_KEY`);
}

/** Whether a URL's hostname is this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
