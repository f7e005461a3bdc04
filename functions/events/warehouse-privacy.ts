import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { ContactErased } from '../../events/contacts.ts';
import { eventHandler, jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import {
  anonymizeContact,
  ERASURE_SWEEP_SCHEDULE,
  eraseFromWarehouse,
} from '../../shared/warehouse/privacy.ts';

const Sweep = lazy(() => z.object({ contactId: z.string() }));

const onErasure = eventHandler('warehouse-privacy', [ContactErased], async (event, ctx) => {
  await eraseFromWarehouse(ctx, event.detail.contactId);
});

const onSweep = jobHandler('warehouse-privacy', async ({ input, ctx }) => {
  if (!ctx || input.schedule !== ERASURE_SWEEP_SCHEDULE)
    throw new Error(`warehouse-privacy does not run ${input.schedule} without a tenant.`);
  return anonymizeContact(ctx, Sweep.parse(input.payload).contactId);
});

/** Erasures arrive from the bus (ContactErased); their second pass from a one-time schedule. */
export const handler = (event: unknown, context: Context) =>
  typeof event === 'object' && event !== null && 'detail-type' in event
    ? onErasure(event as Parameters<typeof onErasure>[0], context)
    : onSweep(event, context);
