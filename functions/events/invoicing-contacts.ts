import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { eraseInvoicingRecords, mergeInvoicingRecords } from '../../shared/invoicing/contact-changes.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Each change is conditioned on the invoice or profile still being as the event found it: redelivery is harmless. */
export const handler = eventHandler(
  'invoicing-contacts',
  [ContactsMerged, ContactErased],
  async (event, ctx) => {
    if (event.type === 'ContactsMerged')
      await mergeInvoicingRecords(ctx, event.detail.contactId, event.detail.mergedContactId);
    else await eraseInvoicingRecords(ctx, event.detail.contactId);
  },
);
