import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { getBackfill, startBackfill } from '../../shared/warehouse/backfill.ts';
import { warehouseStatus } from '../../shared/warehouse/state.ts';
import { warehouseRoutes } from '../app/warehouse.ts';

export const handler = httpHandler(warehouseRoutes, {
  startBackfill: async ({ ctx, body }) => {
    const backfill = await startBackfill(ctx, body);
    return reply(backfill, { status: 202, headers: { location: `/v1/warehouse/backfills/${backfill.id}` } });
  },
  getBackfill: ({ ctx, params }) => getBackfill(ctx, params.id),
  warehouseStatus: ({ ctx }) => warehouseStatus(ctx),
});
