import { localDate } from '../platform/time.ts';
import type { Parameter, SqlDialect } from '../warehouse/query.ts';
import { FACTS_TABLE } from '../warehouse/schema.ts';
import type { Grain, ResolvedPeriod } from './period.ts';

/**
 * The one SQL compiler of reports, standard and custom. Every value a caller gave (tenant, dates,
 * time zone, filter values) is a bound parameter; the text holds only names and keywords from this
 * code. Every read of the facts table goes through `facts()`, which always adds the tenant's
 * partition, the day partitions of the period and the period itself, and keeps one row per event
 * id (Firehose and EventBridge deliver at least once; a backfill may write an event again).
 *
 * The dialects differ in a few functions only, all here: time zones, bucket labels, median,
 * arg-max and unnesting lines.
 */
export interface Query {
  sql: string;
  parameters: Parameter[];
}

export interface FactsScope {
  tenantId: string;
  eventTypes: readonly string[];
  columns: readonly string[];
  /** The instants [from, to) and the UTC days that can hold them. */
  from: Date;
  to: Date;
  /** Conditions on facts columns: `column = value` each, all of them. */
  where?: ReadonlyArray<{ column: string; value: Parameter }>;
  /** Extra conditions written by a report (constants and this builder's parameters only). */
  also?: readonly string[];
}

const day = (instant: Date) => instant.toISOString().slice(0, 10);
const timestampText = (instant: Date) => instant.toISOString().replace('T', ' ').replace('Z', '');

export class Sql {
  readonly #values: Parameter[] = [];

  constructor(
    readonly dialect: SqlDialect,
    readonly database: string,
  ) {}

  /**
   * A bound parameter. Its placeholder names it, so fragments can be built in any order: `query()`
   * puts the values in the order the placeholders appear in the final text, as `?` wants them.
   */
  p(value: Parameter): string {
    this.#values.push(value);
    return `{{p${this.#values.length - 1}}}`;
  }

