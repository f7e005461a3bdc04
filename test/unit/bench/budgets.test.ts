import { describe, expect, it } from 'vitest';
import committed from '../../../bench/budgets.json' with { type: 'json' };
import {
  type Budget,
  budgetFor,
  checkBudgets,
  describeBudget,
  describeLimit,
  effectiveLimit,
  parseBudgets,
} from '../../../bench/budgets.ts';

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

  it('hold a target missed for a known reason to its accepted limit, and still fail beyond it', () => {
    const understood: Budget = {
      ...readP50,
      accepted: { max: 1.6, because: 'the HTTP hop alone costs 1.2 times the GetItem here' },
    };
    const status = (value: number) => checkBudgets([understood], { 'read.p50.ratio': value })[0]!.status;
    expect(status(1.2)).toBe('pass');
    expect(status(1.45)).toBe('accepted');
    expect(status(1.7)).toBe('over');
    expect(describeBudget(understood)).toBe('≤ 1.3 (accepted ≤ 1.6)');
  });

  it('let a budget for one function take precedence over the wildcard one', () => {
    const contacts: Budget = {
      metric: 'cold-start.contacts-api.addedKB',
      max: 100,
      why: 'bundles',
      accepted: { max: 400, because: 'phone number metadata' },
    };
    const verdicts = checkBudgets([perBundle, contacts], {
      'cold-start.contacts-api.addedKB': 380,
      'cold-start.authorizer.addedKB': 60,
    });
    expect(verdicts.map((v) => [v.metric, v.status, v.budget === contacts])).toEqual([
      ['cold-start.authorizer.addedKB', 'pass', false],
      ['cold-start.contacts-api.addedKB', 'accepted', true],
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
  });

  it('keep the targets of issues 10 and 21 in the committed file, whatever limits are accepted', () => {
    const target = (metric: string) => {
      const { max, min } = parseBudgets(committed).find((b) => b.metric === metric) ?? {};
      return { max, min };
    };
    expect(target('read.p99.ratio')).toEqual({ max: 2, min: undefined });
    expect(target('cold-start.*.addedKB')).toEqual({ max: 150, min: undefined });
    expect(target('cold-start.*.importRatio')).toEqual({ max: 1.5, min: undefined });
    expect(target('capacity.getContact.rcu')).toEqual({ max: 0.5, min: undefined });
    expect(target('dunning.readRatio')).toEqual({ max: 1.05, min: undefined });
    expect(target('load.errors')).toEqual({ max: 0, min: undefined });
    expect(target('campaign.rateShare')).toEqual({ max: undefined, min: 0.95 });
    expect(target('campaign.duplicates')).toEqual({ max: 0, min: undefined });
    expect(target('campaign.ceilingShare')).toEqual({ max: undefined, min: 0.8 });
    expect(target('campaign.tableCallsPerEmail')).toEqual({ max: 1.2, min: undefined });
    expect(target('write.putItem.p50.ratio')).toEqual({ max: 1.3, min: undefined });
    expect(target('capacity.createContact.totalWcu')).toEqual({ max: 6, min: undefined });
    expect(target('stack.start.first.seconds')).toEqual({ max: 6, min: undefined });
    expect(target('stack.start.restart.seconds')).toEqual({ max: 5, min: undefined });
  });

  it('hold a start-up time set for a quiet machine only when the machine was quiet', () => {
    const restart: Budget = { metric: 'stack.start.restart.seconds', max: 5, quiet: true, why: 'start' };
    const slow = { 'stack.start.restart.seconds': 9.5 };
    expect(checkBudgets([restart], slow, [], false)[0]!.status).toBe('over');
    expect(checkBudgets([restart], slow, [], true)[0]!.status).toBe('busy machine');
    expect(checkBudgets([restart], { 'stack.start.restart.seconds': 4.8 }, [], true)[0]!.status).toBe('pass');
    // A ratio is not a wall-clock time: a busy machine excuses nothing else.
    expect(checkBudgets([readP50], { 'read.p50.ratio': 1.4 }, [], true)[0]!.status).toBe('over');
  });

  it('describe limits and refuse incomplete budgets', () => {
    expect(describeLimit(readP50)).toBe('≤ 1.3');
    expect(describeLimit(sendRate)).toBe('≥ 0.95');
    expect(() => parseBudgets({ budgets: [{ metric: 'x', why: 'y' }] })).toThrow('max or a min');
    expect(() =>
      parseBudgets({ budgets: [{ metric: 'x', why: 'y', max: 1, accepted: { max: 2 } }] }),
    ).toThrow('because');
  });
});

describe('the budget a metric is held to', () => {
  it('is the one naming it, over a wildcard, and its accepted limit where the target is missed', () => {
    const contacts: Budget = { metric: 'cold-start.contacts-api.addedKB', max: 150, why: 'x' };
    const accepted: Budget = { ...readP50, accepted: { max: 1.6, because: 'hop' } };
    expect(budgetFor([perBundle, contacts], 'cold-start.contacts-api.addedKB')).toBe(contacts);
    expect(budgetFor([perBundle, contacts], 'cold-start.authorizer.addedKB')).toBe(perBundle);
    expect(budgetFor([perBundle], 'read.p50.ratio')).toBeUndefined();
    expect(effectiveLimit(accepted).max).toBe(1.6);
    expect(effectiveLimit(readP50).max).toBe(1.3);
  });
});
