import { CampaignScheduleChanged } from '../../events/marketing.ts';
import { assertMaySendAs } from '../mail/gate.ts';
import { sendMail } from '../mail/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem } from '../platform/db/repository.ts';
import { absentIfNotFound, ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { zonedTimeToInstant } from '../platform/time.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { probeAudience } from './audience.ts';
import { checkReferences, EDITABLE, getCampaign, notEditable, saveCampaign } from './campaigns.ts';
import type { MailingSpec } from './mailing-types.ts';
import {
  cancelMailing,
  checkMailingSpec,
  findMailing,
  mailingStats,
  pauseMailing,
  problemOf,
  resumeMailing,
  startMailingInto,
  statsOf,
} from './mailings.ts';
import { renderForContact } from './previews.ts';
import type { Ineligibility } from './recipients.ts';
import type { Campaign, CampaignSchedule, MailingStats, SendRecord, Template, TestSend } from './schema.ts';
import { sendKey, sendState, zeroCounts } from './sends.ts';
import { findTemplate } from './templates.ts';
import { findTopic } from './topics.ts';

/**
 * A campaign's sending (campaigns.ts keeps its record): scheduling, starting now or at the
 * scheduled time, pausing, resuming, cancelling, what each recipient got, and the test send.
 */

const REASONS: Record<Ineligibility, string> = {
  no_consent: 'have not consented to marketing email',
  unsubscribed: 'are not subscribed to the topic',
  suppressed: 'are on the suppression list',
  no_email: 'have no email address',
  merged: 'were merged away',
  tenant_frozen: 'cannot be mailed while the tenant is frozen for deletion',
  tenant_unverified: "cannot be mailed until the tenant's admin verifies their address",
  sender_unverified: 'cannot be mailed from a sender that is not verified',
  quota_exceeded: "cannot be mailed: the plan's emails for the month are used up",
};

/** The campaign's sender, or the tenant's, must be one of the tenant's verified identities now. */
async function assertSenderOf(ctx: TenantContext, campaign: Campaign): Promise<void> {
  const from = campaign.sender?.email ?? (await getTenant(ctx)).sender.email;
  await assertMaySendAs(ctx, from, campaign.sender ? 'sender.email' : 'tenant.sender.email');
}

/**
 * What sending needs, checked when a campaign is scheduled and when it starts: its topic, its
 * template and lists and segments exist, and someone in the audience may receive it.
 */
async function readyToSend(ctx: TenantContext, campaign: Campaign): Promise<Template> {
  await assertSenderOf(ctx, campaign);
  await checkReferences(ctx, campaign, '');
  const template = (await findTemplate(ctx, campaign.templateId))!;
  const topic = (await findTopic(ctx, campaign.topicId))!;
  const probe = await probeAudience(ctx, campaign.audience, { category: 'marketing', topic });
  if (!probe.reachable && probe.complete) {
    const why = Object.entries(probe.refused)
      .map(([reason, count]) => `${count} ${REASONS[reason as Ineligibility]}`)
      .join(', ');
    throw ValidationError.field(
      'audience',
      probe.members === 0
        ? 'The audience is empty: its lists and segments hold nobody.'
        : `No contact of the audience may receive this campaign on topic ${topic.id}: of ${probe.members}, ${why}.`,
    );
  }
  return template;
}

export async function scheduleCampaign(
  ctx: TenantContext,
  id: string,
  input: CampaignSchedule,
): Promise<Campaign> {
  const [current, tenant] = await Promise.all([getCampaign(ctx, id, true), getTenant(ctx)]);
  if (!EDITABLE.includes(current.status)) throw notEditable(current);
  const timeZone = input.timeZone ?? tenant.timeZone;
  const instant = zonedTimeToInstant(input.sendAt, timeZone);
  if (instant.getTime() <= ctx.clock.now().getTime())
    throw ValidationError.field('body.sendAt', `${input.sendAt} in ${timeZone} is in the past.`);
  await readyToSend(ctx, current);
  return saveCampaign(
    ctx,
    current,
    { ...current, status: 'scheduled', sendAt: input.sendAt, timeZone, scheduledFor: instant.toISOString() },
    (uow) => uow.publish(CampaignScheduleChanged, { campaignId: id }),
  );
}

/** What a campaign (or a newsletter edition) sends: the template's content copied, the sender by default the tenant's. */
export function mailingSpecOf(campaign: Campaign, template: Template, tenant: Tenant): MailingSpec {
  return {
    id: campaign.id,
    kind: 'campaign',
    audience: campaign.audience,
    topicId: campaign.topicId,
    sender: campaign.sender ?? {
      name: tenant.sender.name,
      email: tenant.sender.email,
      ...(tenant.replyTo ? { replyTo: tenant.replyTo } : {}),
    },
    content: { subject: template.subject, html: template.html, text: template.text },
    ...(campaign.maxSendRate ? { maxSendRate: campaign.maxSendRate } : {}),
  };
}

/** Starts sending: the campaign becomes `sending` and its mailing starts, in one transaction. */
async function start(ctx: TenantContext, campaign: Campaign, template: Template): Promise<Campaign> {
  const spec = mailingSpecOf(campaign, template, await getTenant(ctx));
  await checkMailingSpec(ctx, spec, 'template');
  const startedAt = ctx.clock.now().toISOString();
  return saveCampaign(ctx, campaign, { ...campaign, status: 'sending', startedAt }, (uow) => {
    startMailingInto(uow, ctx, spec);
    if (campaign.status === 'scheduled') uow.publish(CampaignScheduleChanged, { campaignId: campaign.id });
  });
}

export async function sendCampaignNow(ctx: TenantContext, id: string): Promise<Campaign> {
  const current = await getCampaign(ctx, id, true);
  if (!EDITABLE.includes(current.status)) throw notEditable(current);
  return start(ctx, current, await readyToSend(ctx, current));
}

/**
 * The one-time schedule fired. It starts the campaign only if it is still scheduled for that
 * moment: a cancelled or rescheduled campaign ignores a stale schedule, and a redelivery finds it
 * sending. An audience nobody in which may receive it any more still starts, and ends sent to
 * nobody, which its statistics show.
 */
export async function startScheduledCampaign(
  ctx: TenantContext,
  id: string,
  scheduledFor: string,
): Promise<'started' | 'stale'> {
  const current = await getCampaign(ctx, id, true).catch(absentIfNotFound);
  if (current?.status !== 'scheduled' || current.scheduledFor !== scheduledFor) return 'stale';
  const template = await findTemplate(ctx, current.templateId);
  // Its template deleted, or using a merge field deleted since it was scheduled: the campaign is
  // cancelled, saying why, rather than failing at every delivery of its schedule.
  const unsendable = !template
    ? 'Its template was deleted.'
    : await problemOf(() => start(ctx, current, template));
  if (unsendable === undefined) return 'started';
  await saveCampaign(ctx, current, {
    ...current,
    status: 'cancelled',
    cancelledAt: ctx.clock.now().toISOString(),
    pausedReason: template ? `Its template cannot be sent: ${unsendable}` : unsendable,
  });
  return 'stale';
}

export async function cancelCampaign(ctx: TenantContext, id: string): Promise<Campaign> {
  const current = await getCampaign(ctx, id, true);
  if (current.status === 'paused') {
    await cancelMailing(ctx, id);
    return getCampaign(ctx, id, true);
  }
  if (current.status === 'sending')
    throw new ConflictError('The campaign is sending: pause it, then cancel it.', { status: current.status });
  if (!EDITABLE.includes(current.status)) throw notEditable(current);
  const scheduled = current.status === 'scheduled';
  return saveCampaign(
    ctx,
    current,
    { ...current, status: 'cancelled', cancelledAt: ctx.clock.now().toISOString() },
    (uow) => {
      if (scheduled) uow.publish(CampaignScheduleChanged, { campaignId: id });
    },
  );
}

export async function pauseCampaign(ctx: TenantContext, id: string, by: string): Promise<Campaign> {
  const current = await getCampaign(ctx, id, true);
  if (current.status !== 'sending')
    throw new ConflictError(`Only a sending campaign can be paused; this one is ${current.status}.`);
  await pauseMailing(ctx, id, `Paused by ${by}.`);
  return getCampaign(ctx, id, true);
}

export async function resumeCampaign(ctx: TenantContext, id: string): Promise<Campaign> {
  const current = await getCampaign(ctx, id, true);
  if (current.status !== 'paused')
    throw new ConflictError(`Only a paused campaign can be resumed; this one is ${current.status}.`);
  await resumeMailing(ctx, id);
  return getCampaign(ctx, id, true);
}

export async function campaignStats(ctx: TenantContext, id: string): Promise<MailingStats> {
  const campaign = await getCampaign(ctx, id);
  if (await findMailing(ctx, id)) return mailingStats(ctx, id);
  return statsOf({ id, status: campaign.status }, zeroCounts());
}

/** What happened to one recipient's email (404 for a contact the campaign did not address). */
export async function campaignRecipient(
  ctx: TenantContext,
  id: string,
  contactId: string,
): Promise<SendRecord> {
  await getCampaign(ctx, id);
  const record = await getItem(ctx, sendKey(ctx, id, contactId));
  if (!record) throw new NotFoundError('Recipient', contactId);
  const { PK: _pk, SK: _sk, entity: _e, mailingId: _m, status: _s, claimedAt: _c, ...rest } = record;
  return { ...(rest as Omit<SendRecord, 'state'>), state: sendState(record) };
}

/**
 * Sends the campaign's template to a member, with a contact's data (or sample values) in the
 * merge fields. Links in it are placeholders, so nobody is unsubscribed by a test.
 */
export async function testSendCampaign(
  ctx: TenantContext,
  id: string,
  input: TestSend,
  callerId: string,
): Promise<{ to: string; messageId: string }> {
  const campaign = await getCampaign(ctx, id);
  const template = await findTemplate(ctx, campaign.templateId);
  if (!template) throw ValidationError.field('templateId', `There is no template ${campaign.templateId}.`);
  const member = await getMember(ctx, input.memberId ?? callerId).catch((error: unknown) => {
    if (error instanceof NotFoundError && input.memberId)
      throw ValidationError.field('body.memberId', `There is no member ${input.memberId}.`);
    throw error;
  });
  const [rendered, tenant] = await Promise.all([
    renderForContact(ctx, template, input.contactId, campaign.topicId).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw ValidationError.field('body.contactId', `There is no contact ${input.contactId}.`);
      throw error;
    }),
    getTenant(ctx),
  ]);
  const sender = campaign.sender ?? { name: tenant.sender.name, email: tenant.sender.email };
  await assertSenderOf(ctx, campaign);
  const outcome = await sendMail(ctx, {
    category: 'marketing',
    sender,
    to: member.email,
    subject: (await translator(tenant.locale)).t('marketing.testSend.subject', { subject: rendered.subject }),
    text: rendered.text,
    html: rendered.html,
    headers: rendered.headers,
    tags: { kind: 'campaign-test', campaignId: id },
  });
  if (outcome.status === 'blocked') throw new ConflictError(outcome.reason);
  if (outcome.status !== 'sent')
    throw new ConflictError(`${member.email} is on the suppression list (${outcome.reason}).`);
  return { to: member.email, messageId: outcome.messageId };
}
