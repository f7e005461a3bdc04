import { jobHandler } from '../../shared/platform/handlers.ts';
import { removeDeletedTenant } from '../../shared/tenant-exit/deletion.ts';

/** The grace period of a confirmed deletion ends: the tenant goes if it is still frozen by that request. */
export const handler = jobHandler('remove-deleted-tenant', async ({ ctx, input }) => {
  if (!ctx) throw new Error('remove-deleted-tenant needs the tenant in its input.');
  return { removing: await removeDeletedTenant(ctx, String(input.payload?.deletionId ?? '')) };
});
