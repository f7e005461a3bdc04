import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, type Page, queryPage, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, isDomainError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { automationKeys } from './keys.ts';
import type { AutomationRun, AutomationRunAction, Firing } from './schema.ts';

/**
 * Runs: the record of each firing of a rule (what triggered it, what each action did, how it
 * ended), one partition per rule, newest first. The occurrence guard makes a rule fire at most once
 * per occurrence: the first delivery of a firing creates the run, later ones find it.
 */
const RUN_RETENTION_DAYS = 400;

const toRun = (item: Record<string, unknown>) => withoutKeys<AutomationRun>(item);

class RunExists extends ConflictError {
  constructor(readonly runId: string) {
    super('This occurrence already has a run.');
  }
}

const FINISHED: AutomationRun['status'][] = ['succeeded', 'failed', 'skipped'];

export function isFinished(run: AutomationRun): boolean {
  return FINISHED.includes(run.status);
}

/** The run of a firing: created on its first delivery, counted again on every later one. */
export async function claimRun(ctx: TenantContext, firing: Firing): Promise<AutomationRun> {
  const now = ctx.clock.now().toISOString();
  const expiresAt = Math.floor(Date.now() / 1000) + RUN_RETENTION_DAYS * 86_400;
  const run: AutomationRun = {
    id: newId(),
    ruleId: firing.ruleId,
    occurrence: firing.occurrence,
    status: 'running',
    trigger: firing.trigger,
    attempts: 1,
    actions: [],
    startedAt: now,
  };
  try {
    await unitOfWork(ctx)
      .put(
        {
          ...automationKeys.occurrence(ctx.tenantId, firing.ruleId, firing.occurrence),
          entity: 'AutomationOccurrence',
          runId: run.id,
          expiresAt,
        },
        { condition: notExists, onConditionFailed: (existing) => new RunExists(String(existing?.runId)) },
      )
      .put({
        ...automationKeys.run(ctx.tenantId, firing.ruleId, run.id),
        entity: 'AutomationRun',
        ...run,
        expiresAt,
      })
      .commit();
    return run;
  } catch (error) {
    if (!(error instanceof RunExists)) throw error;
    const item = await getItem(ctx, automationKeys.run(ctx.tenantId, firing.ruleId, error.runId), {
      consistent: true,
    });
    if (!item) throw new Error(`Run ${error.runId} of rule ${firing.ruleId} is missing.`);
    const existing = toRun(item);
    if (isFinished(existing)) return existing;
    await updateRun(ctx, existing, { status: 'running' }, 1);
    return { ...existing, status: 'running', attempts: existing.attempts + 1 };
  }
}

export async function updateRun(
  ctx: TenantContext,
  run: AutomationRun,
  change: Partial<Pick<AutomationRun, 'status' | 'actions' | 'error' | 'finishedAt'>>,
  addAttempts = 0,
): Promise<void> {
  await unitOfWork(ctx)
    .update(automationKeys.run(ctx.tenantId, run.ruleId, run.id), {
      set: change,
      ...(addAttempts ? { add: { attempts: addAttempts } } : {}),
    })
    .commit();
}

export async function recordAction(
  ctx: TenantContext,
  run: AutomationRun,
  result: AutomationRunAction,
): Promise<void> {
  run.actions = [...run.actions.filter((a) => a.index !== result.index), result].sort(
    (a, b) => a.index - b.index,
  );
  await updateRun(ctx, run, { actions: run.actions });
}

export async function finishRun(
  ctx: TenantContext,
  run: AutomationRun,
  status: 'succeeded' | 'failed' | 'skipped' | 'retrying',
  error?: unknown,
): Promise<void> {
  run.status = status;
  await updateRun(ctx, run, {
    status,
    ...(error !== undefined ? { error: describeFailure(error) } : {}),
    ...(status === 'retrying' ? {} : { finishedAt: ctx.clock.now().toISOString() }),
  });
}

/** What a member may read about a failure: domain messages, not internals. */
export function describeFailure(error: unknown): string {
  if (typeof error === 'string') return error;
  if (isDomainError(error)) return error.message;
  const name = error instanceof Error ? error.name : 'Error';
  return `An internal error stopped the action (${name}); it was retried.`;
}

export async function listRuns(
  ctx: TenantContext,
  ruleId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<AutomationRun>> {
  return queryPage(
    ctx,
    { partition: automationKeys.runs(ctx.tenantId, ruleId), sort: { beginsWith: 'RUN#' }, ascending: false },
    page,
    toRun,
  );
}
