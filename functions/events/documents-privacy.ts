import { ContactErased } from '../../events/contacts.ts';
import { eraseContactDocuments } from '../../shared/documents/privacy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** An erased contact's documents go with them (or leave them, when other records keep them). */
export const handler = eventHandler('documents-privacy', [ContactErased], async (event, ctx) => {
  const erased = await eraseContactDocuments(ctx, event.detail.contactId);
  ctx.logger.info('contact documents erased', { documents: erased });
});
