import type { TenantContext } from '../platform/context.ts';
import { getItems, type Item } from '../platform/db/repository.ts';
import { pipelineKeys, productKeys } from '../sales/keys.ts';
import { surveyKeys } from '../surveys/keys.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import type { PipelineStages } from './standard/parts.ts';
import type { Row } from './standard.ts';

/**
 * Names for the ids in a report's rows, read when the report is answered (one BatchGet per kind):
 * the warehouse keeps ids only, and names change. An id whose record is gone keeps no label.
 */
export interface Labels {
  labels: Record<string, Record<string, string>>;
  pipelines: PipelineStages[];
}

export async function labelsFor(
  ctx: TenantContext,
  rows: Row[],
  extraPipelines: string[] = [],
): Promise<Labels> {
  const t = ctx.tenantId;
  const ids = (column: string) => [
    ...new Set(rows.map((r) => r[column]).filter((v): v is string => typeof v === 'string' && v !== '')),
  ];
  const pipelineIds = [...new Set([...ids('pipelineId'), ...ids('pipeline_id'), ...extraPipelines])];
  const keysOf = {
    member: ids('ownerId').map((id) => tenancyKeys.member(t, id)),
    pipeline: pipelineIds.map((id) => pipelineKeys.pipeline(t, id)),
    product: ids('productId').map((id) => productKeys.product(t, id)),
    survey: ids('surveyId').map((id) => surveyKeys.survey(t, id)),
  };
  const items = await getItems(ctx, Object.values(keysOf).flat());
  const byKind = (sk: (item: Item) => boolean) => items.filter(sk);
  const members = byKind((i) => String(i.SK).startsWith('MEMBER#'));
  const pipelines = byKind((i) => i.SK === 'PIPELINE');
  const products = byKind((i) => i.SK === 'PRODUCT');
  const surveys = byKind((i) => i.SK === 'SURVEY');
  const labels: Labels['labels'] = {};
  const add = (column: string, entries: Array<[string, string]>) => {
    if (entries.length) labels[column] = Object.fromEntries(entries);
  };
  add(
    'ownerId',
    members.map((m) => [String(m.id), String(m.name)]),
  );
  add(
    'pipelineId',
    pipelines.map((p) => [String(p.id), String(p.name)]),
  );
  add(
    'productId',
    products.map((p) => [String(p.id), `${String(p.name)} (${String(p.sku)})`]),
  );
  add(
    'surveyId',
    surveys.map((s) => [String(s.id), String(s.title ?? s.id)]),
  );
  const stages = pipelines.flatMap((p) =>
    (p.stages as Array<{ id: string; name: string }>).map((s) => [s.id, s.name] as [string, string]),
  );
  add('stageId', stages);
  return {
    labels,
    pipelines: pipelines.map((p) => ({
      id: String(p.id),
      stages: (p.stages as Array<{ id: string; outcome: string }>).map((s) => ({
        id: s.id,
        outcome: s.outcome,
      })),
    })),
  };
}
