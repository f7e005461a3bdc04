import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { getExport, startExport } from '../../shared/tenant-exit/exports.ts';
import { tenantExitRoutes } from '../app/tenant-exit.ts';

export const handler = httpHandler(tenantExitRoutes, {
  startExport: async ({ ctx }) => {
    const started = await startExport(ctx);
    return reply(started, { status: 202, headers: { location: `/v1/tenant/exports/${started.id}` } });
  },
  getExport: ({ ctx, params }) => getExport(ctx, params.id),
});
