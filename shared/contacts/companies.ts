import { CompanyCreated, CompanyUpdated } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
} from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { fieldChanges, recordHistoryInto } from './history.ts';
import { companyKeys } from './keys.ts';
import { getCompany, toCompany } from './records.ts';
import type { Company, CompanyCreate, CompanyUpdate } from './schema.ts';

const COMPANY_FIELDS = ['name', 'domain', 'industry', 'region', 'addresses', 'ownerId'];

const domainTaken = (domain: string) => (existing: Record<string, unknown> | undefined) =>
  new ConflictError(`A company with domain ${domain} already exists.`, {
    domain,
    ...(existing?.companyId ? { existingCompanyId: existing.companyId } : {}),
  });

/** Adds a new company to the unit of work (lead conversion creates contact, company and deal at once). */
export function createCompanyInto(uow: UnitOfWork, ctx: TenantContext, input: CompanyCreate): Company {
  const now = ctx.clock.now().toISOString();
  const company: Company = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  uow.put(
    {
      ...companyKeys.company(ctx.tenantId, company.id),
      entity: 'Company',
      ...company,
      GSI1PK: companyKeys.byName(ctx.tenantId),
      GSI1SK: `${company.name.toLowerCase()}#${company.id}`,
    },
    { condition: notExists },
  );
  if (company.domain) {
    uow.put(
      { ...companyKeys.domain(ctx.tenantId, company.domain), entity: 'CompanyDomain', companyId: company.id },
      { condition: notExists, onConditionFailed: domainTaken(company.domain) },
    );
  }
  uow.publish(CompanyCreated, {
    companyId: company.id,
    ...(company.ownerId ? { ownerId: company.ownerId } : {}),
  });
  return company;
}

export async function createCompany(ctx: TenantContext, input: CompanyCreate): Promise<Company> {
  const uow = unitOfWork(ctx);
  const company = createCompanyInto(uow, ctx, input);
  await uow.commit();
  return company;
}

export async function findCompanyIdByDomain(ctx: TenantContext, domain: string): Promise<string | undefined> {
  const guard = await getItem(ctx, companyKeys.domain(ctx.tenantId, domain));
  return guard ? String(guard.companyId) : undefined;
}

export async function listCompanies(
  ctx: TenantContext,
  page: { limit: number; cursor?: string; namePrefix?: string },
): Promise<Page<Company>> {
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: companyKeys.byName(ctx.tenantId),
      ...(page.namePrefix ? { sort: { beginsWith: page.namePrefix.toLowerCase() } } : {}),
    },
    page,
    toCompany,
  );
}

export async function updateCompany(
  ctx: TenantContext,
  id: string,
  input: CompanyUpdate,
  ifMatch?: number | 'any',
): Promise<Company> {
  const current = await getCompany(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: Company = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else (next as Record<string, unknown>)[field] = value;
  }
  const changes = fieldChanges(current, next, COMPANY_FIELDS);
  const fields = Object.keys(changes);
  if (fields.length === 0) return current;
  const saved: Company = { ...next, updatedAt: ctx.clock.now().toISOString(), version: current.version + 1 };
  const { id: _id, createdAt: _c, version: _v, ...set } = saved;
  const uow = unitOfWork(ctx).update(companyKeys.company(ctx.tenantId, id), {
    set: {
      ...set,
      ...Object.fromEntries(
        ['domain', 'industry', 'region', 'ownerId'].map((f) => [f, (saved as Record<string, unknown>)[f]]),
      ),
      GSI1SK: `${saved.name.toLowerCase()}#${saved.id}`,
    },
    ...whileVersion(current.version),
  });
  if (fields.includes('domain')) {
    if (current.domain) uow.delete(companyKeys.domain(ctx.tenantId, current.domain));
    if (saved.domain)
      uow.put(
        { ...companyKeys.domain(ctx.tenantId, saved.domain), entity: 'CompanyDomain', companyId: id },
        { condition: notExists, onConditionFailed: domainTaken(saved.domain) },
      );
  }
  recordHistoryInto(uow, ctx, { type: 'company', id }, 'updated', changes);
  uow.publish(CompanyUpdated, {
    companyId: id,
    fields,
    ...(saved.ownerId ? { ownerId: saved.ownerId } : {}),
  });
  await uow.commit();
  return saved;
}
