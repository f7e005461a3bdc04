import type * as z from 'zod/mini';
import type { TenantContext } from '../context.ts';
import { isDomainError, ValidationError } from '../errors.ts';
import { checkInput } from '../input.ts';
import {
  assertReferencesExist,
  checkReferences,
  type RecordKinds,
  type ReferenceDeclarations,
  referencesIn,
} from '../references.ts';
import { BatchRecord, type BatchResult } from './batch-schema.ts';
import { type Problem, problemFor } from './problem.ts';

/**
 * Batch writes (`POST /v1/contacts/batch`...): up to 100 records per call, each created, updated
 * or upserted on its own, in order. A batch is **not atomic**: each record is one write, as if
 * sent alone, and the answer says for each (by `index`) what happened: 201 created, 200 updated,
 * or a problem whose field paths name it (`body.records.3.data.email`). An invalid record does
 * not stop the others. With an `Idempotency-Key`, a retry of the same batch answers the first
 * results again and writes nothing (the whole answer is kept, like any POST's).
 */
interface Write<S extends z.ZodMiniType> {
  schema: S;
  /** The single write route's references, checked for each record as that route checks them. */
  references?: ReferenceDeclarations;
}

export interface BatchWrites<C extends z.ZodMiniType, U extends z.ZodMiniType> {
  create: Write<C> & { run(ctx: TenantContext, data: z.infer<C>): Promise<{ id: string }> };
  update: Write<U> & { run(ctx: TenantContext, id: string, data: z.infer<U>): Promise<{ id: string }> };
  /** The record an upsert updates: found by its natural key (email, domain, SKU), else created. */
  match: { field: string; find(ctx: TenantContext, value: string): Promise<string | undefined> };
}

/** What a batch takes from the single write route: its body schema and its references. */
export function singleWrite<S extends z.ZodMiniType>(route: {
  body?: S;
  references?: ReferenceDeclarations;
}): Write<S> {
  if (!route.body) throw new Error('A batch write needs the body schema of its single write route.');
  return { schema: route.body, ...(route.references ? { references: route.references } : {}) };
}

function invalid(issues: ValidationError['issues']): never {
  throw new ValidationError(issues);
}

export async function runBatch<C extends z.ZodMiniType, U extends z.ZodMiniType>(
  ctx: TenantContext,
  records: unknown[],
  writes: BatchWrites<C, U>,
  kinds: RecordKinds,
  request: { requestId: string; instance: string },
): Promise<BatchResult> {
  const results: BatchResult['results'] = [];
  for (const [index, raw] of records.entries()) {
    const at = `body.records.${index}`;
    try {
      const envelope = checkInput(BatchRecord, raw, at);
      if (!envelope.ok) invalid(envelope.issues);
      const { action, id, data } = envelope.data as z.infer<typeof BatchRecord>;
      if (action === 'update' && !id)
        invalid([{ path: `${at}.id`, message: 'An update names the record by id.' }]);
      // Never ignored in silence: an id on a create or an upsert would not pick the record.
      if (action !== 'update' && id)
        invalid([
          {
            path: `${at}.id`,
            message: `Only an update names its record by id; a create makes a new one, an upsert matches by ${writes.match.field}.`,
          },
        ]);
      const matchValue = data[writes.match.field];
      const existing =
        action === 'upsert' && typeof matchValue === 'string'
          ? await writes.match.find(ctx, matchValue.trim().toLowerCase())
          : action === 'update'
            ? id
            : undefined;
      if (action === 'upsert' && typeof matchValue !== 'string')
        invalid([
          {
            path: `${at}.data.${writes.match.field}`,
            message: `An upsert matches records by ${writes.match.field}.`,
          },
        ]);
      const write = existing ? writes.update : writes.create;
      const checked = checkInput(write.schema, data, `${at}.data`);
      if (!checked.ok) invalid(checked.issues);
      const references = referencesIn(write.references, checked.data, `${at}.data`);
      const verified = references.length ? await checkReferences(ctx, references, kinds) : undefined;
      if (verified) assertReferencesExist(verified);
      const scoped = verified ? { ...ctx, references: verified } : ctx;
      const record = existing
        ? await writes.update.run(scoped, existing, checked.data as z.infer<U>)
        : await writes.create.run(scoped, checked.data as z.infer<C>);
      results.push({ index, status: existing ? 200 : 201, id: record.id, record: record as never });
    } catch (error) {
      // One record's failure is its own answer; the next records are still written.
      const problem = problemFor(error, request.requestId, request.instance);
      results.push({ index, status: problem.status, problem: withPaths(problem, at) as never });
      if (!isDomainError(error)) ctx.logger.error('batch record failed', error as Error);
    }
  }
  return { results };
}

/** Service errors name fields as `body.email`; in a batch they are `body.records.3.data.email`. */
function withPaths(problem: Problem, at: string): Problem {
  if (!problem.errors) return problem;
  return {
    ...problem,
    errors: problem.errors.map((issue) => ({
      ...issue,
      path: issue.path.startsWith(`${at}.`) ? issue.path : issue.path.replace(/^body\./, `${at}.data.`),
    })),
  };
}
