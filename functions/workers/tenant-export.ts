import * as z from 'zod/mini';
import { lazy } from '../../shared/platform/lazy.ts';
import '../app/tenant-data.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { runExport } from '../../shared/tenant-exit/exports.ts';

const Job = lazy(() => z.object({ tenantId: z.string(), exportId: z.string() }));

/** One export per message; a redelivery of a completed export does nothing. */
export const handler = queueHandler('tenant-export', Job, async (job) => {
  const ctx = tenantContext({
    tenantId: asTenantId(job.tenantId),
    actor: { type: 'system', process: 'tenant-export' },
  });
  await runExport(ctx, job.exportId);
});
