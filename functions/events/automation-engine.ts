import { eventCatalog } from '../../events/index.ts';
import { handleEvent } from '../../shared/automation/engine.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Every domain event of the catalog; the engine looks up the tenant's rules for its type. */
export const handler = eventHandler('automation-engine', [...eventCatalog.values()], async (event, ctx) => {
  await handleEvent(ctx, event.type, event.detail);
});
