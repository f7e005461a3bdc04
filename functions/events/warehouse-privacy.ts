import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { eventHandler, jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import {
  anonymizeContact,
  ERASURE_SWEEP_SCHEDULE,
  eraseFromWarehouse,
  MERGE_SWEEP_SCHEDULE,
  mergeContactFacts,
  mergeInWarehouse,
} from '../../shared/warehouse/privacy.ts';

const Sweep = lazy(() => z.object({ contactId: z.string() }));

const onContactEvent = eventHandler(
  'warehouse-privacy',
  [ContactErased, ContactsMerged],
  async (event, ctx) => {
    if (event.type === 'ContactsMerged') await mergeInWarehouse(ctx, event.detail.mergedContactId);
    else await eraseFromWarehouse(ctx, event.detail.contactId);
  },
);

const onSweep = jobHandler('warehouse-privacy', async ({ input, ctx }) => {
  const { contactId } = Sweep.parse(input.payload);
  if (ctx && input.schedule === ERASURE_SWEEP_SCHEDULE) return anonymizeContact(ctx, contactId);
  if (ctx && input.schedule === MERGE_SWEEP_SCHEDULE) return mergeContactFacts(ctx, contactId);
  throw new Error(`warehouse-privacy does not run ${input.schedule} without a tenant.`);
});

/** Erasures and merges arrive from the bus; their second pass from a one-time schedule. */
export const handler = (event: unknown, context: Context) =>
  typeof event === 'object' && event !== null && 'detail-type' in event
    ? onContactEvent(event as Parameters<typeof onContactEvent>[0], context)
    : onSweep(event, context);
