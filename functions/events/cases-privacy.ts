import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { anonymiseContactCases, moveContactCases } from '../../shared/cases/privacy.ts';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { eraseContactDocuments, moveContactDocuments } from '../../shared/documents/privacy.ts';
import type { TenantContext } from '../../shared/platform/context.ts';
import { getItem } from '../../shared/platform/db/repository.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Whether the contact was erased (the tombstone its erasure leaves). */
const erasedContact = async (ctx: TenantContext, contactId: string) =>
  (await getItem(ctx, contactKeys.erasure(ctx.tenantId, contactId), { consistent: true })) !== undefined;

/**
 * An erased contact's documents go with them (or leave them, when other records keep them), and
 * their cases stay for the numbers without the person; a merged contact's move to the kept one. One function for the contact centre's part
 * of an erasure: the stack is near CloudFormation's 500 resources, and each function costs nine.
 */
export const handler = eventHandler('cases-privacy', [ContactErased, ContactsMerged], async (event, ctx) => {
  if (event.type === 'ContactsMerged') {
    // The duplicate's documents and cases follow it into the kept contact, so that the kept
    // contact's erasure reaches them too.
    const { contactId, mergedContactId } = event.detail;
    // Events arrive in any order: a kept contact erased before this move takes the moved ones too.
    if (await erasedContact(ctx, contactId)) {
      const documents = await eraseContactDocuments(ctx, mergedContactId);
      const cases = await anonymiseContactCases(ctx, mergedContactId);
      ctx.logger.info('merged into an erased contact: erased from the contact centre', { documents, cases });
      return;
    }
    const documents = await moveContactDocuments(ctx, mergedContactId, contactId);
    const cases = await moveContactCases(ctx, mergedContactId, contactId);
    ctx.logger.info('merged contact moved in the contact centre', { documents, cases });
    return;
  }
  const documents = await eraseContactDocuments(ctx, event.detail.contactId);
  const cases = await anonymiseContactCases(ctx, event.detail.contactId);
  ctx.logger.info('contact erased from the contact centre', { documents, cases });
});