  /** A name this code chose (a column, an alias); never a caller's text. */
  name(identifier: string): string {
    if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`Not an identifier: ${identifier}`);
    return `"${identifier}"`;
  }

  /** A constant this code chose (an event type, a status). */
  constant(text: string): string {
    if (!/^[A-Za-z0-9_.:-]*$/.test(text)) throw new Error(`Not a constant: ${text}`);
    return `'${text}'`;
  }

  timestamp(instant: Date): string {
    return `CAST(${this.p(timestampText(instant))} AS TIMESTAMP)`;
  }

  date(local: string): string {
    return `CAST(${this.p(local)} AS DATE)`;
  }

  /** A UTC timestamp column as wall-clock time in the tenant's zone. */
  local(column: string, timeZone: string): string {
    return this.dialect === 'duckdb'
      ? `timezone(${this.p(timeZone)}, ${column} AT TIME ZONE 'UTC')`
      : `at_timezone(with_timezone(${column}, 'UTC'), ${this.p(timeZone)})`;
  }

  /** The first local day of the bucket holding a local time, as `yyyy-mm-dd` text. */
  bucket(localTime: string, grain: Grain): string {
    return this.dialect === 'duckdb'
      ? `strftime(date_trunc('${grain}', ${localTime}), '%Y-%m-%d')`
      : `format_datetime(date_trunc('${grain}', ${localTime}), 'yyyy-MM-dd')`;
  }

  /** The local calendar day of a local time, as a DATE. */
  localDay(localTime: string): string {
    return this.dialect === 'duckdb' ? `CAST(${localTime} AS DATE)` : `date(${localTime})`;
  }

  /** Exact on DuckDB; Athena's approx_percentile is within about 1 % of rank. */
  median(expression: string): string {
    return this.dialect === 'duckdb' ? `median(${expression})` : `approx_percentile(${expression}, 0.5)`;
  }

  /** The value of `value` on the row where `by` is largest (rows where `by` is null ignored). */
  argMax(value: string, by: string): string {
    return this.dialect === 'duckdb' ? `arg_max(${value}, ${by})` : `max_by(${value}, ${by})`;
  }

  days(from: string, to: string): string {
    return `date_diff('day', ${from}, ${to})`;
  }

  table(): string {
    return `"${this.database}"."${FACTS_TABLE}"`;
  }

  /**
   * The deduplicated facts of one tenant in a period: the tenant's partition, the day partitions
   * and the instants of the period, the event types asked for, the conditions given.
   *
   * One copy of each event is kept first, and the conditions apply to it after: a condition
   * inside the deduplication would drop the first copy of an event and let a later one (written
   * with other dimensions, by a redelivery or a backfill) count in its place. Both engines read
   * only the columns the outer query names, so the inner `*` costs nothing.
   */
  facts(scope: FactsScope): string {
    const columns = [...new Set(['event_id', 'event_type', 'occurred_at', ...scope.columns])].map((c) =>
      this.name(c),
    );
    const events = [
      `tenant = ${this.p(scope.tenantId)}`,
      `dt BETWEEN ${this.p(day(scope.from))} AND ${this.p(day(new Date(scope.to.getTime() - 1)))}`,
      `occurred_at >= ${this.timestamp(scope.from)}`,
      `occurred_at < ${this.timestamp(scope.to)}`,
      `event_type IN (${scope.eventTypes.map((t) => this.constant(t)).join(', ')})`,
    ];
    const conditions = [
      'copy_number = 1',
      ...(scope.where ?? []).map((w) => `${this.name(w.column)} = ${this.p(w.value)}`),
      ...(scope.also ?? []),
    ];
    return `SELECT ${columns.join(', ')} FROM (SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY ingested_at) AS copy_number FROM ${this.table()} WHERE ${events.join(' AND ')}) AS deduplicated WHERE ${conditions.join(' AND ')}`;
  }

  /**
   * A FROM clause with one row per line of each order or invoice row of `source`, with the line's
   * product, category, quantity and amount as `line_product`, `line_category`, `line_quantity`,
   * `line_amount`.
   */
  lines(source: string, columns: readonly string[]): string {
    const kept = columns.map((c) => this.name(c)).join(', ');
    return this.dialect === 'duckdb'
      ? `(SELECT ${kept}, unnest(line_product_ids) AS line_product, unnest(line_categories) AS line_category, unnest(line_quantities) AS line_quantity, unnest(line_amounts) AS line_amount FROM ${source}) AS line_rows`
      : `(SELECT ${columns.map((c) => `s.${this.name(c)}`).join(', ')}, l.line_product, l.line_category, l.line_quantity, l.line_amount FROM ${source} AS s CROSS JOIN UNNEST(s.line_product_ids, s.line_categories, s.line_quantities, s.line_amounts) AS l(line_product, line_category, line_quantity, line_amount)) AS line_rows`;
  }

  /**
   * A FROM clause with one row per name in the `fields` list of each row of `source`, as `field`;
   * a row with no list (a contact created) is kept once, its `field` null.
   */
  unnestFields(source: string, columns: readonly string[]): string {
    const kept = columns.map((c) => this.name(c));
    return this.dialect === 'duckdb'
      ? `(SELECT ${kept.join(', ')}, unnest(CASE WHEN len(coalesce(fields, [])) = 0 THEN [CAST(NULL AS VARCHAR)] ELSE fields END) AS field FROM ${source}) AS field_rows`
      : `(SELECT ${kept.map((c) => `s.${c}`).join(', ')}, u.field FROM ${source} AS s CROSS JOIN UNNEST(CASE WHEN cardinality(coalesce(s.fields, ARRAY[])) = 0 THEN ARRAY[CAST(NULL AS VARCHAR)] ELSE s.fields END) AS u(field)) AS field_rows`;
  }

  /** Whether a list column holds any of the values (a bound parameter each); null for no list. */
  holdsAny(column: string, values: readonly string[]): string {
    const list = values.map((v) => this.p(v)).join(', ');
    return this.dialect === 'duckdb'
      ? `list_has_any(${this.name(column)}, list_value(${list}))`
      : `arrays_overlap(${this.name(column)}, ARRAY[${list}])`;
  }

  /** A table `alias` of the period's buckets: `period` (its first day), `ends_at` (now at most), `last_day`. */
  buckets(period: ResolvedPeriod, now: Date, alias: string): string {
    // A bucket that has not ended yet is as of now: what is owed now, late by today's date.
    const today = localDate(now, period.timeZone);
    const rows = period.buckets.map((b) => {
      const open = b.endsAt.getTime() > now.getTime();
      return `(${this.p(b.start)}, ${this.timestamp(open ? now : b.endsAt)}, ${this.date(open && today < b.last ? today : b.last)})`;
    });
    return `(VALUES ${rows.join(', ')}) AS ${this.name(alias)}(period, ends_at, last_day)`;
  }

  query(sql: string): Query {
    const parameters: Parameter[] = [];
    const text = sql.replace(/\{\{p(\d+)\}\}/g, (_, index: string) => {
      parameters.push(this.#values[Number(index)]!);
      return '?';
    });
    return { sql: text, parameters };
  }
}
