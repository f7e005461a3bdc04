import type { CohortRetention } from './schema.ts';

/**
 * The cohort retention table as an SVG heat map: cohorts down, months since the first purchase
 * across, each cell's shade its retention. Drawn server-side by Apache ECharts' SVG renderer, the
 * library the reports' charts use, imported only when a heat map is asked for (it ships beside the
 * bundle as a node module of the function).
 */
export async function cohortHeatMap(retention: CohortRetention): Promise<string> {
  const [core, charts, components, renderers] = await Promise.all([
    import('echarts/core'),
    import('echarts/charts'),
    import('echarts/components'),
    import('echarts/renderers'),
  ]);
  core.use([
    charts.HeatmapChart,
    components.GridComponent,
    components.TitleComponent,
    components.VisualMapComponent,
    renderers.SVGRenderer,
  ]);
  const cohorts = retention.cohorts.map((c) => `${c.cohort} (${c.customers})`);
  const width = Math.max(0, ...retention.cohorts.map((c) => c.retention.length));
  const cells = retention.cohorts.flatMap((c, row) =>
    c.retention.map((share, month) => [month, row, Math.round(share * 1000) / 10]),
  );
  const instance = core.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: 120 + 56 * Math.max(width, 1),
    height: 140 + 28 * Math.max(cohorts.length, 1),
  });
  try {
    instance.setOption({
      animation: false,
      title: {
        text: retention.cohorts.length
          ? 'Retention by month of first purchase (%)'
          : 'Retention by month of first purchase: no cohorts yet',
        left: 'center',
        textStyle: { fontSize: 14 },
      },
      grid: { left: 110, right: 10, top: 40, bottom: 70 },
      xAxis: {
        type: 'category',
        name: 'months after the first',
        nameLocation: 'middle',
        nameGap: 24,
        data: Array.from({ length: width }, (_, k) => String(k)),
      },
      // The oldest cohort on top, as retention tables are read.
      yAxis: { type: 'category', data: cohorts, inverse: true },
      visualMap: {
        min: 0,
        max: 100,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        inRange: { color: ['#f7fbff', '#08306b'] },
      },
      series: [{ type: 'heatmap', data: cells, label: { show: true, fontSize: 10 } }],
    });
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}
