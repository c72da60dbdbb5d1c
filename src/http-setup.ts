import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './openapi';

/** Largest JSON request body: a batch of up to 500 messages. */
export const BODY_LIMIT = '10mb';

/** The HTTP set-up of the standalone service (and of the tests that stand in for it). */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: BODY_LIMIT });
  setupOpenApi(app);
}
