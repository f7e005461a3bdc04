import * as z from 'zod/mini';
import { slaTimerFired } from '../../shared/cases/sla.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { Id } from '../../shared/platform/schema.ts';

const Payload = z.object({ caseId: Id, stage: z.enum(['warn', 'breach']) });

/** A case's SLA schedule fired: warn, or flag the breach (each once). */
export const handler = jobHandler('cases-sla', async ({ input, ctx }) => {
  if (!ctx) throw new Error('An SLA firing names its tenant.');
  const { caseId, stage } = Payload.parse(input.payload);
  const outcome = await slaTimerFired(ctx, caseId, stage);
  ctx.logger.info('case SLA firing', { caseId, stage, outcome });
  return outcome;
});
