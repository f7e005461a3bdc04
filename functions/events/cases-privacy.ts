import { ContactErased } from '../../events/contacts.ts';
import { anonymiseContactCases } from '../../shared/cases/privacy.ts';
import { eraseContactDocuments } from '../../shared/documents/privacy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/**
 * An erased contact's documents go with them (or leave them, when other records keep them), and
 * their cases stay for the numbers without the person. One function for the contact centre's part
 * of an erasure: the stack is near CloudFormation's 500 resources, and each function costs nine.
 */
export const handler = eventHandler('cases-privacy', [ContactErased], async (event, ctx) => {
  const documents = await eraseContactDocuments(ctx, event.detail.contactId);
  const cases = await anonymiseContactCases(ctx, event.detail.contactId);
  ctx.logger.info('contact erased from the contact centre', { documents, cases });
});
