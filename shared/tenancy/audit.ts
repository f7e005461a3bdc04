import { describeActor, type TenantContext } from '../platform/context.ts';
import { type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { tenancyKeys } from './keys.ts';
import type { AuditEntry } from './schema.ts';

/**
 * The audit trail of access changes (keys, members, roles, tenant settings). Entries are written
 * in the same unit of work as the change they describe, so the trail cannot miss or invent one.
 */
export function recordAudit(
  uow: UnitOfWork,
  ctx: TenantContext,
  entry: Pick<AuditEntry, 'action' | 'target' | 'changes'>,
): void {
  const id = newId();
  uow.put({
    ...tenancyKeys.auditEntry(ctx.tenantId, id),
    entity: 'AuditEntry',
    id,
    at: ctx.clock.now().toISOString(),
    actor: describeActor(ctx.actor),
    ...entry,
  });
}

export async function listAudit(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<AuditEntry>> {
  return queryPage<AuditEntry>(ctx, { partition: tenancyKeys.audit(ctx.tenantId), ascending: false }, page);
}

/** Field-by-field differences, for audit entries and change history. */
export function changesBetween(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of Object.keys(after)) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes[field] = { from: before[field] ?? null, to: after[field] ?? null };
    }
  }
  return changes;
}
