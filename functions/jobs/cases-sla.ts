import * as z from 'zod/mini';
import { slaTimerFired } from '../../shared/cases/sla.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id } from '../../shared/platform/schema.ts';

/** Timers armed before the three clocks named a stage; the firing now looks at every clock itself. */
const Payload = lazy(() => z.object({ caseId: Id, stage: z.optional(z.string()) }));

/** A case's SLA timer fired: record the warnings and breaches due (each once), then set the next. */
export const handler = jobHandler('cases-sla', async ({ input, ctx }) => {
  if (!ctx) throw new Error('An SLA firing names its tenant.');
  const { caseId } = Payload.parse(input.payload);
  const outcome = await slaTimerFired(ctx, caseId);
  ctx.logger.info('case SLA firing', { caseId, outcome });
  return outcome;
});
