import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import {
  getDelivery,
  listDeliveries,
  replayDelivery,
  replayRange,
  sendTestEvent,
} from '../../shared/webhooks/deliveries.ts';
import {
  createEndpoint,
  deleteEndpoint,
  eventTypeCatalog,
  getEndpoint,
  listEndpoints,
  revealSecret,
  rotateSecret,
  updateEndpoint,
} from '../../shared/webhooks/endpoints.ts';
import { webhookRoutes } from '../app/webhooks.ts';

export const handler = httpHandler(webhookRoutes, {
  createEndpoint: ({ ctx, body }) => createEndpoint(ctx, body),
  listEndpoints: ({ ctx, query }) => listEndpoints(ctx, query),
  getEndpoint: ({ ctx, params }) => getEndpoint(ctx, params.id),
  updateEndpoint: ({ ctx, params, body, ifMatch }) => updateEndpoint(ctx, params.id, body, ifMatch),
  deleteEndpoint: async ({ ctx, params }) => {
    await deleteEndpoint(ctx, params.id);
    return noContent();
  },
  getSecret: ({ ctx, params }) => revealSecret(ctx, params.id),
  rotateSecret: ({ ctx, params, body }) => rotateSecret(ctx, params.id, body),
  sendTest: ({ ctx, params }) => sendTestEvent(ctx, params.id),
  listDeliveries: ({ ctx, params, query }) => listDeliveries(ctx, params.id, query),
  getDelivery: ({ ctx, params }) => getDelivery(ctx, params.id, params.deliveryId),
  replayDelivery: ({ ctx, params }) => replayDelivery(ctx, params.id, params.deliveryId),
  replayRange: ({ ctx, params, body }) => replayRange(ctx, params.id, body),
  listEventTypes: async () => eventTypeCatalog(),
});
