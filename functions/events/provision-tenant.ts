import { TenantSettingsChanged, TenantVerified } from '../../events/tenancy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { provisionTenantSchedules } from '../../shared/platform/tenant-schedules.ts';
import { getTenant } from '../../shared/tenancy/records.ts';

/** Upserting schedules is idempotent, so a redelivered event simply writes the same definitions. */
export const handler = eventHandler(
  'provision-tenant',
  [TenantVerified, TenantSettingsChanged],
  async (event, ctx) => {
    if (
      event.type === 'TenantSettingsChanged' &&
      !event.detail.fields.some((f) => f === 'timeZone' || f === 'settings')
    ) {
      return;
    }
    const tenant = await getTenant(ctx);
    if (tenant.emailVerification.status !== 'verified') return;
    const names = await provisionTenantSchedules({
      tenantId: tenant.id,
      timeZone: tenant.timeZone,
      dailyJobHour: tenant.settings.dailyJobHour,
    });
    ctx.logger.info('tenant schedules provisioned', { schedules: names });
  },
);
