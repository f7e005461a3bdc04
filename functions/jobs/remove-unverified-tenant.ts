import { jobHandler } from '../../shared/platform/handlers.ts';
import { removeIfUnverified } from '../../shared/tenant-exit/unverified.ts';

/** The one-time schedule of a sign-up fires: the tenant goes if it is still unverified. */
export const handler = jobHandler('remove-unverified-tenant', async ({ ctx }) => {
  if (!ctx) throw new Error('remove-unverified-tenant needs the tenant in its input.');
  return { removing: await removeIfUnverified(ctx) };
});
