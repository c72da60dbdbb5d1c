import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

// The page server's port, and every browser test's (re-exported for them).
export { freePort } from './free-port';

/** Debian's Chromium, which the browser e2e tests drive (no browser download). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for headless Chromium on a closed network: without the background-networking ones it
 * waits on update and sync servers it cannot reach.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium with a fresh temporary profile (Playwright's own, removed on
 * close). Fails, never skips, when Chromium is not installed.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the browser e2e tests need it. ` +
        'Install it with `apt-get install chromium` (as root), or run `bash scripts/ensure-chromium.sh`.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A request the page server answered. */
export interface ServedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  userAgent?: string;
}

/** A small HTTP server on 127.0.0.1 that answers fixed pages by path, and logs each request. */
export interface PageServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request so far, oldest first. */
  requests: ServedRequest[];
  /** Serves `html` at `path` (exact path, any query) from now on. */
  setPage(path: string, html: string): void;
  close(): Promise<void>;
}

/** Starts a {@link PageServer}; unknown paths get 404. */
export async function startPageServer(): Promise<PageServer> {
  const pages = new Map<string, string>();
  const requests: ServedRequest[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/';
    requests.push({ method: request.method ?? '', url, userAgent: request.headers['user-agent'] });
    const page = pages.get(new URL(url, 'http://localhost').pathname);
    if (page === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    response
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    setPage: (path, html) => {
      pages.set(path, html);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
