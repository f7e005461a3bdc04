import { operatorConfigured, operatorTenantId } from '../operator/config.ts';
import { sendMessages } from '../platform/aws/queues.ts';
import { atExpression, deleteSchedule, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { recordAudit } from '../tenancy/audit.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { openTenantLink, signTenantLink } from '../tenancy/link-keys.ts';
import { toTenant } from '../tenancy/records.ts';
import { DELETION_SCHEDULE, deletionScheduleName } from './keys.ts';
import { PURGE_QUEUE, type PurgeStep } from './purge.ts';
import type { TenantDeletion } from './schema.ts';

/**
 * A tenant's own deletion, in two steps by an admin and a grace period:
 * 1. `requestDeletion` answers a confirmation token, signed with the tenant's link keys (purpose
 *    `tenant-deletion`) and valid for CONFIRM_WITHIN_MINUTES; nothing changes yet but the
 *    request recorded on the tenant item, so that one accidental call deletes nothing;
 * 2. `confirmDeletion` with that token (any admin) freezes the tenant: `status: frozen` and
 *    `deleteAfter` GRACE_DAYS later on the tenant item, and one one-time schedule at
 *    `deleteAfter` that hands the tenant to the removal engine (`tenant-purge`).
 * While frozen, writes answer 409 `tenant_frozen` (the HTTP layer, from the authorizer's verdict)
 * and mail is refused by the mail gate; `cancelDeletion` unfreezes and deletes the schedule.
 */
export const GRACE_DAYS = 14;
export const CONFIRM_WITHIN_MINUTES = 60;

interface StoredDeletion {
  id: string;
  requestedAt: string;
  requestedBy: string;
  confirmBefore: string;
  confirmedAt?: string;
  confirmedBy?: string;
  deleteAfter?: string;
}

async function readTenant(ctx: TenantContext) {
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  if (!item) throw new NotFoundError('Tenant', ctx.tenantId);
  return { tenant: toTenant(item), deletion: item.deletion as StoredDeletion | undefined };
}

function view(frozen: boolean, deletion: StoredDeletion | undefined, now: Date): TenantDeletion {
  if (!deletion) return { status: 'none' };
  const { id: _id, ...fields } = deletion;
  if (frozen) return { status: 'frozen', ...fields };
  // A request whose token expired unconfirmed is as if never made.
  if (Date.parse(deletion.confirmBefore) <= now.getTime()) return { status: 'none' };
  return { status: 'requested', ...fields };
}

export async function getDeletion(ctx: TenantContext): Promise<TenantDeletion> {
  const { tenant, deletion } = await readTenant(ctx);
  return view(tenant.status === 'frozen', deletion, ctx.clock.now());
}

function actorOf(ctx: TenantContext): string {
  return ctx.actor.type === 'member' ? ctx.actor.memberId : ctx.actor.type;
}

/**
 * The operator tenant holds the operator's keys, the plans and every invoice to the tenants:
 * freezing it would lock the operator out (its writes refused), and removing it would end the
 * service's billing with no way back. It leaves by a decision outside the product.
 */
function refuseOperatorTenant(ctx: TenantContext): void {
  if (operatorConfigured() && ctx.tenantId === operatorTenantId())
    throw new ConflictError(
      'This is the operator tenant: it holds the operator keys, the plans and the invoices to every tenant, so it cannot be deleted.',
      { reason: 'operator_tenant' },
    );
}

/** Records a new request (replacing one not confirmed) and answers its confirmation token. */
export async function requestDeletion(
  ctx: TenantContext,
): Promise<TenantDeletion & { confirmationToken: string }> {
  const { tenant } = await readTenant(ctx);
  refuseOperatorTenant(ctx);
  const now = ctx.clock.now();
  const confirmBefore = new Date(now.getTime() + CONFIRM_WITHIN_MINUTES * 60_000);
  const deletion: StoredDeletion = {
    id: newId(),
    requestedAt: now.toISOString(),
    requestedBy: actorOf(ctx),
    confirmBefore: confirmBefore.toISOString(),
  };
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { deletion },
    condition: (e) =>
      `attribute_not_exists(${e.name('status')}) OR ${e.name('status')} <> ${e.value('frozen')}`,
    onConditionFailed: () => new ConflictError('The tenant is frozen for deletion already.'),
  });
  recordAudit(uow, ctx, {
    action: 'tenant.deletion.requested',
    target: { type: 'tenant', id: ctx.tenantId },
    changes: { deletion: { from: null, to: 'requested' } },
  });
  await uow.commit();
  const confirmationToken = await signTenantLink(
    tenant,
    'tenant-deletion',
    { s: deletion.requestedBy, x: { d: deletion.id } },
    confirmBefore,
  );
  const { id: _id, ...fields } = deletion;
  return { status: 'requested', ...fields, confirmationToken };
}

