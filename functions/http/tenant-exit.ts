import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import {
  cancelDeletion,
  confirmDeletion,
  getDeletion,
  requestDeletion,
} from '../../shared/tenant-exit/deletion.ts';
import { getExport, startExport } from '../../shared/tenant-exit/exports.ts';
import { tenantExitRoutes } from '../app/tenant-exit.ts';

export const handler = httpHandler(tenantExitRoutes, {
  startExport: async ({ ctx }) => {
    const started = await startExport(ctx);
    return reply(started, { status: 202, headers: { location: `/v1/tenant/exports/${started.id}` } });
  },
  getExport: ({ ctx, params }) => getExport(ctx, params.id),
  requestDeletion: async ({ ctx }) =>
    reply(await requestDeletion(ctx), { status: 201, headers: { location: '/v1/tenant/deletion' } }),
  confirmDeletion: ({ ctx, body }) => confirmDeletion(ctx, body.token),
  getDeletion: ({ ctx }) => getDeletion(ctx),
  cancelDeletion: ({ ctx }) => cancelDeletion(ctx),
});
