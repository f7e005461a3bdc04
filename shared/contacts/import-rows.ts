import type { TenantContext } from '../platform/context.ts';
import {
  getItem,
  getItems,
  queryAll,
  queryPage,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';
import { ConflictError, type FieldIssue, ValidationError } from '../platform/errors.ts';
import { toFieldIssues } from '../platform/schema.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant } from '../tenancy/records.ts';
import { createCompanyInto, findCompanyIdByDomain } from './companies.ts';
import { listCustomFields, parseCustomFieldCell } from './fields.ts';
import { consentOf, countryCode, domainOf } from './import-columns.ts';
import {
  type ChunkMessage,
  getStoredImport,
  readChunk,
  recordChunkDone,
  rowErrorsInto,
  type StoredImport,
} from './imports.ts';
import { companyKeys, contactKeys, importKeys } from './keys.ts';
import { phoneNormalizer } from './phones.ts';
import {
  CompanyCreate,
  type Contact,
  ContactCreate,
  type ContactUpdate,
  type CustomFieldDefinition,
} from './schema.ts';
import {
  applyContactChange,
  type ContactWriteContext,
  contactFromItem,
  createContactInto,
  writeContactChangeInto,
} from './service.ts';

/**
 * Imports one chunk of rows (≤ 500): each row is read through the API's own ContactCreate schema,
 * then upserted by email: a new email creates a contact, a known one updates only the columns the
 * row fills (tags and emails are added to, not replaced). Rows that fail are reported with their
 * line number in the file and the column at fault; the others import.
 */
interface Row {
  line: number;
  input: ContactCreate;
  company?: { name?: string; domain?: string };
  ownerEmail?: string;
  /** Fields the row fills: only these change on an existing contact. */
  filled: Set<string>;
}

type Counts = { created: number; updated: number; unchanged: number; failed: number; rows: number };

/** A transaction takes 100 writes; staged rows fill it up to this. */
const STAGED_WRITES = 90;

/** At most how many writes staging a row adds: the contact's items, and index items in and out. */
function writeBound(row: Row, current: Contact | undefined): number {
  const listed = (
    c: Pick<Contact, 'tags'> & Partial<Pick<Contact, 'emails' | 'addresses'>> & { phones?: unknown[] },
  ) => c.tags.length + (c.phones?.length ?? 0) + (c.emails?.length ?? 0) + (c.addresses?.length ?? 0);
  return 8 + 2 * (listed(row.input) + (current ? listed(current) : 0));
}

export async function importChunk(ctx: TenantContext, message: ChunkMessage): Promise<void> {
  const rows = await readChunk(ctx, message);
  if (!rows) return;
  const stored = await getStoredImport(ctx, message.importId, true);
  // An import is a background job whose rows may carry phone numbers: the library is loaded once.
  const [definitions, tenant, toE164] = await Promise.all([
    listCustomFields(ctx),
    getTenant(ctx),
    phoneNormalizer(),
  ]);
  const write: ContactWriteContext = { definitions, defaultCountry: tenant.postalAddress.country, toE164 };
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, failed: 0, rows: rows.length };
  const errors: Array<{ line: number; errors: Array<{ field: string; message: string }> }> = [];
  const columnOf = (path: string) => headerFor(stored, path);
  const fail = (line: number, issues: FieldIssue[]) => {
    counts.failed++;
    errors.push({
      line,
      errors: issues.map((i) => ({ field: columnOf(i.path), message: i.message })),
    });
  };

  const parsed: Row[] = [];
  for (const raw of rows) {
    const line = message.lineOffset + raw.line;
    if (raw.error || !raw.cells) {
      fail(line, [{ path: 'row', message: raw.error ?? 'Empty row.' }]);
      continue;
    }
    if (raw.cells.length > stored.columns.length) {
      fail(line, [
        {
          path: 'row',
          message: `The row has ${raw.cells.length} cells; the header has ${stored.columns.length}.`,
        },
      ]);
      continue;
    }
    const row = readRow(stored, raw.cells, definitions, line);
    if ('issues' in row) fail(line, row.issues);
    else parsed.push(row);
  }

  const existing = await existingByEmail(
    ctx,
    parsed.map((r) => r.input.email!),
  );
  const owners = parsed.some((r) => r.ownerEmail) ? await memberIdsByEmail(ctx) : new Map<string, string>();
  const rowFailed = (row: Row, error: unknown) => {
    if (error instanceof ValidationError) fail(row.line, error.issues);
    else if (error instanceof ConflictError) fail(row.line, [{ path: 'email', message: error.message }]);
    else throw error;
  };
  // Rows are staged into shared transactions (far fewer round trips than one per row). If a
  // transaction fails (another chunk wrote the same contact meanwhile), its rows are redone one
  // by one from fresh reads, where each row's own error is known.
  let batch: Array<{ row: Row; outcome: Outcome }> = [];
  let uow = unitOfWork(ctx);
  // The emails the pending transaction writes: a later row with one of them waits for the commit,
  // as one transaction may not write a contact twice (and the second write needs the first's version).
  let staging = new Set<string>();
  const flush = async () => {
    const staged = batch;
    const pending = uow;
    batch = [];
    uow = unitOfWork(ctx);
    staging = new Set();
    if (staged.length === 0) return;
    try {
      if (!stored.dryRun) await pending.commit();
      for (const { outcome } of staged) counts[outcome]++;
    } catch {
      const fresh = await existingByEmail(
        ctx,
        staged.map(({ row }) => row.input.email!),
      );
      for (const email of new Set(staged.map(({ row }) => row.input.email!))) {
        const current = fresh.get(email);
        if (current) existing.set(email, current);
        else existing.delete(email);
      }
      for (const { row } of staged) {
        const email = row.input.email!;
        const before = existing.get(email);
        try {
          const single = unitOfWork(ctx);
          const outcome = stage(ctx, row, existing, write, single);
          await single.commit();
          counts[outcome]++;
        } catch (error) {
          if (before) existing.set(email, before);
          else existing.delete(email);
          rowFailed(row, error);
        }
      }
    }
  };
  for (const row of parsed) {
    try {
      if (row.ownerEmail) {
        const ownerId = owners.get(row.ownerEmail.toLowerCase());
        if (!ownerId) throw ValidationError.field('owner', `No member has the email ${row.ownerEmail}.`);
        row.input.ownerId = ownerId;
        row.filled.add('ownerId');
      }
      if (row.company && !stored.dryRun) {
        row.input.companyId = await companyFor(ctx, stored.id, row.company);
        row.filled.add('companyId');
      }
      const email = row.input.email!;
      if (staging.has(email) || uow.size + writeBound(row, existing.get(email)) > 100) await flush();
      const outcome = stage(ctx, row, existing, write, uow);
      staging.add(email);
      batch.push({ row, outcome });
      if (uow.size >= STAGED_WRITES) await flush();
    } catch (error) {
      rowFailed(row, error);
    }
  }
  await flush();
  await rowErrorsInto(ctx, stored.id, errors);
  await recordChunkDone(ctx, message, counts);
}

