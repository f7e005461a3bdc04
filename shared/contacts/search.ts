import type { TenantContext } from '../platform/context.ts';
import { type Page, type QuerySpec, queryPage } from '../platform/db/repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { contactKeys } from './keys.ts';
import { toE164 } from './phones.ts';
import type { Contact, ContactSearchQuery } from './schema.ts';
import {
  contactFromItem,
  findContactIdByEmail,
  getContacts,
  listContacts,
  tenantCountry,
} from './service.ts';

/**
 * Finding people without scanning: each filter is one key condition (docs/data-model.md,
 * Contacts). Filters on the contact item itself (name, stage, owner, company) page through its
 * indexes; multi-valued ones (tag, phone, extra email, country/region) through the contact's index
 * items, whose pages are then read with one BatchGetItem. Filters combine only where one key
 * condition serves both: owner with stage.
 */
const COMBINABLE = new Set(['lifecycleStage+ownerId', 'country+region']);

export async function searchContacts(
  ctx: TenantContext,
  query: ContactSearchQuery,
  page: { limit: number; cursor?: string },
): Promise<Page<Contact>> {
  const filters = Object.keys(query).filter((k) => query[k as keyof ContactSearchQuery] !== undefined);
  if (filters.length === 0) return listContacts(ctx, page);
  if (query.region && !query.country)
    throw ValidationError.field('query.region', 'Give the country too, e.g. country=FR&region=Bretagne.');
  if (filters.length > 1 && !COMBINABLE.has([...filters].sort().join('+')))
    throw ValidationError.field(
      `query.${filters[1]}`,
      'Use one filter at a time (ownerId may go with lifecycleStage, country with region).',
    );
  const t = ctx.tenantId;
  if (query.email) {
    // One page always (the contacts with that address): a cursor from another list would be
    // taken for something it is not.
    if (page.cursor)
      throw ValidationError.field('query.cursor', 'An email lookup is one page; send it without a cursor.');
    return byEmail(ctx, query.email);
  }
  if (query.namePrefix)
    return contactsPage(
      ctx,
      {
        index: 'GSI1',
        partition: contactKeys.byName(t),
        sort: { beginsWith: query.namePrefix.toLowerCase() },
      },
      page,
    );
  if (query.ownerId)
    return contactsPage(
      ctx,
      {
        index: 'GSI3',
        partition: contactKeys.byOwner(t, query.ownerId),
        ...(query.lifecycleStage ? { sort: { beginsWith: `${query.lifecycleStage}#` } } : {}),
      },
      page,
    );
  if (query.lifecycleStage)
    return contactsPage(
      ctx,
      { index: 'GSI2', partition: contactKeys.byStage(t, query.lifecycleStage) },
      page,
    );
  if (query.companyId)
    return contactsPage(ctx, { index: 'GSI4', partition: contactKeys.byCompany(t, query.companyId) }, page);
  if (query.tag)
    return viaIndexItems(ctx, { index: 'GSI2', partition: contactKeys.byTag(t, query.tag) }, page);
  if (query.phone) {
    const country = query.phone.startsWith('+') ? undefined : await tenantCountry(ctx);
    const e164 = await toE164(query.phone, country);
    if (!e164) throw ValidationError.field('query.phone', 'Must be a valid phone number.');
    return viaIndexItems(ctx, { index: 'GSI2', partition: contactKeys.byPhone(t, e164) }, page);
  }
  return viaIndexItems(
    ctx,
    {
      index: 'GSI2',
      partition: contactKeys.byCountry(t, query.country!),
      ...(query.region ? { sort: { beginsWith: `${query.region.toLowerCase()}#` } } : {}),
    },
    page,
  );
}

/** Index partitions of the contact item project it whole: the page is the contacts. */
function contactsPage(ctx: TenantContext, spec: QuerySpec, page: { limit: number; cursor?: string }) {
  return queryPage(ctx, spec, page, contactFromItem);
}

/** Index-item pages hold contact ids: read the contacts in one batch and keep the page's order. */
async function viaIndexItems(
  ctx: TenantContext,
  spec: QuerySpec,
  page: { limit: number; cursor?: string },
): Promise<Page<Contact>> {
  const result = await queryPage(ctx, spec, page, (item) => String(item.contactId));
  return { ...result, items: await inOrder(ctx, result.items) };
}

async function inOrder(ctx: TenantContext, ids: string[]): Promise<Contact[]> {
  const found = await getContacts(ctx, ids);
  return ids.map((id) => found.get(id)).filter((c): c is Contact => c !== undefined);
}

/** Exact email: the primary email's guard, then the extra-email index (both exact, no scan). */
async function byEmail(ctx: TenantContext, email: string): Promise<Page<Contact>> {
  const primary = await findContactIdByEmail(ctx, email);
  const others = await queryPage(
    ctx,
    { index: 'GSI2', partition: contactKeys.byOtherEmail(ctx.tenantId, email) },
    { limit: 100 },
    (item) => String(item.contactId),
  );
  const ids = [...new Set([...(primary ? [primary] : []), ...others.items])];
  return { items: await inOrder(ctx, ids) };
}
