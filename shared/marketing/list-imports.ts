import { contactKeys } from '../contacts/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { restoreCell } from '../platform/csv.ts';
import { getItems } from '../platform/db/repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { Email } from '../platform/schema.ts';
import { addMembers, getList } from './lists.ts';
import type { ListImportResult } from './schema.ts';

/** Rows per list import request: each row is a lookup and a write, all inside one request. */
export const MAX_IMPORT_ROWS = 5000;
const SHOWN = 100;

/**
 * Adds the contacts whose primary email a CSV names (a column headed like "email", or the first
 * column). Addresses that are no contact are reported, not created: contacts come in through the
 * address book's own import, with names and consent.
 */
export async function importMembers(
  ctx: TenantContext,
  listId: string,
  csv: string,
): Promise<ListImportResult> {
  await getList(ctx, listId);
  // csv-parse (30 KB minified) is imported by this route only.
  const { parse } = await import('csv-parse/sync');
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    throw ValidationError.field('body', `The file is not readable as CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw ValidationError.field('body', 'The file is empty.');
  const header = records[0]!.map((cell) => cell.toLowerCase().replace(/[^a-z]/g, ''));
  const named = header.findIndex((cell) => /^(email|emailaddress|mail)$/.test(cell));
  const column = named >= 0 ? named : 0;
  const firstRow = named >= 0 || !Email.safeParse(records[0]![0] ?? '').success ? 1 : 0;
  const rows = records
    .slice(firstRow)
    .map((cells, i) => ({ line: i + firstRow + 1, value: restoreCell(cells[column] ?? '') }));
  if (rows.length > MAX_IMPORT_ROWS)
    throw ValidationError.field('body', `At most ${MAX_IMPORT_ROWS} rows per request; split the file.`);
  const invalid: ListImportResult['invalid'] = [];
  const valid: Array<{ line: number; email: string }> = [];
  for (const row of rows) {
    const parsed = Email.safeParse(row.value);
    if (parsed.success) valid.push({ line: row.line, email: parsed.data });
    else invalid.push(row);
  }
  const guards = await getItems(
    ctx,
    [...new Set(valid.map((r) => r.email))].map((email) => contactKeys.email(ctx.tenantId, email)),
  );
  const prefix = contactKeys.email(ctx.tenantId, '').PK;
  const contactByEmail = new Map(guards.map((g) => [String(g.PK).slice(prefix.length), String(g.contactId)]));
  const unknown = valid.filter((r) => !contactByEmail.has(r.email));
  const outcome = await addMembers(
    ctx,
    listId,
    valid.map((r) => contactByEmail.get(r.email)).filter((id): id is string => Boolean(id)),
    'import',
  );
  return {
    rows: rows.length,
    added: outcome.changed,
    alreadyMembers: outcome.unchanged,
    unknown: unknown.slice(0, SHOWN).map((r) => ({ line: r.line, email: r.email })),
    unknownCount: unknown.length,
    invalid: invalid.slice(0, SHOWN),
    memberCount: outcome.memberCount,
  };
}
