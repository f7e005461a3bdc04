import type { TenantContext } from '../platform/context.ts';
import { getItem, type Page, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { localDate } from '../platform/time.ts';
import { listDeals } from '../sales/deals.ts';
import { listPipelines } from '../sales/pipelines.ts';
import type { Deal, Pipeline } from '../sales/schema.ts';
import { analyticsKeys } from './keys.ts';
import type { PipelineForecast, WeightedPipeline } from './schema.ts';

/**
 * The open pipeline weighted by win probability (docs/analytics.md, "Sales forecast"): every open
 * deal, read through sales' own index of a pipeline's deals by stage (open stages only, never a
 * scan), counts amount × probability ÷ 100 in the month its expected close date falls in. The
 * deal's own probability is used (a member may have set it), which defaults to its stage's.
 */
export const PIPELINE_MONTHS = 12;

/** `yyyy-mm` + k months. */
const addMonths = (month: string, k: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + k, 1)).toISOString().slice(0, 7);
};

async function* pages<T>(read: (cursor?: string) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

const empty = () => ({ deals: 0, amount: 0, weighted: 0 });

class Accumulator {
  readonly months = new Map<string, ReturnType<typeof empty>>();
  readonly overdue = empty();
  readonly later = empty();
  readonly unscheduled = empty();
  readonly total = empty();

  constructor(
    private readonly thisMonth: string,
    private readonly lastMonth: string,
  ) {}

  add(deal: Deal, weighted: number): void {
    const month = deal.expectedCloseDate?.slice(0, 7);
    const bucket = !month
      ? this.unscheduled
      : month < this.thisMonth
        ? this.overdue
        : month > this.lastMonth
          ? this.later
          : (this.months.get(month) ?? this.months.set(month, empty()).get(month)!);
    for (const b of [bucket, this.total]) {
      b.deals++;
      b.amount += deal.amount;
      b.weighted += weighted;
    }
  }

  result(): WeightedPipeline {
    return {
      months: [...this.months].sort(([a], [b]) => a.localeCompare(b)).map(([month, b]) => ({ month, ...b })),
      overdue: this.overdue,
      later: this.later,
      unscheduled: this.unscheduled,
      total: this.total,
    };
  }
}

export async function runPipelineForecast(
  ctx: TenantContext,
  settings: { timeZone: string; currency: string },
): Promise<{ deals: number }> {
  const now = ctx.clock.now();
  const thisMonth = localDate(now, settings.timeZone).slice(0, 7);
  const lastMonth = addMonths(thisMonth, PIPELINE_MONTHS - 1);
  const tenant = new Accumulator(thisMonth, lastMonth);
  const owners = new Map<string, Accumulator>();
  let otherCurrencies = 0;
  for await (const pipeline of pages<Pipeline>((cursor) => listPipelines(ctx, { limit: 100, cursor }))) {
    for (const stage of pipeline.stages.filter((s) => s.outcome === 'open')) {
      const deals = pages<Deal>((cursor) =>
        listDeals(ctx, { pipelineId: pipeline.id, stageId: stage.id, limit: 100, cursor }),
      );
      for await (const deal of deals) {
        if (deal.status !== 'open') continue;
        if (deal.currency !== settings.currency) {
          otherCurrencies++;
          continue;
        }
        const weighted = Math.round((deal.amount * deal.probability) / 100);
        tenant.add(deal, weighted);
        if (deal.ownerId) {
          const owner = owners.get(deal.ownerId) ?? new Accumulator(thisMonth, lastMonth);
          owners.set(deal.ownerId, owner);
          owner.add(deal, weighted);
        }
      }
    }
  }
  const forecast: PipelineForecast = {
    computedAt: now.toISOString(),
    otherCurrencies,
    tenant: tenant.result(),
    owners: [...owners]
      .map(([ownerId, accumulator]) => ({ ownerId, ...accumulator.result() }))
      .sort((a, b) => b.total.weighted - a.total.weighted),
  };
  await unitOfWork(ctx)
    .put({ ...analyticsKeys.pipeline(ctx.tenantId), entity: 'PipelineForecast', ...forecast })
    .commit();
  return { deals: forecast.tenant.total.deals };
}

export async function getPipelineForecast(ctx: TenantContext): Promise<PipelineForecast | undefined> {
  const item = await getItem(ctx, analyticsKeys.pipeline(ctx.tenantId));
  return item ? withoutKeys<PipelineForecast>(item) : undefined;
}
