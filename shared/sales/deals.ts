import { DealChanged, DealCreated, DealLost, DealStageChanged, DealWon } from '../../events/sales.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Item,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getTenant } from '../tenancy/records.ts';
import { dealKeys, pipelineKeys } from './keys.ts';
import { formatMoney } from './money.ts';
import { type DealPosition, getPipeline, recordDealPositionInto } from './pipelines.ts';
import { activeMember, callerId, existingCompany, existingContacts } from './references.ts';
import { reviseEach, unchangedSince } from './revise.ts';
import type { Deal, DealCreate, DealUpdate, Pipeline, Stage, StageChange } from './schema.ts';

/**
 * Deals move through their pipeline's stages; every move is recorded (stage-change items and the
 * pipeline's running totals) in the same transaction as the deal, so funnel reports never scan.
 * A deal stays in the pipeline it was opened in.
 */
const REACHED = 'reachedStageIds';
/** A deal named after its contact (lead conversion's default): erasing the contact renames it. */
export const NAMED_AFTER = 'namedAfterContactId';

export function toDeal(item: Item): Deal {
  const { [REACHED]: _reached, [NAMED_AFTER]: _named, ...deal } = withoutKeys<Record<string, unknown>>(item);
  return deal as Deal;
}

/** The contact links of a deal (a contact's deals are found through them, on GSI3). */
export function contactLinksInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  deal: Pick<Deal, 'id' | 'createdAt'>,
  change: { added?: string[]; removed?: string[] },
): void {
  for (const contactId of change.removed ?? [])
    uow.delete(dealKeys.contactLink(ctx.tenantId, deal.id, contactId));
  for (const contactId of change.added ?? [])
    uow.put({
      ...dealKeys.contactLink(ctx.tenantId, deal.id, contactId),
      entity: 'DealContact',
      dealId: deal.id,
      contactId,
      GSI3PK: dealKeys.withContact(ctx.tenantId, contactId),
      GSI3SK: `${deal.createdAt}#${deal.id}`,
    });
}

function indexes(ctx: TenantContext, deal: Deal) {
  return {
    GSI1PK: dealKeys.byPipeline(ctx.tenantId, deal.pipelineId),
    GSI1SK: `${deal.stageId}#${deal.id}`,
    GSI2PK: dealKeys.byOwner(ctx.tenantId, deal.ownerId),
    GSI2SK: `${deal.status}#${deal.expectedCloseDate ?? '9999-12-31'}#${deal.id}`,
  };
}

function stageOf(pipeline: Pipeline, stageId: string, path: string): Stage {
  const stage = pipeline.stages.find((s) => s.id === stageId);
  if (!stage)
    throw ValidationError.field(
      path,
      `Pipeline ${pipeline.name} has no stage ${stageId}; its stages are ${pipeline.stages.map((s) => `${s.id} (${s.name})`).join(', ')}.`,
    );
  return stage;
}

/** The pipeline must not change under a deal write (a stage removed meanwhile). */
function pipelineUnchanged(uow: UnitOfWork, ctx: TenantContext, pipeline: Pipeline): void {
  uow.check(
    pipelineKeys.pipeline(ctx.tenantId, pipeline.id),
    hasVersion(pipeline.version),
    () => new PreconditionFailedError('The pipeline changed meanwhile; retry.'),
  );
}

function facts(deal: Deal) {
  return {
    dealId: deal.id,
    pipelineId: deal.pipelineId,
    amount: deal.amount,
    currency: deal.currency,
    ...(deal.ownerId ? { ownerId: deal.ownerId } : {}),
  };
}

function closingEventsInto(uow: UnitOfWork, ctx: TenantContext, deal: Deal, stage: Stage): void {
  if (stage.outcome === 'open') return;
  if (stage.outcome === 'won') uow.publish(DealWon, { ...facts(deal), contactIds: deal.contactIds });
  else uow.publish(DealLost, { ...facts(deal), ...(deal.lostReason ? { reason: deal.lostReason } : {}) });
  for (const contactId of deal.contactIds)
    addTimelineEntryInto(uow, ctx, contactId, {
      kind: 'deal',
      title: `Deal ${deal.name} ${stage.outcome}`,
      summary: formatMoney(deal.amount, deal.currency),
      ref: { type: 'deal', id: deal.id },
    });
}

