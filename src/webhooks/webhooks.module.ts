import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookHttpClient } from './webhook.http-client';
import { WebhookRepository } from './webhook.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Signed webhooks: `/v1/webhooks`, and the delivery of every ases event to the endpoints that
 * subscribed to it, signed as Standard Webhooks specifies (with the `standardwebhooks` package,
 * the specification's own library), through a delivery queue in Redis that the fleet shares.
 */
@Module({
  providers: [
    WebhookRepository,
    WebhookDeliveryRepository,
    WebhookHttpClient,
    WebhooksService,
    WebhookDispatcher,
    ApiKeyGuard,
  ],
  exports: [WebhooksService, WebhookDispatcher],
})
export class WebhooksModule {}
