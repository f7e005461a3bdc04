import type { TenantContext } from '../platform/context.ts';
import { getItem, queryAll, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { subscriptionKeys } from './keys.ts';
import type { Plan, PlanInput } from './schema.ts';

/** The operator's price list; `ctx` is the operator tenant's context. */
const toPlan = (item: Record<string, unknown>) => withoutKeys<Plan>(item);

export async function getPlan(ctx: TenantContext, id: string): Promise<Plan> {
  const item = await getItem(ctx, subscriptionKeys.plan(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Plan', id);
  return toPlan(item);
}

export async function listPlans(ctx: TenantContext): Promise<Plan[]> {
  const items = await queryAll(ctx, {
    partition: subscriptionKeys.plans(ctx.tenantId),
    sort: { beginsWith: 'PLAN#' },
  });
  return items.map(toPlan);
}

/**
 * Creates or replaces a plan. Tenants already on it keep the terms they were put on until the
 * operator assigns the plan again (a price change is never applied behind a customer's back).
 */
export async function putPlan(ctx: TenantContext, id: string, input: PlanInput): Promise<Plan> {
  const current = await getItem(ctx, subscriptionKeys.plan(ctx.tenantId, id), { consistent: true });
  const now = ctx.clock.now().toISOString();
  const plan: Plan = {
    id,
    ...input,
    createdAt: typeof current?.createdAt === 'string' ? current.createdAt : now,
    updatedAt: now,
    version: (typeof current?.version === 'number' ? current.version : 0) + 1,
  };
  await unitOfWork(ctx)
    .put(
      { ...subscriptionKeys.plan(ctx.tenantId, id), entity: 'Plan', ...plan },
      {
        condition: (e) =>
          current
            ? `${e.name('version')} = ${e.value(current.version)}`
            : `attribute_not_exists(${e.name('PK')})`,
      },
    )
    .commit();
  return plan;
}
