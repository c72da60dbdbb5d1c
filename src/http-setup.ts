import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './openapi';
import { serveTrackingFirst } from './tracking/serve-tracking-first';

/** Largest JSON request body: a batch of up to 500 messages. */
export const BODY_LIMIT = '10mb';

/** The HTTP set-up of the standalone service (and of the tests that stand in for it). */
export function configureHttp(app: NestExpressApplication, { trustProxyHops = 0 } = {}): void {
  app.useBodyParser('json', { limit: BODY_LIMIT });
  // The client IP the tracking classifier sees (Apple's proxy range) comes from X-Forwarded-For
  // only through proxies the operator says are there; a client could write the header itself.
  if (trustProxyHops > 0) {
    app.set('trust proxy', trustProxyHops);
  }
  serveTrackingFirst(app, { trustProxyHops });
  setupOpenApi(app);
}
