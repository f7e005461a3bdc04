import type { TenantContext } from '../platform/context.ts';
import {
  assertIfMatch,
  getItem,
  type Page,
  queryPage,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ForbiddenError, NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { checkDefinition, DATASETS } from './datasets.ts';
import { reportKeys } from './keys.ts';
import type { CustomReport, CustomReportCreate, CustomReportUpdate } from './schema.ts';

/**
 * Saved custom reports. Each belongs to the member who made it; `visibility: tenant` shares it
 * with every member of the tenant (to read and run), `private` keeps it to its owner. Admins see
 * and change all of them. A report the caller may not see answers 404, as if it did not exist.
 */
interface Viewer {
  memberId?: string;
  admin: boolean;
}

function viewerOf(ctx: TenantContext): Viewer {
  const actor = ctx.actor;
  return actor.type === 'member'
    ? { memberId: actor.memberId, admin: actor.role === 'admin' }
    : { admin: true };
}

const visibleTo = (report: CustomReport, viewer: Viewer) =>
  viewer.admin || report.visibility === 'tenant' || report.ownerId === viewer.memberId;

/**
 * Whether a member may see the report (its owner, an admin, anyone when shared with the tenant):
 * a schedule mails a custom report only to members who may.
 */
export const memberMaySee = (report: CustomReport, member: { id: string; role: string }) =>
  visibleTo(report, { memberId: member.id, admin: member.role === 'admin' });

/** The report as stored, whoever asks: for checks made on behalf of others (schedules' recipients). */
export async function storedCustomReport(ctx: TenantContext, id: string): Promise<CustomReport | undefined> {
  const item = await getItem(ctx, reportKeys.custom(ctx.tenantId, id));
  return item && toReport(item);
}

const toReport = (item: Record<string, unknown>) => withoutKeys<CustomReport>(item);

export async function createCustomReport(
  ctx: TenantContext,
  input: CustomReportCreate,
): Promise<CustomReport> {
  checkDefinition(input);
  const viewer = viewerOf(ctx);
  if (!viewer.memberId) throw new ForbiddenError('Custom reports belong to members.');
  const now = ctx.clock.now().toISOString();
  const report: CustomReport = {
    id: newId(),
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    dataset: input.dataset,
    measures: input.measures,
    dimensions: input.dimensions,
    filters: input.filters,
    ...(input.grain ? { grain: input.grain } : {}),
    sort: input.sort,
    limit: input.limit,
    ...(input.currency ? { currency: input.currency } : {}),
    visibility: input.visibility,
    ownerId: viewer.memberId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await unitOfWork(ctx)
    .put({
      ...reportKeys.custom(ctx.tenantId, report.id),
      entity: 'CustomReport',
      ...report,
      GSI1PK: reportKeys.customList(ctx.tenantId),
      GSI1SK: `${report.name.toLowerCase()}#${report.id}`,
    })
    .commit();
  return report;
}

export async function getCustomReport(ctx: TenantContext, id: string): Promise<CustomReport> {
  const item = await getItem(ctx, reportKeys.custom(ctx.tenantId, id));
  const report = item && toReport(item);
  if (!report || !visibleTo(report, viewerOf(ctx))) throw new NotFoundError('Custom report', id);
  return report;
}

export async function listCustomReports(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<CustomReport>> {
  const viewer = viewerOf(ctx);
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: reportKeys.customList(ctx.tenantId),
      ...(viewer.admin
        ? {}
        : {
            filter: (e) =>
              `${e.name('visibility')} = ${e.value('tenant')} OR ${e.name('ownerId')} = ${e.value(viewer.memberId ?? '')}`,
            filterFingerprint: { visibleTo: viewer.memberId },
          }),
    },
    page,
    toReport,
  );
}

async function ownReport(ctx: TenantContext, id: string): Promise<CustomReport> {
  const report = await getCustomReport(ctx, id);
  const viewer = viewerOf(ctx);
  if (!viewer.admin && report.ownerId !== viewer.memberId)
    throw new ForbiddenError('Only the owner of a custom report, or an admin, may change it.');
  return report;
}

export async function updateCustomReport(
  ctx: TenantContext,
  id: string,
  input: CustomReportUpdate,
  ifMatch?: number | 'any',
): Promise<CustomReport> {
  const current = await ownReport(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: CustomReport = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else (next as Record<string, unknown>)[field] = value;
  }
  checkDefinition(next);
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  await unitOfWork(ctx)
    .update(reportKeys.custom(ctx.tenantId, id), {
      set: {
        ...set,
        description: next.description,
        grain: next.grain,
        currency: next.currency,
        GSI1SK: `${next.name.toLowerCase()}#${id}`,
      },
      ...whileVersion(current.version),
    })
    .commit();
  return next;
}

export async function deleteCustomReport(ctx: TenantContext, id: string): Promise<void> {
  await ownReport(ctx, id);
  await unitOfWork(ctx).delete(reportKeys.custom(ctx.tenantId, id)).commit();
}

export function datasetCatalog() {
  return {
    items: Object.values(DATASETS).map((d) => ({
      id: d.id,
      description: d.description,
      measures: Object.entries(d.measures).map(([name, m]) => ({ name, label: m.label, unit: m.unit })),
      dimensions: Object.entries(d.dimensions).map(([name, m]) => ({ name, label: m.label })),
    })),
  };
}
