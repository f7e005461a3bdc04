import { ImportCompleted, ImportQueued } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { restoreCell } from '../platform/csv.ts';
import { and } from '../platform/db/expressions.ts';
import { getItem, type Page, queryPage, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { listCustomFields } from './fields.ts';
import { mapColumns } from './import-columns.ts';
import { importKeys } from './keys.ts';
import type { Import, ImportRowError } from './schema.ts';

/**
 * CSV imports run as jobs, because a file of 50,000 rows is several megabytes and the API takes
 * bodies of at most 1 MiB:
 *
 * 1. `POST /v1/imports?parts=n` carries the first part (with the header); parts 2..n follow, one
 *    after another, with `POST /v1/imports/{id}/parts`, each ≤ 1 MiB and made of whole rows.
 * 2. Each part is parsed once on arrival and stored as chunk items of at most 500 rows and
 *    300 KB (under DynamoDB's 400 KB item limit), rows tagged with their line number in the part.
 * 3. When the last part arrives the import is queued (outbox event `ImportQueued`); the contacts
 *    worker turns it into one SQS message per chunk. Each message imports its ≤ 500 rows
 *    (upsert by email) and adds its counts to the import's progress in the transaction that marks
 *    the chunk done, so a redelivered message counts nothing twice.
 *
 * Work per request and per message is bounded by construction, whatever the file's size.
 */
export const MAX_PARTS = 200;
export const ROWS_PER_CHUNK = 500;
const CHUNK_BYTES = 300_000;
/** A part's chunks are written in one transaction with the import's progress (at most 100 writes). */
const CHUNKS_PER_PART = 99;
export const ROWS_PER_PART = CHUNKS_PER_PART * ROWS_PER_CHUNK;
/** A row larger than this is reported as a row error, not stored: a chunk item stays under 400 KB. */
export const MAX_ROW_BYTES = 65_536;
export const MAX_COLUMNS = 300;
const MAX_HEADER_CHARS = 200;

export interface ParsedRow {
  /** Line number in its part (1-based). */
  line: number;
  cells?: string[];
  error?: string;
}

export interface StoredImport extends Import {
  partLines: Record<string, number>;
  partRows: Record<string, number>;
  partChunks: Record<string, number>;
  chunkTotal: number;
  chunksDone: number;
}

const toStored = (item: Record<string, unknown>): StoredImport => {
  const stored = withoutKeys<StoredImport & { receivedParts: Iterable<string> }>(item);
  return {
    ...stored,
    receivedParts: [...((item.receivedParts as Iterable<string> | undefined) ?? [])]
      .map(Number)
      .sort((a, b) => a - b),
  };
};

export function toImport(stored: StoredImport): Import {
  const { partLines: _l, partRows: _r, partChunks: _c, chunkTotal: _t, chunksDone: _d, ...visible } = stored;
  return visible;
}

/** Lines in a text, counting a last line without its newline. */
function lineCount(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/**
 * Parses one part into rows with their line numbers. Rows that cannot be read as CSV (a stray
 * quote) become rows with an error, so the report names their line and the good rows still import.
 * csv-parse (30 KB minified) is imported here, by the import routes only.
 */
export async function parsePart(text: string): Promise<ParsedRow[]> {
  const { parse } = await import('csv-parse/sync');
  const rows: ParsedRow[] = [];
  const records = parse(text, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: { message: string; lines?: number } | undefined) => {
      if (error) rows.push({ line: error.lines ?? 0, error: `Not readable as CSV: ${error.message}` });
    },
  }) as unknown as Array<{ record: string[]; info: { lines: number }; raw: string }>;
  for (const { record, info, raw } of records) {
    const body = raw.replace(/^[\r\n]+/, '');
    const span = body.split('\n').length - 1 || 1;
    if (record.every((cell) => cell.trim() === '')) continue;
    const line = info.lines - span + 1;
    const cells = record.map(restoreCell);
    const bytes = Buffer.byteLength(JSON.stringify(cells));
    if (bytes > MAX_ROW_BYTES)
      rows.push({ line, error: `The row takes ${bytes} bytes; a row holds at most ${MAX_ROW_BYTES}.` });
    else rows.push({ line, cells });
  }
  return rows.sort((a, b) => a.line - b.line);
}