/** The CSV header of the column a field (or an issue path) came from. */
function headerFor(stored: StoredImport, path: string): string {
  const segments = path.replace(/^body\./, '').split('.');
  const field = segments[0]!;
  if (field === 'addresses' && segments[2]) {
    const column = stored.columns.find((c) => c.field === (segments[2] === 'lines' ? 'line1' : segments[2]));
    if (column) return column.header;
  }
  const byField: Record<string, string[]> = {
    phones: ['workPhone', 'mobilePhone', 'homePhone'],
    emails: ['otherEmail'],
    addresses: ['line1', 'line2', 'city', 'postalCode', 'region', 'country'],
    marketingConsent: ['consent'],
    demographics: ['birthYear', 'gender', 'householdIncomeBand'],
    ownerId: ['owner'],
    companyId: ['company', 'companyDomain'],
    customFields: [`custom:${path.replace(/^body\./, '').split('.')[1]}`],
  };
  const wanted = byField[field] ?? [field];
  const column = stored.columns.find((c) => c.field && wanted.includes(c.field));
  return column?.header ?? field;
}

function readRow(
  stored: StoredImport,
  cells: string[],
  definitions: CustomFieldDefinition[],
  line: number,
): Row | { issues: FieldIssue[] } {
  const value: Record<string, string> = {};
  const custom: Record<string, unknown> = {};
  stored.columns.forEach((column, i) => {
    const cell = (cells[i] ?? '').trim();
    if (!column.field || cell === '') return;
    if (column.field.startsWith('custom:')) {
      const key = column.field.slice('custom:'.length);
      const definition = definitions.find((d) => d.key === key);
      if (definition) custom[key] = parseCustomFieldCell(definition, cell);
    } else value[column.field] = cell;
  });
  const filled = new Set<string>();
  const raw: Record<string, unknown> = {};
  const set = (field: string, v: unknown) => {
    raw[field] = v;
    filled.add(field);
  };
  let { firstName, lastName } = value;
  if (value.fullName && !(firstName && lastName)) {
    const parts = value.fullName.split(/\s+/);
    lastName ??= parts.length > 1 ? parts.pop()! : parts[0]!;
    firstName ??= parts.join(' ') || lastName;
  }
  if (firstName) set('firstName', firstName);
  if (lastName) set('lastName', lastName);
  if (!value.email)
    return {
      issues: [{ path: 'email', message: 'Every row needs an email: imports update contacts by email.' }],
    };
  set('email', value.email);
  if (value.otherEmail) set('emails', [value.otherEmail]);
  const phones = [
    value.workPhone && { number: value.workPhone, type: 'work' },
    value.mobilePhone && { number: value.mobilePhone, type: 'mobile' },
    value.homePhone && { number: value.homePhone, type: 'home' },
  ].filter(Boolean);
  if (phones.length) set('phones', phones);
  if (['line1', 'city', 'postalCode', 'region', 'country'].some((f) => value[f]))
    set('addresses', [
      {
        type: 'work',
        lines: [value.line1, value.line2].filter(Boolean),
        ...(value.city ? { city: value.city } : {}),
        ...(value.postalCode ? { postalCode: value.postalCode } : {}),
        ...(value.region ? { region: value.region } : {}),
        country: value.country ? countryCode(value.country) : '',
      },
    ]);
  if (value.lifecycleStage)
    set('lifecycleStage', value.lifecycleStage.toLowerCase().replace(/\s+customer$/, ''));
  if (value.tags)
    set(
      'tags',
      value.tags
        .split(/[;,|]/)
        .map((t) => t.trim())
        .filter(Boolean),
    );
  if (value.consent) {
    const status = consentOf(value.consent);
    set(
      'marketingConsent',
      status ? { status, source: 'import' } : { status: value.consent, source: 'import' },
    );
  }
  const demographics: Record<string, unknown> = {};
  if (value.birthYear) demographics.birthYear = Number(value.birthYear);
  if (value.gender) demographics.gender = value.gender.toLowerCase().replace(/[\s-]+/g, '_');
  if (value.householdIncomeBand) demographics.householdIncomeBand = value.householdIncomeBand.toLowerCase();
  if (Object.keys(demographics).length) set('demographics', demographics);
  if (Object.keys(custom).length) set('customFields', custom);
  // A new contact needs both names; an existing one keeps what the row leaves out.
  const parsed = ContactCreate.safeParse({ firstName: '-', lastName: '-', ...raw });
  if (!parsed.success) return { issues: toFieldIssues(parsed.error) };
  let company: { name?: string; domain?: string } | undefined;
  if (value.company || value.companyDomain) {
    const domain = value.companyDomain ? domainOf(value.companyDomain) : undefined;
    // Checked as POST /v1/companies checks them, the issues named by the row's columns.
    // With no name, the company is named after its domain, so only the domain is checked.
    const checked = CompanyCreate.safeParse({ name: value.company ?? '-', ...(domain ? { domain } : {}) });
    if (!checked.success)
      return {
        issues: toFieldIssues(checked.error).map((issue) => ({
          ...issue,
          path: issue.path === 'domain' ? 'companyDomain' : 'company',
        })),
      };
    company = {
      ...(value.company ? { name: checked.data.name } : {}),
      ...(checked.data.domain ? { domain: checked.data.domain } : {}),
    };
  }
  return {
    line,
    input: parsed.data,
    filled,
    ...(company ? { company } : {}),
    ...(value.owner ? { ownerEmail: value.owner } : {}),
  };
}

