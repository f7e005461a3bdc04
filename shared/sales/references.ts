import type { Contact } from '../contacts/schema.ts';
import type { TenantContext } from '../platform/context.ts';
import { NotFoundError, UnknownReferenceError, ValidationError } from '../platform/errors.ts';
import { localDate } from '../platform/time.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import type { Member, Tenant } from '../tenancy/schema.ts';

/**
 * Records a request body refers to (a contact, a member, a company) must exist in the caller's
 * tenant: a missing one is a 422 on that field, so another tenant's id reads like a typo, never
 * like a resource that exists elsewhere (as platform/references.ts answers for declared ones).
 */
async function orInvalid<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NotFoundError) throw UnknownReferenceError.field(path, error.message);
    throw error;
  }
}

// The contacts service and companies (with their events) load when a write names a contact or a
// company, not with every function that checks references.
const contactReads = () => import('./contact-reads.ts');

export function existingContact(ctx: TenantContext, id: string, path: string): Promise<Contact> {
  return orInvalid(path, async () => (await contactReads()).getContact(ctx, id));
}

export async function existingContacts(ctx: TenantContext, ids: string[], path: string): Promise<void> {
  if (ids.length === 0) return;
  const found = await (await contactReads()).getContacts(ctx, ids);
  const index = ids.findIndex((id) => !found.has(id));
  if (index >= 0)
    throw UnknownReferenceError.field(`${path}.${index}`, `Contact ${ids[index]} was not found.`);
}

export async function existingCompany(ctx: TenantContext, id: string, path: string): Promise<void> {
  await orInvalid(path, async () => (await contactReads()).getCompany(ctx, id));
}

/** Work can only go to an active member. */
export async function activeMember(ctx: TenantContext, id: string, path: string): Promise<Member> {
  const member = await orInvalid(path, () => getMember(ctx, id));
  if (member.status !== 'active') throw ValidationError.field(path, `Member ${id} is deactivated.`);
  return member;
}

/** The calling member, when a member is calling (not a job or an event consumer). */
export function callerId(ctx: TenantContext): string | undefined {
  return ctx.actor.type === 'member' ? ctx.actor.memberId : undefined;
}

export interface TenantToday {
  tenant: Tenant;
  /** Today's date in the tenant's time zone. */
  today: string;
}

export async function tenantToday(ctx: TenantContext): Promise<TenantToday> {
  const tenant = await getTenant(ctx);
  return { tenant, today: localDate(ctx.clock.now(), tenant.timeZone) };
}
