import { beforeAll, describe, expect, it } from 'vitest';
import { importChunk } from '../../../shared/contacts/import-rows.ts';
import {
  chunkMessages,
  createImport,
  getImport,
  listImportErrors,
  parsePart,
} from '../../../shared/contacts/imports.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

/** Runs what the worker runs for each queued chunk, in this process. */
async function runImport(ctx: TenantContext, importId: string) {
  for (const message of await chunkMessages(ctx, importId))
    await importChunk({ ...ctx, actor: { type: 'import', importId } }, message);
  return getImport(ctx, importId);
}

describe('CSV parts', () => {
  it('number rows by their line, multi-line cells included, and keep unreadable rows as errors', () => {
    const rows = parsePart('a,b\n1,"two\nlines"\n\n3,4\n5,"x"y\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5, 6]);
    expect(rows[1]!.cells).toEqual(['1', 'two\nlines']);
  });
});

describe('imports', () => {
  it('report broken rows with their line and column', async () => {
    const { ctx } = await newTenant();
    const started = await createImport(
      ctx,
      { dryRun: false, parts: 1 },
      'First Name,Last Name,Email,Phone\nAda,Lovelace,ada@x.example,+33612345678\nBad,Email,nope,\n',
    );
    const done = await runImport(ctx, started.id);
    const errors = await listImportErrors(ctx, started.id, { limit: 10 });
    expect(errors.items).toEqual([
      { line: 3, errors: [{ field: 'Email', message: 'Must be an email address.' }] },
    ]);
    expect(done).toMatchObject({ status: 'completed', created: 1, failed: 1 });
  });
});
