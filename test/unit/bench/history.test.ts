import { describe, expect, it } from 'vitest';
import type { Budget } from '../../../bench/budgets.ts';
import {
  generatedDocs,
  type HistoryRow,
  historyRow,
  parseHistory,
  renderHistory,
  withHistory,
} from '../../../bench/history.ts';

const budgets: Budget[] = [
  { metric: 'read.p50.ratio', max: 1.3, why: 'reads' },
  { metric: 'cold-start.*.addedKB', max: 150, why: 'bundles' },
  {
    metric: 'cold-start.api-docs.addedKB',
    max: 150,
    why: 'docs',
    accepted: { max: 300, because: 'schemas' },
  },
];

function run(at: string, values: Record<string, number>): HistoryRow {
  return { at, commit: 'abc1234', seconds: 290, quick: false, load: [1.2, 2.5], cores: 2, values };
}

describe('the history of runs', () => {
  it('keeps only the figures a budget covers, rounded', () => {
    const row = historyRow(
      { at: '2026-12-03T02:00:00.000Z', commit: 'abc1234', seconds: 10, quick: true, load: [1, 1], cores: 2 },
      { 'read.p50.ratio': 1.23456, 'read.p99.ratio': 1.9, 'cold-start.authorizer.addedKB': 61.04 },
      budgets,
    );
    expect(row.values).toEqual({ 'cold-start.authorizer.addedKB': 61.04, 'read.p50.ratio': 1.235 });
    expect(parseHistory(`${JSON.stringify(row)}\n\n`)).toEqual([row]);
  });

  it('shows every budget with its latest figure, its verdict and the earlier runs, newest first', () => {
    const history = [
      run('2026-12-01T10:00:00.000Z', { 'read.p50.ratio': 1.52, 'cold-start.api-docs.addedKB': 455 }),
      run('2026-12-02T10:00:00.000Z', { 'read.p50.ratio': 1.41, 'cold-start.authorizer.addedKB': 121 }),
      run('2026-12-03T10:00:00.000Z', { 'read.p50.ratio': 1.28, 'cold-start.api-docs.addedKB': 280 }),
    ];
    const section = renderHistory(budgets, history);
    expect(section).toContain('| `read.p50.ratio` | ≤ 1.3 | 1.28 | ok | 1.41 (12-02), 1.52 (12-01) |');
    expect(section).toContain('| `cold-start.authorizer.addedKB` | ≤ 150 | 121 | ok | – |');
    // A function's own budget shows it, not the wildcard one.
    expect(section).toContain(
      '| `cold-start.api-docs.addedKB` | ≤ 150 (accepted ≤ 300) | 280 | target missed, accepted | 455 (12-01) |',
    );
    expect(section.match(/cold-start\.api-docs\.addedKB/g)).toHaveLength(1);
    expect(section.indexOf('2026-12-03 10:00')).toBeLessThan(section.indexOf('2026-12-01 10:00'));
  });

  it('name a budget no run measured as not measured', () => {
    const section = renderHistory(budgets, [run('2026-12-03T10:00:00.000Z', { 'read.p50.ratio': 1.4 })]);
    expect(section).toContain('| `read.p50.ratio` | ≤ 1.3 | 1.40 | over |');
    expect(section).toContain('| `cold-start.*.addedKB` | ≤ 150 | – | not measured | – |');
  });

  it('replaces the generated section of a document and leaves the rest as it was', () => {
    const once = withHistory('# Performance\n\nText.\n', renderHistory(budgets, []));
    const twice = withHistory(
      `${once}\nMore text.\n`,
      renderHistory(budgets, [run('2026-12-03T10:00:00.000Z', {})]),
    );
    expect(twice.startsWith('# Performance\n\nText.\n')).toBe(true);
    expect(twice.endsWith('\nMore text.\n')).toBe(true);
    expect(twice).not.toContain('No run recorded yet');
  });

  it('in docs/performance.md is the one bench/history.jsonl and bench/budgets.json make (npm run bench:docs)', () => {
    const { current, generated } = generatedDocs();
    expect(current).toBe(generated);
  });
});
