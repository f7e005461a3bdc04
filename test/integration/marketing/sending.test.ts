import { beforeAll, describe, expect, it } from 'vitest';
import { SesEventDetail } from '../../../shared/mail/ses-events.ts';
import { suppressionOf } from '../../../shared/mail/suppression.ts';
import { sendCampaignNow } from '../../../shared/marketing/campaign-sending.ts';
import { createCampaign, getCampaign } from '../../../shared/marketing/campaigns.ts';
import { handleSesEvent, recordDeliveries } from '../../../shared/marketing/feedback.ts';
import { alertAdmins } from '../../../shared/marketing/housekeeping.ts';
import { mailingKeys, shardOf } from '../../../shared/marketing/keys.ts';
import { getMailing, mailingStats, pauseMailing, settleMailing } from '../../../shared/marketing/mailings.ts';
import { Audience } from '../../../shared/marketing/schema.ts';
import { sendBatch } from '../../../shared/marketing/sender.ts';
import { countInto, newSendItem, sendKey, sendState } from '../../../shared/marketing/sends.ts';
import { STALE_CLAIM_MS } from '../../../shared/marketing/settings.ts';
import { createTemplate } from '../../../shared/marketing/templates.ts';
import { setSubscription } from '../../../shared/marketing/topics.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { getItem, unitOfWork } from '../../../shared/platform/db/repository.ts';
import { newId } from '../../../shared/platform/ids.ts';
import { useTable } from '../../support/table.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';
import { mailsTo, newsTopic, person } from './support.ts';

beforeAll(useTable);

const RATE = { accountRate: 200 };

/**
 * A campaign started for `count` consenting contacts, with its send records written `queued` as
 * the planner writes them (the planner's queues are the local runtime's; see test/e2e).
 */
async function startedCampaign(tenant: TestTenant, count: number) {
  const { ctx } = tenant;
  await newsTopic(ctx);
  const people = await Promise.all(
    Array.from({ length: count }, (_, i) => person(ctx, { firstName: `P${i}`, consent: 'granted' })),
  );
  const template = await createTemplate(ctx, {
    name: 'Hello',
    subject: 'Hello {{firstName}}',
    html: '<p>Hello {{firstName}}</p>',
    text: 'Hello {{firstName}}',
  });
  const campaign = await createCampaign(ctx, {
    name: 'Hello all',
    audience: Audience.parse({ contactIds: people.map((p) => p.id) }),
    topicId: 'news',
    templateId: template.id,
  });
  await sendCampaignNow(ctx, campaign.id);
  await queue(
    ctx,
    campaign.id,
    people.map((p) => p.id),
  );
  return { campaign, people };
}

async function queue(ctx: TenantContext, mailingId: string, contactIds: string[], complete = true) {
  const now = ctx.clock.now().toISOString();
  for (const id of contactIds) {
    const uow = unitOfWork(ctx).put(newSendItem(ctx, mailingId, id, now));
    countInto(uow, ctx, mailingId, id, { recipients: 1 }, 'sender');
    await uow.commit();
  }
  if (complete)
    await unitOfWork(ctx)
      .update(mailingKeys.mailing(ctx.tenantId, mailingId), {
        set: { plan: { step: 1, complete: true } },
        addToSet: { pagesDone: ['0'] },
      })
      .commit();
}

const batch = (ctx: TenantContext, mailingId: string, contactIds: string[]) => ({
  tenantId: ctx.tenantId,
  mailingId,
  contactIds,
});

function sesEvent(
  ctx: TenantContext,
  mailingId: string,
  contactId: string,
  eventType: string,
  extra: Record<string, unknown> = {},
): SesEventDetail {
  return SesEventDetail.parse({
    eventType,
    mail: {
      messageId: `ses-${contactId}`,
      timestamp: new Date().toISOString(),
      tags: { tenantId: [ctx.tenantId], mailingId: [mailingId], contactId: [contactId] },
    },
    ...extra,
  });
}

const source = (ctx: TenantContext, mailingId: string, contactId: string) => ({
  tenantId: ctx.tenantId,
  mailingId,
  contactId,
});

