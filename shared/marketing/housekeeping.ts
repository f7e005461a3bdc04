import { contactKeys } from '../contacts/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { publicUrl } from '../platform/links.ts';
import { renderTextEmail } from '../platform/pages/email.tsx';
import { deleteSchedule, scheduleOnce, sendMailOnce } from '../tasks/one-time.ts';
import { addressLines } from '../tenancy/address.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant } from '../tenancy/records.ts';
import { CAMPAIGN_SCHEDULE, getCampaign } from './campaigns.ts';
import { campaignKeys, listKeys, mailingKeys } from './keys.ts';
import { findMailing } from './mailings.ts';
import { editionScheduleName, findNewsletter, NEWSLETTER_SCHEDULE } from './newsletters.ts';
import { enqueuePlanner, plannerStart } from './planner.ts';

/**
 * What follows committed marketing changes (the `marketing-events` consumer): planners started,
 * one-time schedules kept in step with campaigns and newsletters, admins alerted of a mailing that
 * paused itself, and this module's items moved or removed when contacts are merged or erased.
 * Each is idempotent: events can arrive twice and out of order.
 */
export async function startPlanner(
  ctx: TenantContext,
  mailingId: string,
  resumedGeneration?: number,
): Promise<void> {
  const mailing = await findMailing(ctx, mailingId, true);
  if (mailing?.status !== 'sending') return;
  if (resumedGeneration !== undefined && mailing.generation !== resumedGeneration) return;
  await enqueuePlanner(plannerStart(ctx, mailing, resumedGeneration !== undefined));
}

export const campaignScheduleName = (campaignId: string) => `${CAMPAIGN_SCHEDULE}-${campaignId}`;

/** The campaign's schedule as its state says: at its time while scheduled, none otherwise. */
export async function syncCampaignSchedule(ctx: TenantContext, campaignId: string): Promise<void> {
  const campaign = await getCampaign(ctx, campaignId, true).catch(absentIfNotFound);
  const name = campaignScheduleName(campaignId);
  if (campaign?.status !== 'scheduled' || !campaign.sendAt || !campaign.timeZone || !campaign.scheduledFor) {
    await deleteSchedule(name);
    return;
  }
  await scheduleOnce(ctx, {
    name,
    local: campaign.sendAt,
    timeZone: campaign.timeZone,
    target: 'marketing-jobs',
    schedule: CAMPAIGN_SCHEDULE,
    payload: { campaignId, scheduledFor: campaign.scheduledFor },
    description: `Campaign ${campaign.name.slice(0, 200)}`,
  });
}

export async function syncNewsletterSchedule(
  ctx: TenantContext,
  newsletterId: string,
  previous?: string,
): Promise<void> {
  const newsletter = await findNewsletter(ctx, newsletterId, true);
  if (previous && previous !== newsletter?.nextEdition)
    await deleteSchedule(editionScheduleName(newsletterId, previous));
  if (newsletter?.status !== 'active' || !newsletter.nextEdition) return;
  await scheduleOnce(ctx, {
    name: editionScheduleName(newsletterId, newsletter.nextEdition),
    local: newsletter.nextEdition,
    timeZone: newsletter.schedule.timeZone,
    target: 'marketing-jobs',
    schedule: NEWSLETTER_SCHEDULE,
    payload: { newsletterId, occurrence: newsletter.nextEdition },
    description: `Newsletter ${newsletter.name.slice(0, 200)}, edition ${newsletter.nextEdition}`,
  });
}

/** Emails each active admin once per automatic pause, saying why and what to do. */
export async function alertAdmins(
  ctx: TenantContext,
  event: { mailingId: string; kind: string; reason: string; pausedAt: string },
): Promise<number> {
  const [tenant, members, owner] = await Promise.all([
    getTenant(ctx),
    queryAll(ctx, { partition: tenancyKeys.members(ctx.tenantId), sort: { beginsWith: 'MEMBER#' } }),
    event.kind === 'campaign'
      ? getItem(ctx, campaignKeys.campaign(ctx.tenantId, event.mailingId))
      : undefined,
  ]);
  const admins = members.filter((m) => m.role === 'admin' && m.status === 'active');
  const i18n = await translator(tenant.locale);
  const what = owner
    ? { kind: 'campaign', name: String(owner.name) }
    : { kind: 'mailing', name: event.mailingId };
  const resume = event.kind === 'campaign' ? publicUrl(`/v1/campaigns/${event.mailingId}/resume`) : undefined;
  const text = [
    i18n.t('marketing.alert.stopped', { ...what, reason: event.reason }),
    i18n.t('marketing.alert.why'),
    resume ? i18n.t('marketing.alert.todoResume', { url: resume }) : i18n.t('marketing.alert.todo'),
    i18n.t('marketing.alert.stats', { url: publicUrl(`/v1/campaigns/${event.mailingId}/stats`) }),
  ].join('\n\n');
  const html = renderTextEmail(
    { lang: i18n.locale, brand: tenant.name, footer: [tenant.name, ...addressLines(tenant)] },
    text,
  );
  let sent = 0;
  for (const admin of admins) {
    const outcome = await sendMailOnce(
      ctx,
      mailingKeys.alert(ctx.tenantId, event.mailingId, event.pausedAt, String(admin.id)),
      {
        category: 'transactional',
        sender: { name: tenant.sender.name, email: tenant.sender.email },
        to: String(admin.email),
        subject: i18n.t('marketing.alert.subject', what),
        text,
        html,
        tags: { kind: 'mailing-alert', mailingId: event.mailingId },
      },
    );
    if (outcome?.status === 'sent') sent++;
  }
  return sent;
}

