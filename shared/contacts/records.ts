import type { TenantContext } from '../platform/context.ts';
import { getItem, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { companyKeys, contactKeys } from './keys.ts';
import type { Company, Contact } from './schema.ts';

// Apart from the services so that readers of contacts and companies elsewhere (the marketing
// senders, invoicing, sales) do not load the whole contacts service, its schemas and its events
// at cold start.

/** A stored contact item as the API shows it (defaults for fields older items lack). */
export const contactFromItem = (item: Record<string, unknown>): Contact => {
  const contact = withoutKeys<Contact & { mergingInto?: string; pendingMerges?: number }>(item);
  delete contact.mergingInto;
  delete contact.pendingMerges;
  return {
    ...contact,
    emails: contact.emails ?? [],
    phones: contact.phones ?? [],
    addresses: contact.addresses ?? [],
    customFields: contact.customFields ?? {},
    tags: [...((item.tags as Iterable<string> | undefined) ?? [])].sort(),
  };
};

export async function getContact(ctx: TenantContext, id: string): Promise<Contact> {
  const item = await getItem(ctx, contactKeys.contact(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Contact', id);
  return contactFromItem(item);
}

/** The stored contact item, for services that need its storage-only attributes. */
export async function getContactItem(ctx: TenantContext, id: string, consistent = false) {
  const item = await getItem(ctx, contactKeys.contact(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Contact', id);
  return item;
}

export const toCompany = (item: Record<string, unknown>) => withoutKeys<Company>(item);

export async function getCompany(ctx: TenantContext, id: string): Promise<Company> {
  const item = await getItem(ctx, companyKeys.company(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Company', id);
  return toCompany(item);
}