describe('the sender', () => {
  it('sends each recipient one email however often its batch is delivered, and records the message id', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 3);
    const ids = people.map((p) => p.id);
    const results = await Promise.all([
      sendBatch(ctx, batch(ctx, campaign.id, ids), RATE),
      sendBatch(ctx, batch(ctx, campaign.id, ids), RATE),
    ]);
    expect(results[0]!.sent + results[1]!.sent).toBe(3);
    await sendBatch(ctx, batch(ctx, campaign.id, ids), RATE);
    for (const p of people) {
      const mails = await mailsTo(p.email!);
      expect(mails).toHaveLength(1);
      const record = await getItem(ctx, sendKey(ctx, campaign.id, p.id));
      expect(record).toMatchObject({ status: 'sent', messageId: mails[0]!.messageId });
    }
    expect((await mailingStats(ctx, campaign.id)).counts).toMatchObject({
      recipients: 3,
      sent: 3,
      queued: 0,
    });
    expect((await getCampaign(ctx, campaign.id)).status).toBe('sent');
  });

  it('never sends again to a recipient whose sender stopped after claiming it: too recent, retried; stale, failed', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 1);
    const [carl] = people;
    const claimedAt = ctx.clock.now().toISOString();
    await unitOfWork(ctx)
      .update(sendKey(ctx, campaign.id, carl!.id), { set: { status: 'sending', claimedAt } })
      .commit();
    const recent = await sendBatch(ctx, batch(ctx, campaign.id, [carl!.id]), RATE);
    expect(recent).toMatchObject({ sent: 0, retry: [carl!.id] });
    const later = tenant.as(ctx.actor, fixedClock(new Date(Date.parse(claimedAt) + STALE_CLAIM_MS + 1000)));
    expect(await sendBatch(later, batch(ctx, campaign.id, [carl!.id]), RATE)).toMatchObject({
      failed: 1,
      retry: [],
    });
    expect(await mailsTo(carl!.email!)).toHaveLength(0);
    expect(await getItem(ctx, sendKey(ctx, campaign.id, carl!.id))).toMatchObject({
      status: 'failed',
      reason: 'interrupted',
    });
    // SES had taken it after all: its delivery repairs the record and the counts.
    await handleSesEvent(
      ctx,
      source(ctx, campaign.id, carl!.id),
      sesEvent(ctx, campaign.id, carl!.id, 'Delivery', { delivery: {} }),
    );
    const repaired = await getItem(ctx, sendKey(ctx, campaign.id, carl!.id));
    expect(repaired).toMatchObject({ status: 'sent', messageId: `ses-${carl!.id}` });
    expect(sendState(repaired!)).toBe('delivered');
    expect((await mailingStats(ctx, campaign.id)).counts).toMatchObject({ sent: 1, failed: 0, delivered: 1 });
  });

  it('skips a recipient who unsubscribed after the audience was resolved, and sends nothing while paused', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 2);
    const [quitter, waiting] = people;
    await setSubscription(ctx, quitter!.id, 'news', { status: 'unsubscribed', source: 'phone call' });
    expect(await sendBatch(ctx, batch(ctx, campaign.id, [quitter!.id]), RATE)).toMatchObject({ skipped: 1 });
    await pauseMailing(ctx, campaign.id, 'Checking the list.');
    expect((await getCampaign(ctx, campaign.id)).status).toBe('paused');
    expect(await sendBatch(ctx, batch(ctx, campaign.id, [waiting!.id]), RATE)).toMatchObject({
      sent: 0,
      retry: [],
    });
    expect(await mailsTo(quitter!.email!)).toHaveLength(0);
    expect(await mailsTo(waiting!.email!)).toHaveLength(0);
    expect(await getItem(ctx, sendKey(ctx, campaign.id, waiting!.id))).toMatchObject({ status: 'queued' });
    expect((await mailingStats(ctx, campaign.id)).counts).toMatchObject({
      recipients: 2,
      skipped: 1,
      queued: 1,
    });
  });
});

