import { measureCapacity } from '../../shared/invoicing/capacity.ts';
import { runDunningSweep } from '../../shared/invoicing/sweep.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';

/**
 * One tenant's daily dunning sweep (a per-tenant schedule). It answers with its report and the
 * DynamoDB capacity it consumed, which the benchmark compares across history sizes.
 */
export const handler = jobHandler('dunning-sweep', async ({ ctx, input }) => {
  if (!ctx) throw new Error(`The ${input.schedule} schedule must name its tenant.`);
  const { result, capacity } = await measureCapacity(ctx, runDunningSweep);
  return { ...result, capacity };
});
