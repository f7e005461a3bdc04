import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { anonymiseContactCases, moveContactCases } from '../../shared/cases/privacy.ts';
import { contactBecame } from '../../shared/contacts/tombstones.ts';
import { eraseContactDocuments, moveContactDocuments } from '../../shared/documents/privacy.ts';
import type { TenantContext } from '../../shared/platform/context.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/**
 * An erased contact's documents go with them (or leave them, when other records keep them), and
 * their cases stay for the numbers without the person; a merged contact's follow it into the
 * contact it became. One function for the contact centre's part of an erasure: the stack is near
 * CloudFormation's 500 resources, and each function costs nine.
 */
export const handler = eventHandler('cases-privacy', [ContactErased, ContactsMerged], async (event, ctx) => {
  if (event.type === 'ContactsMerged') {
    const { contactId, mergedContactId } = event.detail;
    const to = await contactBecame(ctx, contactId);
    if (!to.erased) {
      const documents = await moveContactDocuments(ctx, mergedContactId, to.id);
      const cases = await moveContactCases(ctx, mergedContactId, to.id);
      ctx.logger.info('merged contact moved in the contact centre', { documents, cases });
      // An erasure of the destination may have swept it while these were moving: look again.
      if (!(await contactBecame(ctx, to.id)).erased) return;
      await eraseFromContactCentre(ctx, to.id);
      return;
    }
    // Merged into a contact erased since: the duplicate's records go as that contact's did.
    await eraseFromContactCentre(ctx, mergedContactId);
    return;
  }
  await eraseFromContactCentre(ctx, event.detail.contactId);
});

async function eraseFromContactCentre(ctx: TenantContext, contactId: string): Promise<void> {
  const documents = await eraseContactDocuments(ctx, contactId);
  const cases = await anonymiseContactCases(ctx, contactId);
  ctx.logger.info('contact erased from the contact centre', { documents, cases });
}