async function existingByEmail(ctx: TenantContext, emails: string[]): Promise<Map<string, Contact>> {
  const guards = await getItems(
    ctx,
    [...new Set(emails)].map((email) => contactKeys.email(ctx.tenantId, email)),
  );
  const idByEmail = new Map<string, string>();
  for (const guard of guards)
    idByEmail.set(String(guard.PK).split('#CONTACT-EMAIL#')[1]!, String(guard.contactId));
  const contacts = await getItems(
    ctx,
    [...new Set(idByEmail.values())].map((id) => contactKeys.contact(ctx.tenantId, id)),
  );
  const byId = new Map(contacts.map((item) => [String(item.id), contactFromItem(item)]));
  const found = new Map<string, Contact>();
  for (const [email, id] of idByEmail) {
    const contact = byId.get(id);
    if (contact) found.set(email, contact);
  }
  return found;
}

async function memberIdsByEmail(ctx: TenantContext): Promise<Map<string, string>> {
  const members = await queryAll(ctx, {
    partition: tenancyKeys.members(ctx.tenantId),
    sort: { beginsWith: 'MEMBER#' },
  });
  return new Map(members.map((m) => [String(m.email).toLowerCase(), String(m.id)]));
}

/**
 * The company a row names: by domain (found, or created: the domain guard makes that unique), else
 * by exact name (an existing company, or one this import creates once: a per-import guard keyed by
 * the name stops concurrent chunks from creating it twice).
 */
