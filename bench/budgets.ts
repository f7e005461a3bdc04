/**
 * Budgets: limits on what the harness measures, kept in bench/budgets.json. A budget names a
 * metric, or several with `*` (one per function bundle), and the target as a `max` or a
 * `min` (inclusive). Where a target cannot be met, `accepted` gives the limit the check holds
 * instead and `because` says why (docs/performance.md has the measurements): a regression beyond
 * what is understood still fails, and the table keeps showing the missed target. A budget for one
 * metric takes precedence over a wildcard one. A wall-clock target set for a quiet machine (`quiet`,
 * the start-up times) is held only when the run found the machine quiet; on a busy one its verdict
 * says so and does not fail. `npm run bench -- --check` fails on `over` and on `not measured`.
 * Pure, unit-tested.
 */
export interface Limit {
  max?: number;
  min?: number;
}

export interface Budget extends Limit {
  metric: string;
  /** What the budget protects. */
  why: string;
  accepted?: Limit & { because: string };
  /** A wall-clock time the issue sets "on a quiet 2-core machine": not held on a busy one. */
  quiet?: boolean;
}

export type Metrics = Record<string, number>;

export type Status = 'pass' | 'accepted' | 'over' | 'not measured' | 'busy machine';

export interface Verdict {
  budget: Budget;
  metric: string;
  value: number | undefined;
  status: Status;
}

function matcher(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^.]+')}$`);
}

function hasLimit(limit: unknown): limit is Limit {
  const l = limit as Limit;
  return typeof l?.max === 'number' || typeof l?.min === 'number';
}

export function parseBudgets(json: unknown): Budget[] {
  const list = (json as { budgets?: unknown }).budgets;
  if (!Array.isArray(list)) throw new Error('budgets.json must hold { "budgets": [...] }.');
  return list.map((entry, i) => {
    const b = entry as Partial<Budget>;
    if (typeof b.metric !== 'string' || typeof b.why !== 'string')
      throw new Error(`Budget ${i} needs a metric and a why.`);
    if (!hasLimit(entry)) throw new Error(`Budget ${b.metric} needs a max or a min.`);
    if (b.accepted && (!hasLimit(b.accepted) || typeof b.accepted.because !== 'string'))
      throw new Error(`Budget ${b.metric}: an accepted limit needs a max or a min and a because.`);
    return b as Budget;
  });
}

function within(value: number, limit: Limit): boolean {
  return (
    !Number.isNaN(value) &&
    (limit.max === undefined || value <= limit.max) &&
    (limit.min === undefined || value >= limit.min)
  );
}

/**
 * One verdict per metric a budget covers. A budget whose metric was not measured (a renamed
 * function, a case that failed to report) fails too: a check must not pass by measuring less.
 * `skipped` lists metric prefixes of cases left out on purpose (`--only`); `busy` says the machine
 * was not quiet, and then `quiet` budgets get no verdict but that.
 */
export function checkBudgets(
  budgets: readonly Budget[],
  metrics: Metrics,
  skipped: readonly string[] = [],
  busy = false,
): Verdict[] {
  const exact = new Set(budgets.filter((b) => !b.metric.includes('*')).map((b) => b.metric));
  const verdicts: Verdict[] = [];
  for (const budget of budgets) {
    const re = matcher(budget.metric);
    const wildcard = budget.metric.includes('*');
    const matching = Object.keys(metrics)
      .filter((name) => re.test(name) && !(wildcard && exact.has(name)))
      .sort();
    if (matching.length === 0) {
      if (!skipped.some((prefix) => budget.metric.startsWith(prefix)))
        verdicts.push({ budget, metric: budget.metric, value: undefined, status: 'not measured' });
      continue;
    }
    for (const metric of matching) {
      const value = metrics[metric]!;
      const status: Status = within(value, budget)
        ? 'pass'
        : budget.quiet && busy
          ? 'busy machine'
          : budget.accepted && within(value, budget.accepted)
            ? 'accepted'
            : 'over';
      verdicts.push({ budget, metric, value, status });
    }
  }
  return verdicts;
}

export function describeLimit(limit: Limit): string {
  if (limit.max !== undefined && limit.min !== undefined) return `${limit.min}–${limit.max}`;
  return limit.max !== undefined ? `≤ ${limit.max}` : `≥ ${limit.min}`;
}

/** The budget as the table shows it: the target, and the accepted limit when there is one. */
export function describeBudget(budget: Budget): string {
  const target = describeLimit(budget);
  return budget.accepted ? `${target} (accepted ${describeLimit(budget.accepted)})` : target;
}

/**
 * The budget `checkBudgets` holds a metric to (one for that metric over a wildcard one), or
 * undefined; a case uses it to take more samples where noise could flip the verdict.
 */
export function budgetFor(budgets: readonly Budget[], metric: string): Budget | undefined {
  return (
    budgets.find((b) => b.metric === metric) ??
    budgets.find((b) => b.metric.includes('*') && matcher(b.metric).test(metric))
  );
}

/** The limit a verdict turns on: the accepted one where the target is known to be missed. */
export function effectiveLimit(budget: Budget): Limit {
  return budget.accepted ?? budget;
}
