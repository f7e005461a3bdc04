import { runFiring } from '../../shared/automation/firing.ts';
import { Firing } from '../../shared/automation/schema.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';

/** One rule firing per message; the receive count tells the run which delivery is the last. */
export const handler = queueHandler('automation-worker', Firing, async (firing, record) => {
  const ctx = tenantContext({
    tenantId: asTenantId(firing.tenantId),
    actor: { type: 'automation', ruleId: firing.ruleId },
  });
  await runFiring(ctx, firing, Number(record.attributes.ApproximateReceiveCount ?? 1));
});