/**
 * Freezes the tenant, once: the write is conditional on the request the token names and on the
 * tenant not being frozen, so a second confirmation (or a retried one) finds it frozen by this
 * request and only makes sure its schedule exists (an upsert of the same schedule).
 */
export async function confirmDeletion(ctx: TenantContext, token: string): Promise<TenantDeletion> {
  refuseOperatorTenant(ctx);
  const opened = await openTenantLink('tenant-deletion', token, () => ctx, ctx.clock.now());
  if (!opened.ok || opened.tenant.id !== ctx.tenantId)
    throw UnprocessableError.field(
      'body.token',
      !opened.ok && opened.reason === 'expired'
        ? 'The confirmation token expired; request the deletion again.'
        : 'Not a valid confirmation token for this tenant.',
    );
  const requestId = String(opened.claims.x?.d ?? '');
  const { tenant, deletion } = await readTenant(ctx);
  if (!deletion || deletion.id !== requestId)
    throw new ConflictError('This deletion request was cancelled or replaced; request the deletion again.');
  if (tenant.status === 'frozen') {
    await scheduleRemoval(ctx.tenantId, deletion);
    return view(true, deletion, ctx.clock.now());
  }
  const now = ctx.clock.now();
  const confirmed: StoredDeletion = {
    ...deletion,
    confirmedAt: now.toISOString(),
    confirmedBy: actorOf(ctx),
    deleteAfter: new Date(now.getTime() + GRACE_DAYS * 86_400_000).toISOString(),
  };
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { status: 'frozen', deletion: confirmed },
    condition: (e) =>
      `${e.name('deletion.id')} = ${e.value(requestId)} AND (attribute_not_exists(${e.name('status')}) OR ${e.name('status')} <> ${e.value('frozen')})`,
    onConditionFailed: () => new ConflictError('The deletion changed meanwhile; read it and retry.'),
  });
  recordAudit(uow, ctx, {
    action: 'tenant.deletion.confirmed',
    target: { type: 'tenant', id: ctx.tenantId },
    changes: {
      status: { from: 'active', to: 'frozen' },
      deleteAfter: { from: null, to: confirmed.deleteAfter },
    },
  });
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof ConflictError) return confirmDeletion(ctx, token);
    throw error;
  }
  await scheduleRemoval(ctx.tenantId, confirmed);
  return view(true, confirmed, now);
}

async function scheduleRemoval(tenantId: string, deletion: StoredDeletion): Promise<void> {
  await upsertSchedule({
    name: deletionScheduleName(tenantId),
    expression: atExpression(deletion.deleteAfter!),
    target: 'remove-deleted-tenant',
    input: { schedule: DELETION_SCHEDULE, tenantId, payload: { deletionId: deletion.id } },
    description: `Removes tenant ${tenantId}, whose deletion an admin confirmed`,
  });
}

/** Unfreezes the tenant during its grace period and deletes the schedule that would remove it. */
export async function cancelDeletion(ctx: TenantContext): Promise<TenantDeletion> {
  const { tenant, deletion } = await readTenant(ctx);
  if (!deletion || view(tenant.status === 'frozen', deletion, ctx.clock.now()).status === 'none')
    throw new ConflictError('No deletion of the tenant is requested.');
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { status: 'active' },
    remove: ['deletion'],
    condition: (e) => `${e.name('deletion.id')} = ${e.value(deletion.id)}`,
    onConditionFailed: () => new ConflictError('The deletion changed meanwhile; read it and retry.'),
  });
  recordAudit(uow, ctx, {
    action: 'tenant.deletion.cancelled',
    target: { type: 'tenant', id: ctx.tenantId },
    changes: { status: { from: tenant.status ?? 'active', to: 'active' } },
  });
  await uow.commit();
  // Should this fail, the schedule fires, finds the tenant unfrozen and removes nothing.
  await deleteSchedule(deletionScheduleName(ctx.tenantId));
  return { status: 'none' };
}

/**
 * The schedule fires: the tenant goes only if it is still frozen by the same request (a cancelled
 * and requested-again deletion has a new schedule). A second firing queues the removal again,
 * which deletes what is left, and is harmless.
 */
export async function removeDeletedTenant(ctx: TenantContext, deletionId: string): Promise<boolean> {
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  const deletion = item?.deletion as StoredDeletion | undefined;
  if (item?.status !== 'frozen' || deletion?.id !== deletionId) return false;
  ctx.logger.info('Removing a tenant whose deletion was confirmed', { days: GRACE_DAYS });
  const first: PurgeStep = { tenantId: ctx.tenantId, cleanupsDone: false };
  await sendMessages(PURGE_QUEUE, [first as unknown as Record<string, unknown>]);
  return true;
}
