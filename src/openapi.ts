import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI description of ases's endpoints at `/<path>` (and `/<path>-json`). */
export function setupOpenApi(app: INestApplication, path = 'docs'): void {
  const config = new DocumentBuilder()
    .setTitle('ases')
    .setDescription(
      'Send email through Amazon SES at a controlled rate and follow every message: queued, ' +
        'pushed, delivered, bounced, complained, opened.',
    )
    .setVersion('1')
    // An opaque key compared as is, not a JWT: `bearerFormat` is only a hint, but clients and
    // generators show it.
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description:
        'An API key: one of API_KEYS (apiKeys in AsesModule), sent as ' +
        '`Authorization: Bearer <key>`. Not a JWT.',
    })
    .build();
  SwaggerModule.setup(path, app, () => SwaggerModule.createDocument(app, config));
}