async function companyFor(
  ctx: TenantContext,
  importId: string,
  company: { name?: string; domain?: string },
): Promise<string> {
  if (company.domain) {
    const found = await findCompanyIdByDomain(ctx, company.domain);
    if (found) return found;
    const uow = unitOfWork(ctx);
    const created = createCompanyInto(uow, ctx, {
      name: company.name ?? company.domain,
      domain: company.domain,
    });
    try {
      await uow.commit();
      return created.id;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return (await findCompanyIdByDomain(ctx, company.domain))!;
    }
  }
  const name = company.name!;
  const guardKey = importKeys.companyByName(ctx.tenantId, importId, name);
  const guard = await getItem(ctx, guardKey, { consistent: true });
  if (guard) return String(guard.companyId);
  const sameName = await queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: companyKeys.byName(ctx.tenantId),
      sort: { beginsWith: `${name.toLowerCase()}#` },
    },
    { limit: 1 },
  );
  if (sameName.items[0]) return String((sameName.items[0] as { id: string }).id);
  const uow = unitOfWork(ctx);
  const created = createCompanyInto(uow, ctx, { name });
  uow.put(
    { ...guardKey, entity: 'ImportCompany', companyId: created.id },
    {
      condition: (e) => `attribute_not_exists(${e.name('PK')})`,
      onConditionFailed: () => new ConflictError('taken'),
    },
  );
  try {
    await uow.commit();
    return created.id;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return String((await getItem(ctx, guardKey, { consistent: true }))!.companyId);
  }
}

/** The update a row makes to an existing contact: the fields it fills, lists added to. */
function updateFrom(row: Row, current: Contact): ContactUpdate {
  const input = row.input;
  const update: ContactUpdate = {};
  for (const field of row.filled) {
    switch (field) {
      case 'email':
        break;
      case 'tags':
        update.tags = [...new Set([...current.tags, ...input.tags])];
        break;
      case 'emails':
        update.emails = [...new Set([...current.emails, ...(input.emails ?? [])])];
        break;
      case 'phones': {
        const known = new Set(current.phones.map((p) => p.number));
        update.phones = [...current.phones, ...(input.phones ?? []).filter((p) => !known.has(p.number))];
        break;
      }
      case 'addresses': {
        // A CSV address has no type: the first address keeps the one it had.
        const type = current.addresses[0]?.type;
        const first = { ...input.addresses![0]!, ...(type ? { type } : {}) };
        update.addresses = [first, ...current.addresses.slice(1)];
        break;
      }
      case 'marketingConsent':
        // The same answer again is not a new consent: keep when and where it was given.
        if (current.marketingConsent?.status !== input.marketingConsent!.status)
          update.marketingConsent = input.marketingConsent!;
        break;
      case 'demographics':
        update.demographics = { ...current.demographics, ...input.demographics };
        break;
      default:
        (update as Record<string, unknown>)[field] = (input as Record<string, unknown>)[field];
    }
  }
  return update;
}

type Outcome = 'created' | 'updated' | 'unchanged';

/** Adds a row's writes to the unit of work and says what they do; nothing is written yet. */
function stage(
  ctx: TenantContext,
  row: Row,
  existing: Map<string, Contact>,
  write: ContactWriteContext,
  uow: UnitOfWork,
): Outcome {
  const email = row.input.email!;
  const current = existing.get(email);
  if (!current) {
    if (!row.filled.has('firstName') || !row.filled.has('lastName'))
      throw ValidationError.field(
        row.filled.has('firstName') ? 'lastName' : 'firstName',
        'A new contact needs a first and a last name.',
      );
    existing.set(email, createContactInto(uow, ctx, row.input, write));
    return 'created';
  }
  const { next, fields } = applyContactChange(ctx, current, updateFrom(row, current), write);
  if (fields.length === 0) return 'unchanged';
  existing.set(email, writeContactChangeInto(uow, ctx, current, next, fields));
  return 'updated';
}
