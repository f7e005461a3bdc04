import { TenantCreated } from '../../events/tenancy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { createDefaultPipeline } from '../../shared/sales/pipelines.ts';

/** A new tenant gets a default pipeline, so its first lead conversion has one to open a deal in. */
export const handler = eventHandler('sales-setup', [TenantCreated], async (_event, ctx) => {
  await createDefaultPipeline(ctx);
});
