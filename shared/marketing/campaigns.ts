import type { TenantContext } from '../platform/context.ts';
import { and, exists, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { assertVerifiedSender } from '../senders/identities.ts';
import { checkAudience } from './audience-check.ts';
import { campaignKeys } from './keys.ts';
import type { Campaign, CampaignCreate, CampaignStatus, CampaignUpdate } from './schema.ts';
import { findTemplate } from './templates.ts';
import { usableTopic } from './topics.ts';

/**
 * Campaigns: draft → scheduled → sending → sent, or cancelled; a sending campaign can be paused
 * (by a member, or by itself past the bounce or complaint limit), then resumed or cancelled.
 * Content, audience, topic and schedule change only before sending starts (409 after). Sending is a
 * mailing of kind `campaign` with the campaign's id; the template is copied into it when sending
 * starts and the recipients are resolved then. Here the campaign's record; sending and what
 * follows it are in campaign-sending.ts, which the API loads on those routes only.
 */
export const CAMPAIGN_SCHEDULE = 'campaign-send';

const toCampaign = (item: Item) => withoutKeys<Campaign>(item);

function indexes(
  ctx: TenantContext,
  campaign: Pick<Campaign, 'id' | 'createdAt' | 'status' | 'newsletterId' | 'edition'>,
) {
  const sort = `${campaign.createdAt}#${campaign.id}`;
  return {
    GSI1PK: campaignKeys.all(ctx.tenantId),
    GSI1SK: sort,
    GSI2PK: campaignKeys.inStatus(ctx.tenantId, campaign.status),
    GSI2SK: sort,
    ...(campaign.newsletterId
      ? {
          GSI3PK: campaignKeys.editions(ctx.tenantId, campaign.newsletterId),
          GSI3SK: `${campaign.edition}#${campaign.id}`,
        }
      : {}),
  };
}

export async function checkReferences(
  ctx: TenantContext,
  input: Partial<Pick<Campaign, 'topicId' | 'templateId' | 'audience'>>,
  path: string,
): Promise<void> {
  const issues: FieldIssue[] = [];
  const collect = async (check: () => Promise<unknown>) => {
    try {
      await check();
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
  };
  if (input.topicId) await collect(() => usableTopic(ctx, input.topicId!, `${path}topicId`));
  if (input.templateId && !(await findTemplate(ctx, input.templateId)))
    issues.push({ path: `${path}templateId`, message: `There is no template ${input.templateId}.` });
  if (input.audience) await collect(() => checkAudience(ctx, input.audience!, `${path}audience`));
  if (issues.length) throw new ValidationError(issues, issues[0]!.message);
}

/** A campaign item for `put`: the campaign and its indexes. */
export function campaignItem(ctx: TenantContext, campaign: Campaign): Item {
  return {
    ...campaignKeys.campaign(ctx.tenantId, campaign.id),
    entity: 'Campaign',
    ...campaign,
    ...indexes(ctx, campaign),
  };
}

export async function createCampaign(ctx: TenantContext, input: CampaignCreate): Promise<Campaign> {
  await checkReferences(ctx, input, 'body.');
  if (input.sender) await assertVerifiedSender(ctx, input.sender.email, 'body.sender.email');
  const now = ctx.clock.now().toISOString();
  const campaign: Campaign = {
    id: newId(),
    ...input,
    status: 'draft',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await unitOfWork(ctx).put(campaignItem(ctx, campaign), { condition: notExists }).commit();
  return campaign;
}

export async function getCampaign(ctx: TenantContext, id: string, consistent = false): Promise<Campaign> {
  const item = await getItem(ctx, campaignKeys.campaign(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Campaign', id);
  return toCampaign(item);
}

export async function listCampaigns(
  ctx: TenantContext,
  query: {
    status?: CampaignStatus | undefined;
    newsletterId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<Campaign>> {
  const t = ctx.tenantId;
  const spec = query.newsletterId
    ? { index: 'GSI3' as const, partition: campaignKeys.editions(t, query.newsletterId), ascending: false }
    : query.status
      ? { index: 'GSI2' as const, partition: campaignKeys.inStatus(t, query.status), ascending: false }
      : { index: 'GSI1' as const, partition: campaignKeys.all(t), ascending: false };
  return queryPage(ctx, spec, query, toCampaign);
}

export const EDITABLE: CampaignStatus[] = ['draft', 'scheduled'];

export const notEditable = (campaign: Campaign) =>
  new ConflictError(
    campaign.status === 'sending' || campaign.status === 'paused'
      ? `Campaign ${campaign.id} is ${campaign.status}: its content and audience can no longer change.`
      : `Campaign ${campaign.id} is ${campaign.status}.`,
    { status: campaign.status },
  );

/** The campaign as read, unchanged since: the version and an editable status. */
const unchangedSince = (campaign: Campaign) =>
  and(exists, (e) => `${e.name('version')} = ${e.value(campaign.version)}`);

function conditionFor(campaign: Campaign) {
  return {
    condition: unchangedSince(campaign),
    onConditionFailed: () => new PreconditionFailedError('The campaign changed meanwhile; read it again.'),
  };
}

export async function updateCampaign(
  ctx: TenantContext,
  id: string,
  input: CampaignUpdate,
  ifMatch?: number | 'any',
): Promise<Campaign> {
  const current = await getCampaign(ctx, id, true);
  assertIfMatch(ifMatch, current);
  if (!EDITABLE.includes(current.status)) throw notEditable(current);
  await checkReferences(ctx, input, 'body.');
  if (input.sender) await assertVerifiedSender(ctx, input.sender.email, 'body.sender.email');
  const next: Campaign = { ...current };
  if (input.name !== undefined) next.name = input.name;
  if (input.audience !== undefined) next.audience = input.audience;
  if (input.topicId !== undefined) next.topicId = input.topicId;
  if (input.templateId !== undefined) next.templateId = input.templateId;
  if (input.sender === null) delete next.sender;
  else if (input.sender !== undefined) next.sender = input.sender;
  if (input.maxSendRate === null) delete next.maxSendRate;
  else if (input.maxSendRate !== undefined) next.maxSendRate = input.maxSendRate;
  if (JSON.stringify(next) === JSON.stringify(current)) return current;
  return saveCampaign(ctx, current, next);
}

export async function saveCampaign(
  ctx: TenantContext,
  current: Campaign,
  next: Campaign,
  more: (uow: UnitOfWork) => void = () => {},
): Promise<Campaign> {
  const saved = { ...next, updatedAt: ctx.clock.now().toISOString(), version: current.version + 1 };
  const uow = unitOfWork(ctx).put(campaignItem(ctx, saved), conditionFor(current));
  more(uow);
  await uow.commit();
  return saved;
}
