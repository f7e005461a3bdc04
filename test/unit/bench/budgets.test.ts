import { describe, expect, it } from 'vitest';
import committed from '../../../bench/budgets.json' with { type: 'json' };
import { type Budget, checkBudgets, describeLimit, parseBudgets } from '../../../bench/budgets.ts';

const readP50: Budget = { metric: 'read.p50.ratio', max: 1.3, why: 'reads' };
const perBundle: Budget = { metric: 'cold-start.*.addedKB', max: 100, why: 'bundles' };
const sendRate: Budget = { metric: 'campaign.achievedShare', min: 0.95, why: 'rate' };

describe('budget checks', () => {
  it('pass a ratio at or under its maximum and fail one over it', () => {
    const at = checkBudgets([readP50], { 'read.p50.ratio': 1.3 });
    const over = checkBudgets([readP50], { 'read.p50.ratio': 1.31 });
    expect(at.map((v) => v.status)).toEqual(['pass']);
    expect(over.map((v) => v.status)).toEqual(['over']);
  });

  it('hold a minimum from below', () => {
    expect(checkBudgets([sendRate], { 'campaign.achievedShare': 0.94 })[0]!.status).toBe('over');
    expect(checkBudgets([sendRate], { 'campaign.achievedShare': 0.97 })[0]!.status).toBe('pass');
  });

  it('give one verdict per function bundle a wildcard covers, and none to other metrics', () => {
    const verdicts = checkBudgets([perBundle], {
      'cold-start.contacts-api.addedKB': 140,
      'cold-start.authorizer.addedKB': 60,
      'cold-start.authorizer.importRatio': 3,
      'read.p50.ratio': 1,
    });
    expect(verdicts.map((v) => [v.metric, v.status])).toEqual([
      ['cold-start.authorizer.addedKB', 'pass'],
      ['cold-start.contacts-api.addedKB', 'over'],
    ]);
  });

  it('fail a budget nothing measured, unless its case was left out on purpose', () => {
    expect(checkBudgets([readP50], {}).map((v) => v.status)).toEqual(['not measured']);
    expect(checkBudgets([readP50], {}, ['read.'])).toEqual([]);
  });

  it('fail a metric that is not a number', () => {
    expect(checkBudgets([readP50], { 'read.p50.ratio': Number.NaN })[0]!.status).toBe('over');
  });

  it('read the committed budgets file', () => {
    const budgets = parseBudgets(committed);
    expect(budgets.map((b) => b.metric)).toContain('read.p50.ratio');
    expect(budgets.find((b) => b.metric === 'read.p50.ratio')).toMatchObject({ max: 1.3 });
    expect(budgets.find((b) => b.metric === 'write.p50.ratio')).toMatchObject({ max: 1.5 });
    expect(describeLimit(readP50)).toBe('≤ 1.3');
    expect(describeLimit(sendRate)).toBe('≥ 0.95');
    expect(() => parseBudgets({ budgets: [{ metric: 'x', why: 'y' }] })).toThrow('max or a min');
  });
});
