import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { eraseSalesRecords, mergeSalesRecords } from '../../shared/sales/contact-changes.ts';

/** Each step is conditioned on the record still naming the contact: a redelivery changes nothing more. */
export const handler = eventHandler('sales-contacts', [ContactsMerged, ContactErased], async (event, ctx) => {
  if (event.type === 'ContactsMerged')
    await mergeSalesRecords(ctx, event.detail.contactId, event.detail.mergedContactId);
  else await eraseSalesRecords(ctx, event.detail.contactId);
});
