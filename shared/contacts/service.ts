import { ContactCreated, ContactUpdated } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, type Condition, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  type FieldIssue,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { defaultOwnerId } from '../platform/owner.ts';
import { checkCustomFields, checkCustomFieldsSize, listCustomFields } from './fields.ts';
import { fieldChanges, recordHistoryInto } from './history.ts';
import { contactKeys } from './keys.ts';
import { type PhoneNormalizer, phoneNormalizer } from './phones.ts';
import { contactFromItem, getContact } from './records.ts';
import type {
  Contact,
  ContactCreate,
  ContactUpdate,
  CustomFieldDefinition,
  CustomFieldValue,
  MarketingConsent,
  Phone,
} from './schema.ts';

const emailTaken = (email: string) => (existing: Record<string, unknown> | undefined) =>
  new ConflictError(`A contact with email ${email} already exists.`, {
    email,
    ...(existing?.contactId ? { existingContactId: existing.contactId } : {}),
  });

/** The fields a change history and a privacy export speak about. */
export const CONTACT_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'emails',
  'phones',
  'addresses',
  'companyId',
  'ownerId',
  'lifecycleStage',
  'bestTimeToCall',
  'tags',
  'customFields',
  'marketingConsent',
  'demographics',
  'locale',
] as const;

/** What a contact write needs beyond its input: the default phone country and custom fields. */
export interface ContactWriteContext {
  /** Country of numbers typed without a country code when the contact has no address. */
  defaultCountry?: string;
  definitions?: CustomFieldDefinition[];
  /** The phone library, loaded only for a write that carries phone numbers (phones.ts). */
  toE164?: PhoneNormalizer;
  /** The values come from stored contacts (a merge): they were checked when written. */
  trusted?: boolean;
}

/** Loads what `createContactInto`/`applyContactChange` need for this input, and nothing more. */
export async function contactWriteContext(
  ctx: TenantContext,
  input: Pick<ContactUpdate, 'phones' | 'customFields'>,
): Promise<ContactWriteContext> {
  const needsCountry = input.phones?.some((p) => !p.number.startsWith('+'));
  const needsFields = input.customFields && Object.keys(input.customFields).length > 0;
  const [defaultCountry, definitions, toE164] = await Promise.all([
    needsCountry ? tenantCountry(ctx) : undefined,
    needsFields ? listCustomFields(ctx) : undefined,
    input.phones?.length ? phoneNormalizer() : undefined,
  ]);
  return {
    ...(defaultCountry ? { defaultCountry } : {}),
    ...(definitions ? { definitions } : {}),
    ...(toE164 ? { toE164 } : {}),
  };
}

/**
 * The country of numbers typed without a country code: the tenant's address. The tenancy module
 * loads on this path only, not at the cold start of every function that reads or writes contacts.
 */
export async function tenantCountry(ctx: TenantContext): Promise<string> {
  return (await import('./tenant-country.ts')).tenantCountry(ctx);
}

function normalizePhones(
  phones: Array<{ number: string; type: Phone['type'] }>,
  country: string | undefined,
  path: string,
  write: ContactWriteContext,
): Phone[] {
  const issues: FieldIssue[] = [];
  const { toE164 } = write;
  if (phones.length && !toE164 && !write.trusted)
    throw new Error('Phone numbers need the phone library: load it with contactWriteContext().');
  const normalized = phones.map((phone, i) => {
    // Numbers of stored contacts (a merge) were normalized when they were written.
    const e164 = toE164 ? toE164(phone.number, country) : phone.number;
    if (!e164)
      issues.push({
        path: `${path}.${i}.number`,
        message: 'Must be a valid phone number; include the country code (+33...) for numbers abroad.',
      });
    return { number: e164 ?? phone.number, type: phone.type };
  });
  if (issues.length) throw new ValidationError(issues);
  const seen = new Set<string>();
  return normalized.filter((p) => !seen.has(p.number) && seen.add(p.number));
}

function consentOf(
  ctx: TenantContext,
  input: ContactUpdate['marketingConsent'],
): MarketingConsent | undefined {
  if (!input) return undefined;
  return { status: input.status, source: input.source, at: input.at ?? ctx.clock.now().toISOString() };
}

const byteSize = (values: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(values));

function checkedCustomFields(
  values: Record<string, CustomFieldValue | null> | undefined,
  write: ContactWriteContext,
): void {
  if (!values || Object.keys(values).length === 0 || write.trusted) return;
  if (!write.definitions)
    throw new Error('Custom field values need their definitions: load them with contactWriteContext().');
  checkCustomFields(write.definitions, values);
}