describe('the feedback loop', () => {
  it('records deliveries that arrive together once each: redelivered among new ones, twice in a batch, or on an interrupted record', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 4);
    const [ada, bob, cy, dee] = people;
    await sendBatch(ctx, batch(ctx, campaign.id, [ada!.id, bob!.id, cy!.id]), RATE);
    // Dee's sender stopped after SES took her email: her record is failed as interrupted.
    await unitOfWork(ctx)
      .update(sendKey(ctx, campaign.id, dee!.id), { set: { status: 'failed', reason: 'interrupted' } })
      .commit();
    const delivery = (p: typeof ada) => ({
      contactId: p!.id,
      messageId: `ses-${p!.id}`,
      at: '2026-12-04T10:00:00.000Z',
    });
    expect(await recordDeliveries(ctx, campaign.id, [delivery(ada), delivery(bob), delivery(ada)])).toBe(2);
    // A batch with Bob's delivery again, Cy's first and Dee's: the transaction's condition on
    // Bob fails, so each goes its own way: Bob counted before, Cy counted, Dee repaired.
    expect(await recordDeliveries(ctx, campaign.id, [delivery(bob), delivery(cy), delivery(dee)])).toBe(2);
    for (const p of people)
      expect(sendState((await getItem(ctx, sendKey(ctx, campaign.id, p.id)))!), p.firstName).toBe(
        'delivered',
      );
    expect(await getItem(ctx, sendKey(ctx, campaign.id, dee!.id))).toMatchObject({
      status: 'sent',
      messageId: `ses-${dee!.id}`,
    });
    expect((await mailingStats(ctx, campaign.id)).counts).toMatchObject({ delivered: 4 });
  });

  it('suppresses hard bounces and complaints at once, soft bounces at the third, and counts each event once', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 3);
    const [hard, complaint, soft] = people;
    await sendBatch(
      ctx,
      batch(
        ctx,
        campaign.id,
        people.map((p) => p.id),
      ),
      RATE,
    );
    const bounce = (p: typeof hard, type: string) =>
      sesEvent(ctx, campaign.id, p!.id, 'Bounce', {
        bounce: {
          bounceType: type,
          bouncedRecipients: [{ emailAddress: `"${p!.firstName}" <${p!.email}>` }],
          feedbackId: `fb-${newId()}`,
        },
      });
    const hardBounce = bounce(hard, 'Permanent');
    await handleSesEvent(ctx, source(ctx, campaign.id, hard!.id), hardBounce);
    await handleSesEvent(ctx, source(ctx, campaign.id, hard!.id), hardBounce);
    await handleSesEvent(
      ctx,
      source(ctx, campaign.id, complaint!.id),
      sesEvent(ctx, campaign.id, complaint!.id, 'Complaint', {
        complaint: { complainedRecipients: [{ emailAddress: complaint!.email }], feedbackId: 'c-1' },
      }),
    );
    for (let i = 0; i < 3; i++) {
      expect(await suppressionOf(ctx, soft!.email!)).toBeUndefined();
      const event = bounce(soft, 'Transient');
      await handleSesEvent(ctx, source(ctx, campaign.id, soft!.id), event);
      await handleSesEvent(ctx, source(ctx, campaign.id, soft!.id), event);
    }
    expect(await suppressionOf(ctx, hard!.email!)).toMatchObject({ reason: 'hard_bounce' });
    expect(await suppressionOf(ctx, complaint!.email!)).toMatchObject({ reason: 'complaint' });
    expect(await suppressionOf(ctx, soft!.email!)).toMatchObject({ reason: 'soft_bounces' });
    expect((await mailingStats(ctx, campaign.id)).counts).toMatchObject({
      sent: 3,
      bounced: 1,
      complained: 1,
      softBounced: 1,
    });
  });

  it('pauses a mailing whose complaint rate passes 0.3%, and alerts each admin once', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { campaign, people } = await startedCampaign(tenant, 2);
    await sendBatch(ctx, batch(ctx, campaign.id, [people[0]!.id]), RATE);
    // As if 300 emails had gone out (counters are what the limit reads).
    const uow = unitOfWork(ctx);
    countInto(uow, ctx, campaign.id, shardOf(people[0]!.id), { recipients: 299, sent: 299 }, 'sender');
    await uow.commit();
    await handleSesEvent(
      ctx,
      source(ctx, campaign.id, people[0]!.id),
      sesEvent(ctx, campaign.id, people[0]!.id, 'Complaint', {
        complaint: { complainedRecipients: [{ emailAddress: people[0]!.email }], feedbackId: 'c-2' },
      }),
    );
    const mailing = await getMailing(ctx, campaign.id);
    expect(mailing).toMatchObject({ status: 'paused' });
    expect(mailing.pauseReason).toMatch(/complaint rate reached 0\.33%/);
    expect(await getCampaign(ctx, campaign.id)).toMatchObject({
      status: 'paused',
      pausedReason: mailing.pauseReason,
    });
    const alert = {
      mailingId: campaign.id,
      kind: 'campaign',
      reason: mailing.pauseReason!,
      pausedAt: mailing.pausedAt!,
    };
    expect(await alertAdmins(ctx, alert)).toBe(1);
    expect(await alertAdmins(ctx, alert)).toBe(0);
    // The admin's other mail (the sign-up verification link) is not an alert.
    const alerts = (await mailsTo(tenant.admin.email)).filter((m) => m.subject.startsWith('Sending paused'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toBe('Sending paused: campaign "Hello all"');
    expect(await settleMailing(ctx, campaign.id)).toBe('paused');
  });
});
