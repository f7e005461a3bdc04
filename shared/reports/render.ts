import { type CsvCell, toCsv as writeCsv } from '../platform/csv.ts';
import type { ReportColumn, Row } from './standard.ts';

/**
 * A report as CSV or as an SVG chart. CSV goes through the project's one CSV writer
 * (shared/platform/csv.ts), which neutralises text cells a spreadsheet would run as a formula (a
 * label is a name a member typed) and keeps numbers, negative ones included, as numbers. Charts
 * are drawn server-side by Apache ECharts with its SVG renderer (no canvas), imported only when a
 * chart is asked for: ECharts ships beside the bundle (`nodeModules` of the function), not in it.
 */
export interface Rendered {
  title: string;
  columns: ReportColumn[];
  rows: Row[];
  /** Labels of ids, by column name then id. */
  labels: Record<string, Record<string, string>>;
}

export function toCsv(report: Rendered): Promise<string> {
  const header: string[] = [];
  for (const column of report.columns) {
    header.push(column.name);
    if (report.labels[column.name]) header.push(`${column.name}Label`);
  }
  const records = report.rows.map((row) => {
    const cells: CsvCell[] = [];
    for (const column of report.columns) {
      const value = row[column.name];
      cells.push(Array.isArray(value) ? value.join(' ') : (value ?? null));
      const labels = report.labels[column.name];
      if (labels) cells.push(value === null || value === undefined ? null : (labels[String(value)] ?? null));
    }
    return cells;
  });
  return writeCsv([header, ...records]);
}

export interface ChartRequest extends Rendered {
  type: 'line' | 'bar';
  series: string[];
  width?: number;
  height?: number;
}

/** The x axis: the period when the rows have one, else the first dimension. */
function axisOf(report: Rendered): ReportColumn | undefined {
  return (
    report.columns.find((c) => c.kind === 'period') ?? report.columns.find((c) => c.kind === 'dimension')
  );
}

export async function toSvg(chart: ChartRequest): Promise<string> {
  const [core, charts, components, renderers] = await Promise.all([
    import('echarts/core'),
    import('echarts/charts'),
    import('echarts/components'),
    import('echarts/renderers'),
  ]);
  core.use([
    charts.BarChart,
    charts.LineChart,
    components.GridComponent,
    components.LegendComponent,
    components.TitleComponent,
    renderers.SVGRenderer,
  ]);
  const axis = axisOf(chart);
  const label = (column: ReportColumn, value: unknown) =>
    chart.labels[column.name]?.[String(value)] ??
    (value === null || value === undefined ? '—' : String(value));
  const groupColumn = chart.columns.find((c) => c.kind === 'dimension' && c !== axis);
  const categories = [...new Set(chart.rows.map((r) => (axis ? label(axis, r[axis.name]) : '')))];
  const measures = chart.series
    .map((name) => chart.columns.find((c) => c.name === name))
    .filter((c): c is ReportColumn => Boolean(c));
  const groups = groupColumn
    ? [...new Set(chart.rows.map((r) => label(groupColumn, r[groupColumn.name])))]
    : [''];
  const series = measures.flatMap((measure) =>
    groups.map((group) => ({
      name: groupColumn && groups.length > 1 ? `${measure.label} · ${group}` : measure.label,
      type: chart.type,
      data: categories.map((category) => {
        const rows = chart.rows.filter(
          (r) =>
            (axis ? label(axis, r[axis.name]) : '') === category &&
            (!groupColumn || label(groupColumn, r[groupColumn.name]) === group),
        );
        const values = rows.map((r) => r[measure.name]).filter((v): v is number => typeof v === 'number');
        return values.length ? values.reduce((a, b) => a + b, 0) : null;
      }),
    })),
  );
  const instance = core.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: chart.width ?? 800,
    height: chart.height ?? 400,
  });
  try {
    instance.setOption({
      animation: false,
      title: { text: chart.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0, type: 'plain' },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: categories },
      yAxis: { type: 'value' },
      series,
    });
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}
