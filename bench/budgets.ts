/**
 * Budgets: limits on what the harness measures, kept in bench/budgets.json. A budget names a
 * metric, or several with `*` (one per function bundle), and a `max` or a `min` (both inclusive).
 * `npm run bench -- --check` fails when any verdict is not `pass`. Pure, unit-tested.
 */
export interface Budget {
  metric: string;
  max?: number;
  min?: number;
  /** What the budget protects, printed next to a failure. */
  why: string;
}

export type Metrics = Record<string, number>;

export interface Verdict {
  budget: Budget;
  metric: string;
  value: number | undefined;
  status: 'pass' | 'over' | 'not measured';
}

function matcher(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^.]+')}$`);
}

export function parseBudgets(json: unknown): Budget[] {
  const list = (json as { budgets?: unknown }).budgets;
  if (!Array.isArray(list)) throw new Error('budgets.json must hold { "budgets": [...] }.');
  return list.map((entry, i) => {
    const b = entry as Partial<Budget>;
    if (typeof b.metric !== 'string' || typeof b.why !== 'string')
      throw new Error(`Budget ${i} needs a metric and a why.`);
    if (typeof b.max !== 'number' && typeof b.min !== 'number')
      throw new Error(`Budget ${b.metric} needs a max or a min.`);
    return b as Budget;
  });
}

/**
 * One verdict per metric a budget covers. A budget whose metric was not measured (a skipped case,
 * a renamed function) is a failure of its own: a check must not pass by measuring less.
 */
export function checkBudgets(budgets: readonly Budget[], metrics: Metrics, skipped: readonly string[] = []) {
  const verdicts: Verdict[] = [];
  for (const budget of budgets) {
    const re = matcher(budget.metric);
    const matching = Object.keys(metrics)
      .filter((name) => re.test(name))
      .sort();
    if (matching.length === 0) {
      if (!skipped.some((prefix) => budget.metric.startsWith(prefix)))
        verdicts.push({ budget, metric: budget.metric, value: undefined, status: 'not measured' });
      continue;
    }
    for (const metric of matching) {
      const value = metrics[metric]!;
      const over =
        Number.isNaN(value) ||
        (budget.max !== undefined && value > budget.max) ||
        (budget.min !== undefined && value < budget.min);
      verdicts.push({ budget, metric, value, status: over ? 'over' : 'pass' });
    }
  }
  return verdicts;
}

export function describeLimit(budget: Budget): string {
  if (budget.max !== undefined && budget.min !== undefined) return `${budget.min}–${budget.max}`;
  return budget.max !== undefined ? `≤ ${budget.max}` : `≥ ${budget.min}`;
}
