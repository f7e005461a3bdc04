import * as z from 'zod/mini';
import { lazy } from '../lazy.ts';
import { Id, named } from '../schema.ts';

/** The bodies of batch writes (./batch.ts), apart so route declarations import no database code. */
export const MAX_BATCH = 100;

export const BatchRequest = named(
  'BatchRequest',
  lazy(() =>
    z.object({
      records: z
        .array(z.record(z.string(), z.unknown()))
        .check(
          z.minLength(1, { message: 'Send at least one record.' }),
          z.maxLength(MAX_BATCH, { message: `At most ${MAX_BATCH} records per batch; split it.` }),
        ),
    }),
  ),
);

export const BatchRecord = lazy(() =>
  z.object({
    action: z.enum(['create', 'update', 'upsert']),
    id: z.optional(Id),
    data: z.record(z.string(), z.unknown()),
  }),
);

export const BatchResult = named(
  'BatchResult',
  lazy(() =>
    z.object({
      results: z.array(
        z.object({
          index: z.int(),
          status: z.int(),
          id: z.optional(z.string()),
          record: z.optional(z.record(z.string(), z.unknown())),
          problem: z.optional(z.record(z.string(), z.unknown())),
        }),
      ),
    }),
  ),
);
export type BatchResult = z.infer<typeof BatchResult>;
