import { eventCatalog } from '../../events/index.ts';
import { WebhookEndpointDisabled } from '../../events/webhooks.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { fanOut } from '../../shared/webhooks/fanout.ts';

/**
 * Every domain event but webhooks' own becomes deliveries to the tenant's matching endpoints. The
 * alert on a disabled endpoint is loaded only when one comes: it brings the mail path, which the
 * fan-out, on every event's way, has no use for.
 */
export const handler = eventHandler('webhooks-events', [...eventCatalog.values()], async (event, ctx) => {
  if (event.type === WebhookEndpointDisabled.type) {
    const { alertAdmins } = await import('../../shared/webhooks/alerts.ts');
    await alertAdmins(ctx, WebhookEndpointDisabled.payload.parse(event.detail));
    return;
  }
  await fanOut(ctx, event.type, event.detail);
});
