import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './openapi';
import { guardRequestBodies } from './core/request-body.gate';
import { serveTrackingFirst } from './tracking/serve-tracking-first';

/**
 * The HTTP set-up of the standalone service (and of the tests that stand in for it). Request
 * bodies are read by `guardRequestBodies` before Express sees the request (API key first, then
 * type, size, time and depth limits); Express's own body parsers find them read and stay idle.
 * `docs` false leaves out the OpenAPI description.
 */
export function configureHttp(
  app: NestExpressApplication,
  { trustProxyHops = 0, docs = true } = {},
): void {
  // The client IP the tracking classifier sees (Apple's proxy range) comes from X-Forwarded-For
  // only through proxies the operator says are there; a client could write the header itself.
  if (trustProxyHops > 0) {
    app.set('trust proxy', trustProxyHops);
  }
  guardRequestBodies(app);
  // Installed after the gate, so it sees a tracking request first: those carry no body.
  serveTrackingFirst(app, { trustProxyHops });
  // Off (DOCS_ENABLED=false), /docs and /docs-json are not routes at all: a 404 like any other.
  if (docs) {
    setupOpenApi(app);
  }
}
