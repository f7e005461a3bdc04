import { PlannerMessage, planStep, requeueStep } from '../../shared/marketing/planner.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';

/** One page of a mailing's audience (or of its records, after a resume) per message. */
export const handler = queueHandler('mailing-planner', PlannerMessage, async (message) => {
  const ctx = tenantContext({
    tenantId: asTenantId(message.tenantId),
    actor: { type: 'system', process: 'mailing-planner' },
  });
  if (message.phase === 'audience') await planStep(ctx, message);
  else await requeueStep(ctx, message);
});
