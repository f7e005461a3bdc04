import { jobHandler } from '../../shared/platform/handlers.ts';
import { meterYesterday } from '../../shared/subscriptions/metering.ts';

/** One tenant's daily metering (a per-tenant schedule, just after its midnight). */
export const handler = jobHandler('meter-usage', async ({ ctx, input }) => {
  if (!ctx) throw new Error(`The ${input.schedule} schedule must name its tenant.`);
  return meterYesterday(ctx);
});
