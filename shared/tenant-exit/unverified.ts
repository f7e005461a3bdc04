import { sendMessages } from '../platform/aws/queues.ts';
import { atExpression, deleteSchedule, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { UNVERIFIED_SCHEDULE, unverifiedScheduleName } from './keys.ts';
import { PURGE_QUEUE, type PurgeStep } from './purge.ts';

/** A tenant whose first admin has not verified their address this many days after sign-up is removed. */
export const UNVERIFIED_DAYS = 7;

/**
 * At sign-up: one one-time schedule, `UNVERIFIED_DAYS` later, that removes the tenant if it is
 * still unverified then (the schedule deletes itself once it has fired). Upserted, so a
 * redelivered sign-up event writes the same schedule.
 */
export async function scheduleUnverifiedRemoval(ctx: TenantContext, signedUpAt: Date): Promise<void> {
  const at = new Date(signedUpAt.getTime() + UNVERIFIED_DAYS * 86_400_000);
  await upsertSchedule({
    name: unverifiedScheduleName(ctx.tenantId),
    expression: atExpression(at.toISOString()),
    target: 'remove-unverified-tenant',
    input: { schedule: UNVERIFIED_SCHEDULE, tenantId: ctx.tenantId },
    description: `Removes tenant ${ctx.tenantId} if its admin has not verified by then`,
  });
}

/** When the schedule fires: a tenant still unverified is removed like a deleted one. */
export async function removeIfUnverified(ctx: TenantContext): Promise<boolean> {
  const tenant = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  const verification = tenant?.emailVerification as { status?: string } | undefined;
  if (!tenant || verification?.status !== 'pending') return false;
  // Frozen first, as a confirmed deletion is: the writes that check the tenant in their own
  // transaction (API-call metering, which lags the calls) stop before the purge walks its data,
  // and cannot leave an item behind it. Conditional on the verification still pending, so an
  // admin who verifies at that very moment keeps the tenant; a redelivery finds it frozen.
  if (tenant.status !== 'frozen')
    try {
      await unitOfWork(ctx)
        .update(tenancyKeys.tenant(ctx.tenantId), {
          set: { status: 'frozen' },
          condition: (e) => `${e.name('emailVerification.status')} = ${e.value('pending')}`,
          onConditionFailed: () => new ConflictError('The tenant was verified meanwhile.'),
        })
        .commit();
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  ctx.logger.info('Removing a tenant never verified', { days: UNVERIFIED_DAYS });
  const first: PurgeStep = { tenantId: ctx.tenantId, cleanupsDone: false };
  await sendMessages(PURGE_QUEUE, [first as unknown as Record<string, unknown>]);
  return true;
}

export async function deleteUnverifiedRemoval(tenantId: string): Promise<void> {
  await deleteSchedule(unverifiedScheduleName(tenantId));
}