/** GSI1..GSI4 of the contact item: by name, by stage, by owner (then stage), by company. */
function indexAttributes(contact: Contact, ctx: TenantContext) {
  const t = ctx.tenantId;
  const nameSort = contactKeys.nameSort(contact.lastName, contact.firstName, contact.id);
  return {
    GSI1PK: contactKeys.byName(t),
    GSI1SK: nameSort,
    GSI2PK: contactKeys.byStage(t, contact.lifecycleStage),
    GSI2SK: nameSort,
    GSI3PK: contact.ownerId ? contactKeys.byOwner(t, contact.ownerId) : undefined,
    GSI3SK: contact.ownerId ? `${contact.lifecycleStage}#${nameSort}` : undefined,
    GSI4PK: contact.companyId ? contactKeys.byCompany(t, contact.companyId) : undefined,
    GSI4SK: contact.companyId ? nameSort : undefined,
  };
}

/** A duplicate being merged is frozen: a change made now would be lost by the merge. */
const notMerging: Condition = (e) => `attribute_not_exists(${e.name('mergingInto')})`;

const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

export async function createContact(ctx: TenantContext, input: ContactCreate): Promise<Contact> {
  const write = await contactWriteContext(ctx, input);
  const uow = unitOfWork(ctx);
  const ownerId = input.ownerId ?? defaultOwnerId(ctx);
  const contact = createContactInto(uow, ctx, ownerId ? { ...input, ownerId } : input, write);
  await uow.commit();
  return contact;
}

/**
 * Adds a new contact to the unit of work, for changes that create a contact among other things.
 * With custom field values or phone numbers lacking a country code, pass what
 * `contactWriteContext` loads. Adds at most three writes: the contact, its email guard and its
 * event; the history entry rides on the event, and the index items (tags, phones, further
 * emails, countries) are derived from the committed contact (indexes.ts).
 */
export function createContactInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  input: ContactCreate,
  write: ContactWriteContext = {},
): Contact {
  const now = ctx.clock.now().toISOString();
  checkedCustomFields(input.customFields, write);
  if (input.customFields && !write.trusted) checkCustomFieldsSize(input.customFields);
  const addresses = input.addresses ?? [];
  const contact: Contact = {
    id: newId(),
    firstName: input.firstName,
    lastName: input.lastName,
    ...(input.email ? { email: input.email } : {}),
    emails: [...new Set(input.emails ?? [])].filter((e) => e !== input.email),
    phones: normalizePhones(
      input.phones ?? [],
      addresses[0]?.country ?? write.defaultCountry,
      'body.phones',
      write,
    ),
    addresses,
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.ownerId ? { ownerId: input.ownerId } : {}),
    lifecycleStage: input.lifecycleStage,
    ...(input.bestTimeToCall ? { bestTimeToCall: input.bestTimeToCall } : {}),
    tags: [...new Set(input.tags)].sort(),
    customFields: Object.fromEntries(
      Object.entries(input.customFields ?? {}).filter(([, v]) => v !== null),
    ) as Contact['customFields'],
    ...(input.marketingConsent ? { marketingConsent: consentOf(ctx, input.marketingConsent)! } : {}),
    ...(input.demographics ? { demographics: input.demographics } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  uow.put(
    {
      ...contactKeys.contact(ctx.tenantId, contact.id),
      entity: 'Contact',
      ...contact,
      ...defined(indexAttributes(contact, ctx)),
    },
    { condition: notExists },
  );
  if (contact.email) {
    uow.put(
      { ...contactKeys.email(ctx.tenantId, contact.email), entity: 'ContactEmail', contactId: contact.id },
      { condition: notExists, onConditionFailed: emailTaken(contact.email) },
    );
  }
  recordHistoryInto(
    uow,
    ctx,
    { type: 'contact', id: contact.id },
    'created',
    fieldChanges({}, contact, [...CONTACT_FIELDS]),
  );
  uow.publish(ContactCreated, {
    contactId: contact.id,
    lifecycleStage: contact.lifecycleStage,
    ...(contact.ownerId ? { ownerId: contact.ownerId } : {}),
    ...(contact.email ? { email: contact.email } : {}),
  });
  return contact;
}

/** Several contacts in one round trip; unknown ids are simply absent from the result. */
export async function getContacts(ctx: TenantContext, ids: string[]): Promise<Map<string, Contact>> {
  const items = await getItems(
    ctx,
    [...new Set(ids)].map((id) => contactKeys.contact(ctx.tenantId, id)),
  );
  return new Map(items.map((item) => [String(item.id), contactFromItem(item)]));
}

export async function findContactIdByEmail(ctx: TenantContext, email: string): Promise<string | undefined> {
  const guard = await getItem(ctx, contactKeys.email(ctx.tenantId, email));
  return guard ? String(guard.contactId) : undefined;
}

export async function listContacts(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Contact>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) },
    page,
    contactFromItem,
  );
}

/**
 * The contact after `input`, and which fields changed. Pure: the caller writes it.
 * `customFields` merges into the current values (`null` removes one); lists replace.
 */
