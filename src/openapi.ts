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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'One of API_KEYS' })
    .build();
  SwaggerModule.setup(path, app, () => SwaggerModule.createDocument(app, config));
}