export interface NewDeal {
  name: string;
  pipeline: Pipeline;
  stageId?: string | undefined;
  amount: number;
  currency: string;
  expectedCloseDate?: string | undefined;
  ownerId?: string | undefined;
  contactIds: string[];
  companyId?: string | undefined;
  leadId?: string | undefined;
  /** The name is the person's name (lead conversion without a company): erasing them renames the deal. */
  namedAfterContactId?: string | undefined;
}

/** Adds a new deal to the unit of work (lead conversion opens one with its contact and company). */
export function openDealInto(uow: UnitOfWork, ctx: TenantContext, input: NewDeal, path = 'body'): Deal {
  const { pipeline } = input;
  const stage = input.stageId
    ? stageOf(pipeline, input.stageId, `${path}.stageId`)
    : pipeline.stages.find((s) => s.outcome === 'open')!;
  const now = ctx.clock.now().toISOString();
  const deal: Deal = {
    id: newId(),
    name: input.name,
    pipelineId: pipeline.id,
    stageId: stage.id,
    status: stage.outcome,
    probability: stage.probability,
    amount: input.amount,
    currency: input.currency,
    ...(input.expectedCloseDate ? { expectedCloseDate: input.expectedCloseDate } : {}),
    ...(input.ownerId ? { ownerId: input.ownerId } : {}),
    contactIds: [...new Set(input.contactIds)],
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.leadId ? { leadId: input.leadId } : {}),
    stageEnteredAt: now,
    ...(stage.outcome !== 'open' ? { closedAt: now } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const { reached } = recordDealPositionInto(uow, ctx, pipeline, deal.id, undefined, deal);
  uow.put(
    {
      ...dealKeys.deal(ctx.tenantId, deal.id),
      entity: 'Deal',
      ...deal,
      [REACHED]: reached,
      ...(input.namedAfterContactId ? { [NAMED_AFTER]: input.namedAfterContactId } : {}),
      ...indexes(ctx, deal),
    },
    { condition: notExists },
  );
  contactLinksInto(uow, ctx, deal, { added: deal.contactIds });
  pipelineUnchanged(uow, ctx, pipeline);
  uow.publish(DealCreated, {
    ...facts(deal),
    stageId: deal.stageId,
    ...(deal.leadId ? { leadId: deal.leadId } : {}),
  });
  for (const contactId of deal.contactIds)
    addTimelineEntryInto(uow, ctx, contactId, {
      kind: 'deal',
      title: `Deal ${deal.name} opened`,
      summary: `${stage.name}, ${formatMoney(deal.amount, deal.currency)}`,
      ref: { type: 'deal', id: deal.id },
    });
  closingEventsInto(uow, ctx, deal, stage);
  return deal;
}

async function pipelineFor(ctx: TenantContext, id: string, path: string): Promise<Pipeline> {
  try {
    return await getPipeline(ctx, id);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field(path, error.message);
    throw error;
  }
}

export async function createDeal(ctx: TenantContext, input: DealCreate): Promise<Deal> {
  const pipeline = await pipelineFor(ctx, input.pipelineId, 'body.pipelineId');
  await existingContacts(ctx, input.contactIds, 'body.contactIds');
  if (input.companyId) await existingCompany(ctx, input.companyId, 'body.companyId');
  if (input.ownerId) await activeMember(ctx, input.ownerId, 'body.ownerId');
  const uow = unitOfWork(ctx);
  const deal = openDealInto(uow, ctx, {
    ...input,
    pipeline,
    currency: input.currency ?? (await getTenant(ctx)).currency,
    ownerId: input.ownerId ?? callerId(ctx),
  });
  await uow.commit();
  return deal;
}

async function dealItem(ctx: TenantContext, id: string): Promise<Item> {
  const item = await getItem(ctx, dealKeys.deal(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Deal', id);
  return item;
}

export async function getDeal(ctx: TenantContext, id: string): Promise<Deal> {
  return toDeal(await dealItem(ctx, id));
}

export async function updateDeal(
  ctx: TenantContext,
  id: string,
  input: DealUpdate,
  ifMatch?: number | 'any',
): Promise<Deal> {
  const item = await dealItem(ctx, id);
  const current = toDeal(item);
  assertIfMatch(ifMatch, current);
  const pipeline = await getPipeline(ctx, current.pipelineId);
  const next: Deal = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else
      (next as Record<string, unknown>)[field] =
        field === 'contactIds' ? [...new Set(value as string[])] : value;
  }
  const fields = Object.keys(input).filter(
    (f) =>
      JSON.stringify((current as Record<string, unknown>)[f]) !==
      JSON.stringify((next as Record<string, unknown>)[f]),
  );
  if (fields.length === 0) return current;
  if (fields.includes('contactIds')) await existingContacts(ctx, next.contactIds, 'body.contactIds');
  if (fields.includes('companyId') && next.companyId)
    await existingCompany(ctx, next.companyId, 'body.companyId');
  if (fields.includes('ownerId') && next.ownerId) await activeMember(ctx, next.ownerId, 'body.ownerId');
  const now = ctx.clock.now().toISOString();
  const stage = stageOf(pipeline, next.stageId, 'body.stageId');
  const moved = next.stageId !== current.stageId;
  if (moved) {
    next.status = stage.outcome;
    next.probability = stage.probability;
    next.stageEnteredAt = now;
    if (stage.outcome === 'open') delete next.closedAt;
    else next.closedAt = now;
  }
  next.updatedAt = now;
  next.version = current.version + 1;

  const uow = unitOfWork(ctx);
  let reached = (item[REACHED] as string[] | undefined) ?? [];
  let secondsInPreviousStage: number | undefined;
  if (moved || next.amount !== current.amount || next.currency !== current.currency) {
    const before: DealPosition = { ...current, reached };
    const position = recordDealPositionInto(uow, ctx, pipeline, id, before, next);
    reached = position.reached;
    secondsInPreviousStage = position.change?.secondsInPreviousStage;
    pipelineUnchanged(uow, ctx, pipeline);
  }
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  uow.update(dealKeys.deal(ctx.tenantId, id), {
    set: {
      ...set,
      expectedCloseDate: next.expectedCloseDate,
      ownerId: next.ownerId,
      companyId: next.companyId,
      lostReason: next.lostReason,
      closedAt: next.closedAt,
      [REACHED]: reached,
      ...indexes(ctx, next),
    },
    // Renamed by a member: no longer the person's name.
    ...(fields.includes('name') ? { remove: [NAMED_AFTER] } : {}),
    ...whileVersion(current.version),
  });
  if (fields.includes('contactIds'))
    contactLinksInto(uow, ctx, next, {
      added: next.contactIds.filter((c) => !current.contactIds.includes(c)),
      removed: current.contactIds.filter((c) => !next.contactIds.includes(c)),
    });
  if (moved) {
    uow.publish(DealStageChanged, {
      ...facts(next),
      fromStageId: current.stageId,
      toStageId: next.stageId,
      status: next.status,
      ...(secondsInPreviousStage !== undefined ? { secondsInPreviousStage } : {}),
    });
    closingEventsInto(uow, ctx, next, stage);
  }
  const others = fields.filter((f) => f !== 'stageId');
  if (others.length) uow.publish(DealChanged, { ...facts(next), fields: others });
  await uow.commit();
  return next;
}

export async function listDeals(
  ctx: TenantContext,
  query: {
    contactId?: string | undefined;
    pipelineId?: string | undefined;
    stageId?: string | undefined;
    ownerId?: string | undefined;
    status?: Deal['status'] | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<Deal>> {
  if (query.contactId) return dealsOfContact(ctx, query.contactId, query);
  if (query.pipelineId) {
    return queryPage(
      ctx,
      {
        index: 'GSI1',
        partition: dealKeys.byPipeline(ctx.tenantId, query.pipelineId),
        ...(query.stageId ? { sort: { beginsWith: `${query.stageId}#` } } : {}),
      },
      query,
      toDeal,
    );
  }
  return queryPage(
    ctx,
    {
      index: 'GSI2',
      partition: dealKeys.byOwner(ctx.tenantId, query.ownerId),
      ...(query.status ? { sort: { beginsWith: `${query.status}#` } } : {}),
    },
    query,
    toDeal,
  );
}

/** The deals a contact takes part in, newest first: a page of their contact links, then the deals. */
export async function dealsOfContact(
  ctx: TenantContext,
  contactId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Deal>> {
  const links = await queryPage(
    ctx,
    { index: 'GSI3', partition: dealKeys.withContact(ctx.tenantId, contactId), ascending: false },
    page,
    (item) => String(item.dealId),
  );
  const deals = await getItems(
    ctx,
    links.items.map((id) => dealKeys.deal(ctx.tenantId, id)),
  );
  const byId = new Map(deals.map((item) => [String(item.id), toDeal(item)]));
  return {
    items: links.items.flatMap((id) => byId.get(id) ?? []),
    ...(links.nextCursor ? { nextCursor: links.nextCursor } : {}),
  };
}

/** A deal's stage changes, oldest first: when it entered each stage and how long it stayed. */
export async function dealStageHistory(
  ctx: TenantContext,
  id: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<StageChange>> {
  await dealItem(ctx, id);
  return queryPage<StageChange>(
    ctx,
    { partition: dealKeys.deal(ctx.tenantId, id).PK, sort: { beginsWith: 'STAGE-CHANGE#' } },
    page,
  );
}

/** What an erased contact's place in a deal's name becomes. */
export const ERASED_CONTACT = 'Erased contact';

/**
 * Replaces `contactId` in the deals it takes part in (found through its contact links): with
 * `replacement` after a merge, with nobody after an erasure, when a deal named after the person
 * is renamed too. DealChanged says what changed; a deal that no longer names the contact only
 * loses its stale link, so a redelivered event changes nothing more.
 */
async function replaceDealContact(
  ctx: TenantContext,
  contactId: string,
  replacement: string | undefined,
): Promise<void> {
  const t = ctx.tenantId;
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: dealKeys.withContact(t, contactId) },
    (item, uow) => {
      const deal = toDeal(item);
      const link = dealKeys.contactLink(t, deal.id, contactId);
      if (!deal.contactIds.includes(contactId)) {
        uow.delete(link);
        return true;
      }
      const contactIds = [
        ...new Set(
          deal.contactIds.flatMap((c) => (c !== contactId ? [c] : replacement ? [replacement] : [])),
        ),
      ];
      const namedAfter = item[NAMED_AFTER] === contactId;
      const fields = ['contactIds', ...(namedAfter && !replacement ? ['name'] : [])];
      contactLinksInto(uow, ctx, deal, {
        removed: [contactId],
        added: replacement ? [replacement] : [],
      });
      uow.update(dealKeys.deal(t, deal.id), {
        set: {
          contactIds,
          ...(namedAfter ? (replacement ? { [NAMED_AFTER]: replacement } : { name: ERASED_CONTACT }) : {}),
        },
        ...(namedAfter && !replacement ? { remove: [NAMED_AFTER] } : {}),
        bumpVersion: true,
        ...unchangedSince(item),
      });
      uow.publish(DealChanged, { ...facts(deal), fields });
      return true;
    },
    (link) => dealKeys.deal(t, String(link.dealId)),
  );
}

/** A merge (ContactsMerged): the kept contact takes the merged one's place in its deals. */
export function moveDeals(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  return replaceDealContact(ctx, mergedId, keptId);
}

/**
 * An erasure (ContactErased): the deals stay (amounts, stages, the funnel's history) without the
 * person; a deal that conversion named after them is renamed "Erased contact".
 */
export function removeContactFromDeals(ctx: TenantContext, contactId: string): Promise<void> {
  return replaceDealContact(ctx, contactId, undefined);
}
