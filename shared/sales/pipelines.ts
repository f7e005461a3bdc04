import { describeActor, type TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryAll,
  queryPage,
  stampRevision,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, type FieldIssue, NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { invalid } from './invalid.ts';
import { dealKeys, pipelineKeys } from './keys.ts';
import { applyPercent, ratioBps } from './money.ts';
import type { Pipeline, PipelineCreate, PipelineUpdate, Stage, StageChange, StageInput } from './schema.ts';

/**
 * Pipelines: tenant-defined stages, open ones first, then the won stage and the lost stage(s).
 *
 * Funnel reporting never scans deals: every deal write updates, in the same transaction, running
 * totals kept in the pipeline's partition (`STAGE#<stage>`: reached, exits, seconds spent;
 * `STAGE#<stage>#VALUE#<currency>`: deals in the stage now and their amount). The funnel is one
 * Query of that partition. Stage changes are also items indexed per pipeline by time, for
 * reports over a period.
 */
const toPipeline = (item: Item) => withoutKeys<Pipeline>(item);

/** Stages in order, with ids kept for existing stages; 400 for an impossible shape. */
export function normalizeStages(input: StageInput[], existing: Stage[] = []): Stage[] {
  const issues: FieldIssue[] = [];
  const known = new Map(existing.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const openCount = input.filter((s) => s.outcome === 'open').length;
  let openIndex = 0;
  let closingStarted = false;
  const stages = input.map((stage, index): Stage => {
    const path = `body.stages.${index}`;
    if (stage.id !== undefined && !known.has(stage.id))
      issues.push({
        path: `${path}.id`,
        message: `No stage ${stage.id} in this pipeline; leave the id out for a new stage.`,
      });
    const before = stage.id === undefined ? undefined : known.get(stage.id);
    if (before && before.outcome !== stage.outcome)
      issues.push({
        path: `${path}.outcome`,
        message: `Stage ${before.name} is ${before.outcome}; add a new stage rather than change what its deals mean.`,
      });
    const id = stage.id ?? newId();
    if (seen.has(id)) issues.push({ path: `${path}.id`, message: `Stage ${id} is listed twice.` });
    seen.add(id);
    if (stage.outcome === 'open') {
      if (closingStarted)
        issues.push({ path: `${path}.outcome`, message: 'Open stages come before the won and lost stages.' });
      openIndex++;
      return {
        id,
        name: stage.name,
        outcome: 'open',
        // Unless the tenant says otherwise, probabilities rise evenly along the open stages.
        probability: stage.probability ?? Math.round((openIndex * 100) / (openCount + 1)),
      };
    }
    closingStarted = true;
    const fixed = stage.outcome === 'won' ? 100 : 0;
    if (stage.probability !== undefined && stage.probability !== fixed)
      issues.push({
        path: `${path}.probability`,
        message: `A ${stage.outcome} stage has a probability of ${fixed}.`,
      });
    return { id, name: stage.name, outcome: stage.outcome, probability: fixed };
  });
  const count = (outcome: Stage['outcome']) => stages.filter((s) => s.outcome === outcome).length;
  if (count('open') === 0)
    issues.push({ path: 'body.stages', message: 'A pipeline needs at least one open stage.' });
  if (count('won') !== 1)
    issues.push({ path: 'body.stages', message: 'A pipeline needs exactly one won stage.' });
  if (count('lost') === 0)
    issues.push({ path: 'body.stages', message: 'A pipeline needs at least one lost stage.' });
  if (issues.length) throw invalid(issues);
  return stages;
}

/** What a new tenant starts with, so that the first lead conversion has a pipeline to open a deal in. */
export const DEFAULT_PIPELINE: PipelineCreate = {
  name: 'Sales',
  stages: [
    { name: 'Qualification', outcome: 'open', probability: 10 },
    { name: 'Needs analysis', outcome: 'open', probability: 25 },
    { name: 'Proposal', outcome: 'open', probability: 50 },
    { name: 'Negotiation', outcome: 'open', probability: 75 },
    { name: 'Won', outcome: 'won', probability: 100 },
    { name: 'Lost', outcome: 'lost', probability: 0 },
  ],
};

class AlreadyMade extends Error {}

/**
 * Creates the default pipeline of a tenant that just signed up, once: a guard item commits with
 * it, so a redelivered TenantCreated makes no second one (and answers undefined).
 */
export async function createDefaultPipeline(ctx: TenantContext): Promise<Pipeline | undefined> {
  try {
    return await createPipeline(ctx, DEFAULT_PIPELINE, (uow) =>
      uow.put(
        { ...pipelineKeys.defaultMade(ctx.tenantId), entity: 'DefaultPipelineGuard' },
        { condition: notExists, onConditionFailed: () => new AlreadyMade() },
      ),
    );
  } catch (error) {
    if (error instanceof AlreadyMade) return undefined;
    throw error;
  }
}

export async function createPipeline(
  ctx: TenantContext,
  input: PipelineCreate,
  also: (uow: UnitOfWork) => UnitOfWork = (uow) => uow,
): Promise<Pipeline> {
  const now = ctx.clock.now().toISOString();
  const pipeline: Pipeline = {
    id: newId(),
    name: input.name,
    stages: normalizeStages(input.stages),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await also(unitOfWork(ctx))
    .put(
      {
        ...pipelineKeys.pipeline(ctx.tenantId, pipeline.id),
        entity: 'Pipeline',
        ...pipeline,
        GSI1PK: pipelineKeys.all(ctx.tenantId),
        GSI1SK: pipeline.id,
      },
      { condition: notExists },
    )
    .commit();
  return pipeline;
}

export async function getPipeline(ctx: TenantContext, id: string): Promise<Pipeline> {
  const item = await getItem(ctx, pipelineKeys.pipeline(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Pipeline', id);
  return toPipeline(item);
}

export async function listPipelines(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Pipeline>> {
  return queryPage(ctx, { index: 'GSI1', partition: pipelineKeys.all(ctx.tenantId) }, page, toPipeline);
}

/** The tenant's first pipeline: where converted leads go unless told otherwise. */
export async function defaultPipeline(ctx: TenantContext): Promise<Pipeline | undefined> {
  return (await listPipelines(ctx, { limit: 1 })).items[0];
}

interface StageTotals {
  stageId: string;
  reached: number;
  entered: number;
  exits: number;
  secondsInStage: number;
}

interface StageValue {
  stageId: string;
  currency: string;
  count: number;
  amount: number;
}

async function stageAggregates(ctx: TenantContext, pipelineId: string) {
  const items = await queryAll(ctx, {
    partition: pipelineKeys.pipeline(ctx.tenantId, pipelineId).PK,
    sort: { beginsWith: 'STAGE#' },
    consistent: true,
  });
  const totals = new Map<string, StageTotals>();
  const values: StageValue[] = [];
  for (const item of items) {
    if (item.entity === 'StageValue') {
      values.push({
        stageId: String(item.stageId),
        currency: String(item.currency),
        count: Number(item.count ?? 0),
        amount: Number(item.amount ?? 0),
      });
    } else {
      totals.set(String(item.stageId), {
        stageId: String(item.stageId),
        reached: Number(item.reached ?? 0),
        entered: Number(item.entered ?? 0),
        exits: Number(item.exits ?? 0),
        secondsInStage: Number(item.secondsInStage ?? 0),
      });
    }
  }
  return { totals, values };
}

export async function updatePipeline(
  ctx: TenantContext,
  id: string,
  input: PipelineUpdate,
  ifMatch?: number | 'any',
): Promise<Pipeline> {
  const current = await getPipeline(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: Pipeline = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.stages !== undefined ? { stages: normalizeStages(input.stages, current.stages) } : {}),
  };
  if (!stampRevision(ctx, current, next)) return current;
  const uow = unitOfWork(ctx).update(pipelineKeys.pipeline(ctx.tenantId, id), {
    set: { name: next.name, stages: next.stages, updatedAt: next.updatedAt },
    ...whileVersion(current.version),
  });
  const removed = current.stages.filter((s) => !next.stages.some((n) => n.id === s.id));
  if (removed.length) {
    const { values } = await stageAggregates(ctx, id);
    for (const stage of removed) {
      const held = values.filter((v) => v.stageId === stage.id);
      const deals = held.reduce((n, v) => n + v.count, 0);
      if (deals > 0)
        throw new ConflictError(`Stage ${stage.name} still holds ${deals} deal(s); move them first.`, {
          stageId: stage.id,
        });
      // A deal moving into the stage meanwhile makes this change fail rather than strand the deal.
      for (const value of held)
        uow.check(
          pipelineKeys.stageValue(ctx.tenantId, id, stage.id, value.currency),
          (e) => `${e.name('count')} = ${e.value(0)}`,
          () => new ConflictError(`A deal entered stage ${stage.name} meanwhile; move it first.`),
        );
    }
  }
  await uow.commit();
  return next;
}

/** Stages a deal has reached by being in `stageId`: won deals passed every open stage. */
export function stagesReachedBy(pipeline: Pipeline, stageId: string): string[] {
  const index = pipeline.stages.findIndex((s) => s.id === stageId);
  const stage = pipeline.stages[index];
  if (!stage) return [];
  if (stage.outcome === 'lost') return [stage.id];
  return pipeline.stages
    .filter((s, i) => s.outcome === 'open' && i <= index)
    .map((s) => s.id)
    .concat(stage.outcome === 'won' ? [stage.id] : []);
}

/** What the funnel needs to know about a deal at one moment. */
export interface DealPosition {
  stageId: string;
  amount: number;
  currency: string;
  reached: string[];
  stageEnteredAt: string;
}

/**
 * Running totals touched by one deal write, netted per item: a transaction may hold only one
 * write per item, and a deal that stays in its stage with a new amount nets to one update.
 */
class Tally {
  private readonly items = new Map<string, { key: ItemKey; init: Item; add: Record<string, number> }>();

  add(key: ItemKey, init: Item, deltas: Record<string, number>): void {
    const id = `${key.PK}|${key.SK}`;
    const entry = this.items.get(id) ?? { key, init, add: {} };
    for (const [name, delta] of Object.entries(deltas)) entry.add[name] = (entry.add[name] ?? 0) + delta;
    this.items.set(id, entry);
  }

  into(uow: UnitOfWork): void {
    for (const { key, init, add } of this.items.values()) {
      const changes = Object.fromEntries(Object.entries(add).filter(([, delta]) => delta !== 0));
      if (Object.keys(changes).length === 0) continue;
      uow.update(key, { setIfAbsent: init, add: changes });
    }
  }
}

/**
 * Adds to `uow` the running totals and the stage-change record (derived: `uow` must publish an
 * event) for a deal moving from `before` (absent when the deal is new) to `after`. Returns the
 * stages the deal has now reached.
 */
export function recordDealPositionInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  pipeline: Pipeline,
  dealId: string,
  before: DealPosition | undefined,
  after: Omit<DealPosition, 'reached'>,
): { reached: string[]; change?: StageChange } {
  const t = ctx.tenantId;
  const tally = new Tally();
  const value = (p: Pick<DealPosition, 'stageId' | 'currency'>) =>
    [
      pipelineKeys.stageValue(t, pipeline.id, p.stageId, p.currency),
      { entity: 'StageValue', stageId: p.stageId, currency: p.currency },
    ] as const;
  const totals = (stageId: string) =>
    [pipelineKeys.stageTotals(t, pipeline.id, stageId), { entity: 'StageTotals', stageId }] as const;
  if (before) tally.add(...value(before), { count: -1, amount: -before.amount });
  tally.add(...value(after), { count: 1, amount: after.amount });
  const reachedBefore = new Set(before?.reached ?? []);
  const reachedNow = stagesReachedBy(pipeline, after.stageId).filter((s) => !reachedBefore.has(s));
  for (const stageId of reachedNow) tally.add(...totals(stageId), { reached: 1 });
  let change: StageChange | undefined;
  if (!before || before.stageId !== after.stageId) {
    tally.add(...totals(after.stageId), { entered: 1 });
    const seconds = before
      ? Math.max(0, Math.round((Date.parse(after.stageEnteredAt) - Date.parse(before.stageEnteredAt)) / 1000))
      : undefined;
    if (before && seconds !== undefined)
      tally.add(...totals(before.stageId), { exits: 1, secondsInStage: seconds });
    change = {
      id: newId(),
      dealId,
      pipelineId: pipeline.id,
      ...(before ? { fromStageId: before.stageId } : {}),
      toStageId: after.stageId,
      at: after.stageEnteredAt,
      ...(seconds !== undefined ? { secondsInPreviousStage: seconds } : {}),
      actor: describeActor(ctx.actor),
    };
    // A log entry, keyed by an id fixed now: derived (written from the stream, within its lag)
    // rather than in the deal's transaction. The totals above stay in it: they are counters.
    uow.derive(
      {
        ...dealKeys.stageChange(t, dealId, change.at, change.id),
        entity: 'DealStageChange',
        ...change,
        GSI1PK: pipelineKeys.stageChanges(t, pipeline.id),
        GSI1SK: `${change.at}#${change.id}`,
      },
      { parent: dealKeys.deal(t, dealId) },
    );
  }
  tally.into(uow);
  return { reached: [...reachedBefore, ...reachedNow], ...(change ? { change } : {}) };
}

export async function pipelineFunnel(ctx: TenantContext, id: string) {
  const pipeline = await getPipeline(ctx, id);
  const { totals, values } = await stageAggregates(ctx, id);
  let previousReached: number | undefined;
  const stages = pipeline.stages.map((stage) => {
    const t = totals.get(stage.id);
    const reached = t?.reached ?? 0;
    const exits = t?.exits ?? 0;
    const here = values.filter((v) => v.stageId === stage.id && (v.count !== 0 || v.amount !== 0));
    // Conversion runs along the open stages into the won stage; lost stages are where deals leave.
    const conversionBps =
      previousReached === undefined || stage.outcome === 'lost'
        ? undefined
        : ratioBps(reached, previousReached);
    if (stage.outcome === 'open') previousReached = reached;
    const average = exits > 0 ? Math.round((t?.secondsInStage ?? 0) / exits) : undefined;
    return {
      stageId: stage.id,
      name: stage.name,
      outcome: stage.outcome,
      probability: stage.probability,
      count: here.reduce((n, v) => n + v.count, 0),
      values: here
        .map((v) => ({
          currency: v.currency,
          amount: v.amount,
          weightedAmount: applyPercent(v.amount, stage.probability),
        }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
      reached,
      ...(conversionBps !== undefined ? { conversionBps } : {}),
      exits,
      ...(average !== undefined ? { averageSecondsInStage: average } : {}),
    };
  });
  return { pipelineId: pipeline.id, name: pipeline.name, stages };
}

/** A pipeline's stage changes between two instants, oldest first (reports over a period). */
export async function listStageChanges(
  ctx: TenantContext,
  pipelineId: string,
  query: { from?: string | undefined; to?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<StageChange>> {
  await getPipeline(ctx, pipelineId);
  const from = query.from ? new Date(query.from).toISOString() : '0000';
  const to = query.to ? `${new Date(query.to).toISOString()}#~` : '9999';
  return queryPage<StageChange>(
    ctx,
    {
      index: 'GSI1',
      partition: pipelineKeys.stageChanges(ctx.tenantId, pipelineId),
      sort: { between: [from, to] },
    },
    query,
  );
}
