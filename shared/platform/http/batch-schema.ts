import * as z from 'zod/mini';
import { lazy } from '../lazy.ts';
import { Id, named } from '../schema.ts';

/** The bodies of batch writes (./batch.ts), apart so route declarations import no database code. */
export const MAX_BATCH = 100;

export const BatchRequest = named(
  'BatchRequest',
  lazy(() =>
    z.object({
      // Each record is checked on its own (BatchRecord), so one malformed record is its own
      // answer, not the whole batch's.
      records: z.array(z.unknown()).check(
        z.meta({
          description:
            'Each record is `{ "action": "create" | "update" | "upsert", "id"?, "data" }`, `data` being the body of the single write; a malformed record is answered on its own.',
          examples: [
            [
              {
                action: 'upsert',
                data: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
              },
            ],
          ],
        }),
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
