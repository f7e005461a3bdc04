import { withoutKeys } from '../platform/db/repository.ts';
import type { Contact } from './schema.ts';

// Apart from the service so that readers of contact items elsewhere (the marketing senders) do not
// bundle the whole contacts service.

/** A stored contact item as the API shows it (defaults for fields older items lack). */
export const contactFromItem = (item: Record<string, unknown>): Contact => {
  const contact = withoutKeys<Contact & { mergingInto?: string }>(item);
  delete contact.mergingInto;
  return {
    ...contact,
    emails: contact.emails ?? [],
    phones: contact.phones ?? [],
    addresses: contact.addresses ?? [],
    customFields: contact.customFields ?? {},
    tags: [...((item.tags as Iterable<string> | undefined) ?? [])].sort(),
  };
};
