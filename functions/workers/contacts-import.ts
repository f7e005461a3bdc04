import * as z from 'zod/mini';
import { importChunk } from '../../shared/contacts/import-rows.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';

const ChunkMessage = lazy(() =>
  z.object({
    tenantId: z.string(),
    importId: z.string(),
    part: z.int(),
    index: z.int(),
    lineOffset: z.int(),
  }),
);

/** One chunk of a CSV import per message; the import is the actor of every change it makes. */
export const handler = queueHandler('contacts-import', ChunkMessage, async (message) => {
  const ctx = tenantContext({
    tenantId: asTenantId(message.tenantId),
    actor: { type: 'import', importId: message.importId },
    requestId: `${message.importId}:${message.part}:${message.index}`,
  });
  await importChunk(ctx, message);
});