/** This module's items about a contact: topic choices and list memberships. */
async function marketingItemsOf(ctx: TenantContext, contactId: string) {
  const partition = contactKeys.partition(ctx.tenantId, contactId);
  const [choices, memberships] = await Promise.all([
    queryAll(ctx, { partition, sort: { beginsWith: 'TOPIC#' }, consistent: true }),
    queryAll(ctx, { partition, sort: { beginsWith: 'LIST#' }, consistent: true }),
  ]);
  return { choices, memberships };
}

/** The item a move or a removal expected was not there (a redelivery, or another delivery won). */
class AlreadyGone extends Error {}
/** The list was deleted between reading it and counting the member out: count nothing. */
class ListGone extends Error {}
/** The kept contact has an item of its own for this topic or list already. */
class KeptHasOne extends Error {}

/**
 * A membership removed, and its list's count with it (unless the list is gone). Only "already
 * gone" is settled here: any other failure is thrown, so the delivery is retried and an erased
 * person's membership never stays behind.
 */
async function dropMembership(ctx: TenantContext, listId: string, contactId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const list = await getItem(ctx, listKeys.list(ctx.tenantId, listId), { consistent: true });
    const uow = unitOfWork(ctx).delete(listKeys.member(ctx.tenantId, listId, contactId), {
      condition: exists,
      onConditionFailed: () => new AlreadyGone(),
    });
    if (list)
      uow.update(listKeys.list(ctx.tenantId, listId), {
        add: { memberCount: -1 },
        condition: exists,
        onConditionFailed: () => new ListGone(),
      });
    try {
      await uow.commit();
      return;
    } catch (error) {
      if (error instanceof AlreadyGone) return;
      if (!(error instanceof ListGone) || attempt >= 2) throw error;
    }
  }
}

/** ContactErased: the person's topic choices and list memberships go. */
export async function forgetContact(ctx: TenantContext, contactId: string): Promise<void> {
  const { choices, memberships } = await marketingItemsOf(ctx, contactId);
  for (const item of choices)
    await unitOfWork(ctx)
      .delete({ PK: String(item.PK), SK: String(item.SK) })
      .commit();
  for (const item of memberships) await dropMembership(ctx, String(item.listId), contactId);
}

/**
 * ContactsMerged: the duplicate's choices and memberships move to the kept contact. The kept
 * contact's own choice for a topic wins; a list both were in counts one member less.
 */
export async function moveContact(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  const t = ctx.tenantId;
  const { choices, memberships } = await marketingItemsOf(ctx, mergedId);
  for (const item of choices) {
    const uow = unitOfWork(ctx)
      .put(
        { ...item, PK: contactKeys.partition(t, keptId), contactId: keptId },
        { condition: notExists, onConditionFailed: () => new KeptHasOne() },
      )
      .delete({ PK: String(item.PK), SK: String(item.SK) });
    // The kept contact's own choice wins: the duplicate's goes. Any other failure is thrown (the
    // delivery is retried): deleting the duplicate's choice then would lose a person's opt-out.
    await uow.commit().catch(async (error: unknown) => {
      if (!(error instanceof KeptHasOne)) throw error;
      await unitOfWork(ctx)
        .delete({ PK: String(item.PK), SK: String(item.SK) })
        .commit();
    });
  }
  for (const item of memberships) {
    const listId = String(item.listId);
    const moved = unitOfWork(ctx)
      .put(
        { ...item, PK: contactKeys.partition(t, keptId), contactId: keptId, GSI1SK: keptId },
        { condition: notExists, onConditionFailed: () => new KeptHasOne() },
      )
      .delete(listKeys.member(t, listId, mergedId), {
        condition: exists,
        onConditionFailed: () => new AlreadyGone(),
      });
    // Both in the list: one member less. Moved already by another delivery: nothing to do.
    await moved.commit().catch(async (error: unknown) => {
      if (error instanceof KeptHasOne) return dropMembership(ctx, listId, mergedId);
      if (!(error instanceof AlreadyGone)) throw error;
    });
  }
}