export function chunksOf(rows: ParsedRow[]): ParsedRow[][] {
  const chunks: ParsedRow[][] = [];
  let current: ParsedRow[] = [];
  let bytes = 2;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (current.length && (current.length >= ROWS_PER_CHUNK || bytes + size > CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** A part's rows in chunks, refused (400) when they would not fit the part's one transaction. */
function partChunks(rows: ParsedRow[]): ParsedRow[][] {
  const chunks = chunksOf(rows);
  if (chunks.length > CHUNKS_PER_PART)
    throw ValidationError.field(
      'body',
      `This part has ${rows.length} rows; a part holds at most ${ROWS_PER_PART}: send the file in more parts.`,
    );
  return chunks;
}

export interface ImportOptions {
  dryRun: boolean;
  parts: number;
}

/** Starts an import with its first part, which holds the header. */
export async function createImport(
  ctx: TenantContext,
  options: ImportOptions,
  csv: string | undefined,
): Promise<Import> {
  if (!csv?.trim()) throw ValidationError.field('body', 'Send the CSV file (or its first part) as the body.');
  const rows = await parsePart(csv);
  const header = rows[0];
  if (!header?.cells || header.line !== 1)
    throw ValidationError.field('body', 'The first line must be the header naming the columns.');
  if (header.cells.length > MAX_COLUMNS)
    throw ValidationError.field(
      'body',
      `The header names ${header.cells.length} columns; at most ${MAX_COLUMNS}.`,
    );
  const long = header.cells.findIndex((name) => name.length > MAX_HEADER_CHARS);
  if (long >= 0)
    throw ValidationError.field('body', `Column ${long + 1}'s name is over ${MAX_HEADER_CHARS} characters.`);
  const definitions = await listCustomFields(ctx);
  const fields = mapColumns(header.cells, definitions);
  if (!fields.includes('email'))
    throw ValidationError.field('body', 'The CSV needs an email column: imports update contacts by email.');
  // Checked before the import is saved, so that a part refused leaves no import behind.
  partChunks(rows.slice(1));
  const now = ctx.clock.now().toISOString();
  const stored: StoredImport = {
    id: newId(),
    status: 'receiving',
    dryRun: options.dryRun,
    parts: options.parts,
    receivedParts: [],
    columns: header.cells.map((h, i) => ({ header: h, ...(fields[i] ? { field: fields[i] } : {}) })),
    totalRows: 0,
    processedRows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    createdAt: now,
    updatedAt: now,
    partLines: {},
    partRows: {},
    partChunks: {},
    chunkTotal: 0,
    chunksDone: 0,
  };
  const { receivedParts: _r, ...item } = stored;
  await unitOfWork(ctx)
    .put({
      ...importKeys.import(ctx.tenantId, stored.id),
      entity: 'Import',
      GSI1PK: importKeys.all(ctx.tenantId),
      GSI1SK: `${now}#${stored.id}`,
      ...item,
    })
    .commit();
  return addPart(ctx, stored.id, 1, csv, rows.slice(1));
}

/** Appends the next part to an import (parts arrive one after another). */
export async function addNextPart(
  ctx: TenantContext,
  importId: string,
  csv: string | undefined,
): Promise<Import> {
  const current = await getStoredImport(ctx, importId, true);
  if (current.status !== 'receiving' || current.receivedParts.length >= current.parts)
    throw new ConflictError(`This import already has its ${current.parts} parts.`);
  return addPart(ctx, importId, current.receivedParts.length + 1, csv);
}

/** Stores part `n` of an import, once: a concurrent second upload of the same part gets 409. */
async function addPart(
  ctx: TenantContext,
  importId: string,
  n: number,
  csv: string | undefined,
  parsed?: ParsedRow[],
): Promise<Import> {
  if (!csv?.trim()) throw ValidationError.field('body', 'Send this part of the CSV file as the body.');
  const rows = parsed ?? (await parsePart(csv));
  const chunks = partChunks(rows);
  const uow = unitOfWork(ctx);
  for (const [index, chunk] of chunks.entries())
    uow.put({
      ...importKeys.chunk(ctx.tenantId, importId, n, index),
      entity: 'ImportChunk',
      rows: JSON.stringify(chunk),
      done: false,
    });
  uow.update(importKeys.import(ctx.tenantId, importId), {
    set: {
      [`partLines.${n}`]: lineCount(csv),
      [`partRows.${n}`]: rows.length,
      [`partChunks.${n}`]: chunks.length,
      updatedAt: ctx.clock.now().toISOString(),
    },
    addToSet: { receivedParts: [String(n)] },
    condition: and(
      (e) => `${e.name('status')} = ${e.value('receiving')}`,
      (e) =>
        n === 1
          ? `attribute_not_exists(${e.name('receivedParts')})`
          : `size(${e.name('receivedParts')}) = ${e.value(n - 1)}`,
    ),
    onConditionFailed: () =>
      new ConflictError('Another part arrived meanwhile: send parts one after another.'),
  });
  await uow.commit();
  return queueWhenComplete(ctx, importId);
}

/** Once every part is in, queues the import (exactly once: the status change is conditional). */
async function queueWhenComplete(ctx: TenantContext, importId: string): Promise<Import> {
  const current = await getStoredImport(ctx, importId, true);
  if (current.status !== 'receiving' || current.receivedParts.length < current.parts)
    return toImport(current);
  const sum = (map: Record<string, number>) => Object.values(map).reduce((a, b) => a + Number(b), 0);
  const chunkTotal = sum(current.partChunks);
  const totalRows = sum(current.partRows);
  const uow = unitOfWork(ctx).update(importKeys.import(ctx.tenantId, importId), {
    set: {
      status: chunkTotal === 0 ? 'completed' : 'queued',
      chunkTotal,
      totalRows,
      updatedAt: ctx.clock.now().toISOString(),
    },
    condition: (e) => `${e.name('status')} = ${e.value('receiving')}`,
    onConditionFailed: () => new ConflictError('Already queued.'),
  });
  if (chunkTotal > 0) uow.publish(ImportQueued, { importId, chunks: chunkTotal });
  try {
    await uow.commit();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return getImport(ctx, importId);
}

export async function getStoredImport(
  ctx: TenantContext,
  id: string,
  consistent = false,
): Promise<StoredImport> {
  const item = await getItem(ctx, importKeys.import(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Import', id);
  return toStored(item);
}

export async function getImport(ctx: TenantContext, id: string): Promise<Import> {
  return toImport(await getStoredImport(ctx, id, true));
}

/** The rows an import refused, by line number. */
export async function listImportErrors(
  ctx: TenantContext,
  id: string,
  page: { limit: number; cursor?: string },
): Promise<Page<ImportRowError>> {
  await getStoredImport(ctx, id);
  return queryPage<ImportRowError>(
    ctx,
    { partition: importKeys.partition(ctx.tenantId, id), sort: { beginsWith: 'ERROR#' } },
    page,
    (item) => ({ line: Number(item.line), errors: item.errors as ImportRowError['errors'] }),
  );
}

export type ChunkMessage = {
  tenantId: string;
  importId: string;
  part: number;
  index: number;
  /** Lines of the file before this chunk's part, to turn part lines into file lines. */
  lineOffset: number;
};

/** One message per stored chunk, with the line offset of its part. */
export async function chunkMessages(ctx: TenantContext, importId: string): Promise<ChunkMessage[]> {
  const stored = await getStoredImport(ctx, importId, true);
  const messages: ChunkMessage[] = [];
  let offset = 0;
  for (let part = 1; part <= stored.parts; part++) {
    for (let index = 0; index < Number(stored.partChunks[part] ?? 0); index++)
      messages.push({ tenantId: ctx.tenantId, importId, part, index, lineOffset: offset });
    offset += Number(stored.partLines[part] ?? 0);
  }
  return messages;
}

/** Adds a chunk's outcome to the import's progress, once, and completes the import after its last chunk. */
export async function recordChunkDone(
  ctx: TenantContext,
  message: ChunkMessage,
  counts: { created: number; updated: number; unchanged: number; failed: number; rows: number },
): Promise<void> {
  const chunkKey = importKeys.chunk(ctx.tenantId, message.importId, message.part, message.index);
  const importKey = importKeys.import(ctx.tenantId, message.importId);
  try {
    await unitOfWork(ctx)
      .update(chunkKey, {
        set: { done: true },
        condition: (e) => `${e.name('done')} = ${e.value(false)}`,
        onConditionFailed: () => new ConflictError('Chunk already done.'),
      })
      .update(importKey, {
        set: { status: 'running', updatedAt: ctx.clock.now().toISOString() },
        add: {
          processedRows: counts.rows,
          created: counts.created,
          updated: counts.updated,
          unchanged: counts.unchanged,
          failed: counts.failed,
          chunksDone: 1,
        },
      })
      .commit();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  const stored = await getStoredImport(ctx, message.importId, true);
  if (stored.status === 'completed' || stored.chunksDone < stored.chunkTotal) return;
  const uow = unitOfWork(ctx).update(importKey, {
    set: { status: 'completed', completedAt: ctx.clock.now().toISOString() },
    condition: (e) =>
      `${e.name('status')} <> ${e.value('completed')} AND ${e.name('chunksDone')} = ${e.name('chunkTotal')}`,
    onConditionFailed: () => new ConflictError('Already completed.'),
  });
  uow.publish(ImportCompleted, {
    importId: stored.id,
    dryRun: stored.dryRun,
    created: stored.created,
    updated: stored.updated,
    unchanged: stored.unchanged,
    failed: stored.failed,
  });
  try {
    await uow.commit();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

export async function readChunk(ctx: TenantContext, message: ChunkMessage): Promise<ParsedRow[] | undefined> {
  const item = await getItem(
    ctx,
    importKeys.chunk(ctx.tenantId, message.importId, message.part, message.index),
    {
      consistent: true,
    },
  );
  if (!item) throw new NotFoundError('Import chunk');
  return item.done ? undefined : (JSON.parse(String(item.rows)) as ParsedRow[]);
}

export function rowErrorsInto(ctx: TenantContext, importId: string, errors: ImportRowError[]) {
  const commits: Array<Promise<void>> = [];
  for (let start = 0; start < errors.length; start += 100) {
    const uow = unitOfWork(ctx);
    for (const error of errors.slice(start, start + 100))
      uow.put({
        ...importKeys.rowError(ctx.tenantId, importId, error.line),
        entity: 'ImportRowError',
        ...error,
      });
    commits.push(uow.commit());
  }
  return Promise.all(commits);
}
