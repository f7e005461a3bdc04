import { type Column, FACT_TABLE_COLUMNS, type FactRow } from './schema.ts';

/**
 * Parquet files of facts written and read in Lambda (backfill, erasure rewrites) with hyparquet
 * and hyparquet-writer: pure JavaScript, maintained, no native code. They ship beside the bundle
 * (FunctionSpec.nodeModules) and load only here. Files have every column of the table, in its
 * order, with the types Firehose's conversion gives them, so every reader sees one schema.
 */
type SchemaElement = Record<string, unknown>;

function schemaOf(columns: readonly Column[]): SchemaElement[] {
  const elements: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const { name, type } of columns) {
    const scalar = (t: string): SchemaElement =>
      t === 'string'
        ? { type: 'BYTE_ARRAY', converted_type: 'UTF8' }
        : t === 'int'
          ? { type: 'INT32' }
          : t === 'timestamp'
            ? { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }
            : { type: 'INT64' };
    if (type.startsWith('array<')) {
      elements.push({ name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      elements.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      elements.push({ name: 'element', repetition_type: 'OPTIONAL', ...scalar(type.slice(6, -1)) });
    } else elements.push({ name, repetition_type: 'OPTIONAL', ...scalar(type) });
  }
  return elements;
}

function value(type: Column['type'], raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'bigint':
      return BigInt(raw as number | bigint);
    case 'int':
      return Number(raw);
    case 'timestamp':
      return raw instanceof Date ? raw : new Date(Number(raw));
    case 'array<bigint>':
      return (raw as Array<number | bigint>).map((v) => BigInt(v));
    case 'array<string>':
      return (raw as unknown[]).map(String);
    default:
      return String(raw);
  }
}

export async function writeFacts(rows: FactRow[]): Promise<Buffer> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columns = FACT_TABLE_COLUMNS;
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({
      name: c.name,
      data: rows.map((r) => value(c.type, (r as Record<string, unknown>)[c.name])) as never,
    })),
    schema: schemaOf(columns) as never,
  });
  return Buffer.from(buffer);
}

/** Every row of a facts file, with epoch milliseconds for timestamps and numbers for integers. */
export async function readFacts(file: Buffer): Promise<FactRow[]> {
  const { parquetReadObjects } = await import('hyparquet');
  const arrayBuffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file: arrayBuffer })) as Array<Record<string, unknown>>;
  const types = new Map(FACT_TABLE_COLUMNS.map((c) => [c.name, c.type]));
  return rows.map((row) => {
    const fact: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(row)) {
      const type = types.get(name);
      if (!type) continue;
      if (raw === null || raw === undefined) fact[name] = null;
      else if (type === 'timestamp') fact[name] = (raw as Date).getTime();
      else if (type === 'bigint' || type === 'int') fact[name] = Number(raw);
      else if (type === 'array<bigint>') fact[name] = (raw as unknown[]).map(Number);
      else fact[name] = raw;
    }
    return fact as FactRow;
  });
}