export function applyContactChange(
  ctx: TenantContext,
  current: Contact,
  input: ContactUpdate,
  write: ContactWriteContext = {},
): { next: Contact; fields: string[] } {
  checkedCustomFields(input.customFields, write);
  const next: Contact = { ...current };
  const target = next as Record<string, unknown>;
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) {
      delete target[field];
      continue;
    }
    switch (field) {
      case 'tags':
        next.tags = [...new Set(value as string[])].sort();
        break;
      case 'emails':
        next.emails = [...new Set(value as string[])];
        break;
      case 'customFields': {
        const merged: Record<string, unknown> = { ...current.customFields };
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === null) delete merged[key];
          else merged[key] = v;
        }
        // Refused only when it grows them past the limit: a merge may have left a contact above it.
        if (!write.trusted && byteSize(merged) > byteSize(current.customFields))
          checkCustomFieldsSize(merged);
        next.customFields = merged as Contact['customFields'];
        break;
      }
      case 'marketingConsent': {
        const consent = value as NonNullable<ContactUpdate['marketingConsent']>;
        const same =
          current.marketingConsent?.status === consent.status &&
          current.marketingConsent.source === consent.source &&
          !consent.at;
        if (!same) next.marketingConsent = consentOf(ctx, consent);
        break;
      }
      case 'phones':
        break;
      default:
        target[field] = value;
    }
  }
  if (input.phones)
    next.phones = normalizePhones(
      input.phones,
      next.addresses[0]?.country ?? write.defaultCountry,
      'body.phones',
      write,
    );
  if (next.email) next.emails = next.emails.filter((e) => e !== next.email);
  const fields = Object.keys(fieldChanges(current, next, [...CONTACT_FIELDS]));
  return { next, fields };
}

/**
 * Adds a prepared change (`applyContactChange`) to the unit of work: the contact item guarded by
 * its version, the email guard and the event, with the history entry riding on it. The index
 * items follow from the committed contact (indexes.ts).
 */
export function writeContactChangeInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  current: Contact,
  next: Contact,
  fields: string[],
  action: 'updated' | 'merged' = 'updated',
  options: {
    /** The contact whose email guard the new email has (a merge's duplicate): taken over, not refused. */
    emailGuardOf?: string;
    /** The change completes a merge into this contact: one fewer pending (privacy.ts, requestMerge). */
    mergeDone?: boolean;
  } = {},
): Contact {
  const saved: Contact = {
    ...next,
    updatedAt: ctx.clock.now().toISOString(),
    version: current.version + 1,
  };
  const { id, createdAt: _c, version: _v, ...set } = saved;
  const optional = Object.fromEntries(
    ['email', 'companyId', 'ownerId', 'bestTimeToCall', 'marketingConsent', 'demographics', 'locale'].map(
      (f) => [f, (saved as Record<string, unknown>)[f]],
    ),
  );
  const indexes = indexAttributes(saved, ctx);
  uow.update(contactKeys.contact(ctx.tenantId, id), {
    set: { ...set, ...optional, ...defined(indexes) },
    // Index keys are removed, not set to nothing: the item leaves that index.
    remove: Object.keys(indexes).filter((k) => indexes[k as keyof typeof indexes] === undefined),
    ...(options.mergeDone ? { add: { pendingMerges: -1 } } : {}),
    bumpVersion: true,
    condition: and(exists, hasVersion(current.version), notMerging),
    onConditionFailed: (existing) =>
      existing?.mergingInto
        ? new ConflictError('This contact is being merged into another; change that one instead.', {
            mergingInto: existing.mergingInto,
          })
        : new PreconditionFailedError(),
  });
  if (fields.includes('email')) {
    if (current.email) uow.delete(contactKeys.email(ctx.tenantId, current.email));
    if (saved.email) {
      const from = options.emailGuardOf;
      uow.put(
        { ...contactKeys.email(ctx.tenantId, saved.email), entity: 'ContactEmail', contactId: id },
        {
          condition: from ? (e) => `${notExists(e)} OR ${e.name('contactId')} = ${e.value(from)}` : notExists,
          onConditionFailed: emailTaken(saved.email),
        },
      );
    }
  }
  recordHistoryInto(uow, ctx, { type: 'contact', id }, action, fieldChanges(current, saved, fields));
  uow.publish(ContactUpdated, {
    contactId: id,
    fields,
    lifecycleStage: saved.lifecycleStage,
    ...(saved.ownerId ? { ownerId: saved.ownerId } : {}),
  });
  return saved;
}

export async function updateContact(
  ctx: TenantContext,
  id: string,
  input: ContactUpdate,
  ifMatch?: number | 'any',
): Promise<Contact> {
  const current = await getContact(ctx, id);
  assertIfMatch(ifMatch, current);
  const write = await contactWriteContext(ctx, input);
  const { next, fields } = applyContactChange(ctx, current, input, write);
  if (fields.length === 0) return current;
  const uow = unitOfWork(ctx);
  const saved = writeContactChangeInto(uow, ctx, current, next, fields);
  await uow.commit();
  return saved;
}

export { contactFromItem };
