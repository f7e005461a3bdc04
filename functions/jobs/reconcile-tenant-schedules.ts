import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { provisionTenantSchedules, tenantsWithSchedules } from '../../shared/platform/tenant-schedules.ts';
import { getTenant } from '../../shared/tenancy/records.ts';

/**
 * Gives every tenant every declared per-tenant schedule. Tenants get their schedules when they sign
 * up; a release that declares a new per-tenant job reaches the tenants who signed up before it
 * here (daily, and at start-up of the local runtime). Upserts are idempotent.
 */
export const handler = jobHandler('reconcile-tenant-schedules', async ({ clock }) => {
  const reconciled: string[] = [];
  for (const id of await tenantsWithSchedules()) {
    const ctx = tenantContext({
      tenantId: asTenantId(id),
      actor: { type: 'system', process: 'reconcile' },
      clock,
    });
    try {
      const tenant = await getTenant(ctx);
      await provisionTenantSchedules({
        tenantId: tenant.id,
        timeZone: tenant.timeZone,
        dailyJobHour: tenant.settings.dailyJobHour,
      });
      reconciled.push(id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return { reconciled: reconciled.length };
});
