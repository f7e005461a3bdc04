import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, named } from '../platform/schema.ts';

export const BackfillRequest = named(
  'WarehouseBackfillRequest',
  lazy(() =>
    z.object({
      /**
       * Facts before this moment are written. By default, and at most, the earliest moment the
       * warehouse's first live facts of the tenant describe (or now, when it received none), so
       * history and live facts never overlap; a later moment answers 400.
       */
      before: z.optional(IsoDateTime),
    }),
  ),
);
export type BackfillRequest = z.infer<typeof BackfillRequest>;

export const Backfill = named(
  'WarehouseBackfill',
  lazy(() =>
    z.object({
      id: Id,
      status: z.enum(['running', 'completed', 'failed']),
      before: IsoDateTime,
      /** Pages of records read and facts written so far, per source. */
      progress: z.record(z.string(), z.object({ pages: z.int(), facts: z.int(), done: z.boolean() })),
      startedAt: IsoDateTime,
      completedAt: z.optional(IsoDateTime),
      error: z.optional(z.string()),
    }),
  ),
  'A backfill of the tenant’s history into the warehouse.',
);
export type Backfill = z.infer<typeof Backfill>;

export const WarehouseStatus = named(
  'WarehouseStatus',
  lazy(() =>
    z.object({
      /** Changes each time facts of the tenant land; cached reports older than it are recomputed. */
      factsVersion: z.int(),
      firstFactsAt: z.optional(IsoDateTime),
      liveFactsFrom: z.optional(IsoDateTime),
      lastFactsAt: z.optional(IsoDateTime),
    }),
  ),
);
export type WarehouseStatus = z.infer<typeof WarehouseStatus>;
