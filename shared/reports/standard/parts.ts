import type { Value } from '../../warehouse/query.ts';
import {
  FILTER_COLUMNS,
  type FilterName,
  type ReportColumn,
  type ReportInput,
  type Row,
  type Unit,
} from '../standard.ts';

/** What the standard reports' modules share: column kinds, value readers, filters, empty buckets. */
export const period: ReportColumn = { name: 'period', label: 'Period', kind: 'period', unit: 'date' };
export const count = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'count',
});
export const money = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'money',
});
export const ratio = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'ratio',
});
export const dimension = (name: string, label: string, unit: Unit = 'text'): ReportColumn => ({
  name,
  label,
  kind: 'dimension',
  unit,
});

/** `a / b` rounded to 4 places, or null when there is nothing to divide by. */
export function rate(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null;
}

export const num = (value: Value | undefined) =>
  typeof value === 'number' ? value : Number(value ?? 0) || 0;
export const text = (value: Value | undefined) =>
  value === null || value === undefined ? null : String(value);

/** Conditions of the filters a part of a report honours. */
export function whereOf(input: ReportInput, allowed: readonly FilterName[]) {
  return Object.entries(input.filters)
    .filter(([name, value]) => value !== undefined && allowed.includes(name as FilterName))
    .map(([name, value]) => ({ column: FILTER_COLUMNS[name as FilterName], value: value! }));
}

/** Every bucket of the period, for each group seen, with zeros where nothing happened. */
export function fillBuckets(rows: Row[], input: ReportInput, groupKeys: string[], zero: Row): Row[] {
  const groups = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify(groupKeys.map((k) => row[k] ?? null));
    if (!groups.has(key)) groups.set(key, Object.fromEntries(groupKeys.map((k) => [k, row[k] ?? null])));
  }
  if (groups.size === 0 && groupKeys.length === 0) groups.set('[]', {});
  const byKey = new Map(
    rows.map((r) => [JSON.stringify([r.period, ...groupKeys.map((k) => r[k] ?? null)]), r]),
  );
  const filled: Row[] = [];
  for (const bucket of input.period.buckets) {
    for (const group of groups.values()) {
      const key = JSON.stringify([bucket.start, ...groupKeys.map((k) => group[k] ?? null)]);
      filled.push({ ...zero, ...group, ...(byKey.get(key) ?? {}), period: bucket.start });
    }
  }
  return filled;
}

export interface PipelineStages {
  id: string;
  stages: Array<{ id: string; outcome: string }>;
}

/**
 * The funnel from the SQL's histogram: a deal that reached position k has passed every open stage
 * before it; `reached(s)` counts the deals whose furthest position is at or after s. Lost stages
 * are not steps of the funnel (deals leave through them).
 */
export function shapeFunnel(rows: Row[], input: ReportInput, pipelines: PipelineStages[]): Row[] {
  const shaped: Row[] = [];
  const pipelineIds = [...new Set(rows.map((r) => String(r.pipeline_id)))].sort();
  for (const bucket of input.period.buckets) {
    for (const pipelineId of pipelineIds) {
      const pipeline = pipelines.find((p) => p.id === pipelineId);
      if (!pipeline) continue;
      const here = rows.filter((r) => r.period === bucket.start && r.pipeline_id === pipelineId);
      const steps = pipeline.stages
        .map((stage, i) => ({ stage, position: i + 1 }))
        .filter(({ stage }) => stage.outcome !== 'lost');
      let previous: number | undefined;
      for (const { stage, position } of steps) {
        const reached = here.filter((r) => num(r.position) >= position).reduce((n, r) => n + num(r.deals), 0);
        const at = here.find((r) => num(r.position) === position);
        const median = at?.median_seconds;
        shaped.push({
          period: bucket.start,
          pipelineId,
          position,
          stageId: stage.id,
          reached,
          conversion: previous === undefined ? null : rate(reached, previous),
          exits: num(at?.exits),
          medianDaysInStage:
            median === null || median === undefined ? null : Math.round((num(median) / 86_400) * 100) / 100,
        });
        previous = reached;
      }
    }
  }
  return shaped;
}
