import { ContactErased } from '../../events/contacts.ts';
import { anonymiseContactCases } from '../../shared/cases/privacy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** An erased contact's cases stay for the numbers and lose the person. */
export const handler = eventHandler('cases-privacy', [ContactErased], async (event, ctx) => {
  const cases = await anonymiseContactCases(ctx, event.detail.contactId);
  ctx.logger.info('contact cases anonymised', { cases });
});
