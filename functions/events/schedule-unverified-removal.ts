import { TenantCreated, TenantVerified } from '../../events/tenancy.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { deleteUnverifiedRemoval, scheduleUnverifiedRemoval } from '../../shared/tenant-exit/unverified.ts';

/**
 * A new tenant gets the one-time schedule that removes it if its admin never verifies; the
 * verification deletes it. Should the two events arrive in the other order, the schedule fires
 * and finds the tenant verified, which removes nothing.
 */
export const handler = eventHandler(
  'schedule-unverified-removal',
  [TenantCreated, TenantVerified],
  async (event, ctx) => {
    if (event.type === 'TenantCreated')
      await scheduleUnverifiedRemoval(ctx, new Date(event.detail.occurredAt));
    else await deleteUnverifiedRemoval(ctx.tenantId);
  },
);
