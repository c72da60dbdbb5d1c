import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import proxyAddr from 'proxy-addr';
import { TrackingRequestHandler } from './tracking-request.handler';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Serves the pixel and link endpoints straight from the HTTP server, before the web framework
 * sees the request: its routing, middleware and per-request objects cost more than the tracking
 * itself, and these are the endpoints a campaign's readers load by the thousand a second
 * (measured in docs/benchmarks.md). Every other request goes on to the framework unchanged.
 * The same handler serves them through `TrackingController` when this is not installed.
 * `trustProxyHops`: reverse proxies whose `X-Forwarded-For` gives the client IP, as Express's
 * `trust proxy` counts them. Call after the app is created, before `listen`.
 */
export function serveTrackingFirst(
  app: INestApplication,
  { trustProxyHops = 0 }: { trustProxyHops?: number } = {},
): void {
  const server = app.getHttpServer() as Server;
  const handler = app.get(TrackingRequestHandler);
  // As Express's `trust proxy` with a number: the first `trustProxyHops` hops are proxies.
  const trust = (_address: string, hop: number): boolean => hop < trustProxyHops;
  const clientIp = (request: IncomingMessage): string => proxyAddr(request, trust);
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (handler.route(request, response, clientIp)) {
      return;
    }
    for (const listener of framework) {
      listener.call(server, request, response);
    }
  });
}
