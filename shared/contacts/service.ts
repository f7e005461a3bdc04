import { ContactCreated, ContactUpdated } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  getItems,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { contactKeys } from './keys.ts';
import type { Contact, ContactCreate, ContactUpdate } from './schema.ts';

const toContact = (item: Record<string, unknown>) => {
  const contact = withoutKeys<Contact>(item);
  return { ...contact, tags: [...((item.tags as Iterable<string> | undefined) ?? [])].sort() };
};

const emailTaken = (email: string) => (existing: Record<string, unknown> | undefined) =>
  new ConflictError(`A contact with email ${email} already exists.`, {
    email,
    ...(existing?.contactId ? { existingContactId: existing.contactId } : {}),
  });

function indexAttributes(contact: Pick<Contact, 'id' | 'firstName' | 'lastName'>, ctx: TenantContext) {
  return {
    GSI1PK: contactKeys.byName(ctx.tenantId),
    GSI1SK: contactKeys.nameSort(contact.lastName, contact.firstName, contact.id),
  };
}

export async function createContact(ctx: TenantContext, input: ContactCreate): Promise<Contact> {
  const uow = unitOfWork(ctx);
  const contact = createContactInto(uow, ctx, input);
  await uow.commit();
  return contact;
}

/** Adds a new contact to the unit of work, for changes that create a contact among other things. */
export function createContactInto(uow: UnitOfWork, ctx: TenantContext, input: ContactCreate): Contact {
  const now = ctx.clock.now().toISOString();
  const contact: Contact = {
    id: newId(),
    ...input,
    tags: [...new Set(input.tags)].sort(),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  uow.put(
    {
      ...contactKeys.contact(ctx.tenantId, contact.id),
      entity: 'Contact',
      ...contact,
      ...indexAttributes(contact, ctx),
    },
    { condition: notExists },
  );
  if (contact.email) {
    uow.put(
      { ...contactKeys.email(ctx.tenantId, contact.email), entity: 'ContactEmail', contactId: contact.id },
      { condition: notExists, onConditionFailed: emailTaken(contact.email) },
    );
  }
  uow.publish(ContactCreated, {
    contactId: contact.id,
    lifecycleStage: contact.lifecycleStage,
    ...(contact.ownerId ? { ownerId: contact.ownerId } : {}),
    ...(contact.email ? { email: contact.email } : {}),
  });
  return contact;
}

export async function getContact(ctx: TenantContext, id: string): Promise<Contact> {
  const item = await getItem(ctx, contactKeys.contact(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Contact', id);
  return toContact(item);
}

/** Several contacts in one round trip; unknown ids are simply absent from the result. */
export async function getContacts(ctx: TenantContext, ids: string[]): Promise<Map<string, Contact>> {
  const items = await getItems(
    ctx,
    [...new Set(ids)].map((id) => contactKeys.contact(ctx.tenantId, id)),
  );
  return new Map(items.map((item) => [String(item.id), toContact(item)]));
}

export async function findContactIdByEmail(ctx: TenantContext, email: string): Promise<string | undefined> {
  const guard = await getItem(ctx, contactKeys.email(ctx.tenantId, email));
  return guard ? String(guard.contactId) : undefined;
}

export async function listContacts(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Contact>> {
  return queryPage(ctx, { index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) }, page, toContact);
}

export async function updateContact(
  ctx: TenantContext,
  id: string,
  input: ContactUpdate,
  ifMatch?: number | 'any',
): Promise<Contact> {
  const current = await getContact(ctx, id);
  if (typeof ifMatch === 'number' && ifMatch !== current.version) throw new PreconditionFailedError();
  const next: Contact = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else
      (next as Record<string, unknown>)[field] =
        field === 'tags' ? [...new Set(value as string[])].sort() : value;
  }
  const fields = Object.keys(input).filter(
    (f) =>
      JSON.stringify((current as Record<string, unknown>)[f]) !==
      JSON.stringify((next as Record<string, unknown>)[f]),
  );
  if (fields.length === 0) return current;
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(contactKeys.contact(ctx.tenantId, id), {
    set: {
      ...set,
      email: next.email,
      companyId: next.companyId,
      ownerId: next.ownerId,
      ...indexAttributes(next, ctx),
    },
    bumpVersion: true,
    condition: and(exists, hasVersion(current.version)),
    onConditionFailed: () => new PreconditionFailedError(),
  });
  if (fields.includes('email')) {
    if (current.email) uow.delete(contactKeys.email(ctx.tenantId, current.email));
    if (next.email) {
      uow.put(
        { ...contactKeys.email(ctx.tenantId, next.email), entity: 'ContactEmail', contactId: id },
        { condition: notExists, onConditionFailed: emailTaken(next.email) },
      );
    }
  }
  uow.publish(ContactUpdated, {
    contactId: id,
    fields,
    lifecycleStage: next.lifecycleStage,
    ...(next.ownerId ? { ownerId: next.ownerId } : {}),
  });
  await uow.commit();
  return next;
}
