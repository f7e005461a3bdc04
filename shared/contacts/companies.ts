import { CompanyCreated } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { companyKeys } from './keys.ts';
import type { Company, CompanyCreate } from './schema.ts';

const toCompany = (item: Record<string, unknown>) => withoutKeys<Company>(item);

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
      {
        condition: notExists,
        onConditionFailed: (existing) =>
          new ConflictError(`A company with domain ${company.domain} already exists.`, {
            domain: company.domain,
            ...(existing?.companyId ? { existingCompanyId: existing.companyId } : {}),
          }),
      },
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

export async function getCompany(ctx: TenantContext, id: string): Promise<Company> {
  const item = await getItem(ctx, companyKeys.company(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Company', id);
  return toCompany(item);
}

export async function findCompanyIdByDomain(ctx: TenantContext, domain: string): Promise<string | undefined> {
  const guard = await getItem(ctx, companyKeys.domain(ctx.tenantId, domain));
  return guard ? String(guard.companyId) : undefined;
}

export async function listCompanies(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Company>> {
  return queryPage(ctx, { index: 'GSI1', partition: companyKeys.byName(ctx.tenantId) }, page, toCompany);
}
