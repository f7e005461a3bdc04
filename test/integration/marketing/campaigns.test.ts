import { beforeAll, describe, expect, it } from 'vitest';
import { defineCustomField, deleteCustomField } from '../../../shared/contacts/fields.ts';
import {
  cancelCampaign,
  scheduleCampaign,
  sendCampaignNow,
  startScheduledCampaign,
} from '../../../shared/marketing/campaign-sending.ts';
import {
  createCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
} from '../../../shared/marketing/campaigns.ts';
import { addMembers, createList } from '../../../shared/marketing/lists.ts';
import { getMailing } from '../../../shared/marketing/mailings.ts';
import {
  createNewsletter,
  getNewsletter,
  listRuns,
  runNewsletter,
  updateNewsletter,
} from '../../../shared/marketing/newsletters.ts';
import { previewTemplate } from '../../../shared/marketing/previews.ts';
import { Audience } from '../../../shared/marketing/schema.ts';
import { createTemplate, deleteTemplate } from '../../../shared/marketing/templates.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { newsTopic, person } from './support.ts';

beforeAll(useTable);

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
};

const hello = { name: 'Hello', subject: 'Hi {{firstName | "there"}}', html: '<p>Hi</p>', text: 'Hi' };

async function listOf(ctx: TenantContext, consent: 'granted' | 'denied' | undefined, size = 1) {
  const list = await createList(ctx, { name: 'People' });
  const people = await Promise.all(
    Array.from({ length: size }, () => person(ctx, consent ? { consent } : {})),
  );
  await addMembers(
    ctx,
    list.id,
    people.map((p) => p.id),
  );
  return { list, people };
}

describe('templates', () => {
  it('refuse an unknown merge field when saved, naming the part and the fields available', async () => {
    const { ctx } = await newTenant();
    const issues = await refusal(
      createTemplate(ctx, { ...hello, subject: 'Hi {{fristName}}', text: 'Your plan: {{custom.plan}}' }),
    );
    expect(issues.map((i) => i.path)).toEqual(['body.subject', 'body.text']);
    expect(issues[0]!.message).toMatch(/Unknown merge field \{\{fristName\}\}; available: .*firstName/);
    await defineCustomField(ctx, 'plan', { label: 'Plan', type: 'text' }, 'create');
    await expect(
      createTemplate(ctx, { ...hello, text: 'Your plan: {{custom.plan | "free"}}' }),
    ).resolves.toMatchObject({
      version: 1,
    });
  });

  it('render for a contact with fallbacks, the footer with the postal address, and one-click headers', async () => {
    const { ctx } = await newTenant();
    const template = await createTemplate(ctx, {
      ...hello,
      html: '<html><body><p>Hi {{firstName | "there"}} {{lastName}}</p></body></html>',
    });
    const noName = await person(ctx, { firstName: 'X', lastName: '<Smith & Co>' });
    const rendered = await previewTemplate(ctx, template.id, noName.id);
    expect(rendered.subject).toBe('Hi X');
    expect(rendered.html).toMatch(
      /<p>Hi X &lt;Smith &amp; Co&gt;<\/p>\n?<div[\s\S]*1 Rue de la Paix[\s\S]*<\/div>\n<\/body>/,
    );
    expect(rendered.text).toContain('1 Rue de la Paix, 75002 Paris, FR');
    expect(rendered.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });
});

describe('campaigns', () => {
  it('refuse a schedule in the past and an audience nobody in which has consented, naming the problem', async () => {
    const { ctx } = await newTenant({}, '2026-03-01T10:00:00Z');
    await newsTopic(ctx);
    const template = await createTemplate(ctx, hello);
    const { list } = await listOf(ctx, 'denied', 2);
    const campaign = await createCampaign(ctx, {
      name: 'Spring',
      audience: Audience.parse({ lists: [list.id] }),
      topicId: 'news',
      templateId: template.id,
    });
    const past = await refusal(scheduleCampaign(ctx, campaign.id, { sendAt: '2026-03-01T10:30' }));
    expect(past).toEqual([
      { path: 'body.sendAt', message: '2026-03-01T10:30 in Europe/Paris is in the past.' },
    ]);
    const nobody = await refusal(scheduleCampaign(ctx, campaign.id, { sendAt: '2026-03-02T09:00' }));
    expect(nobody[0]).toEqual({
      path: 'audience',
      message:
        'No contact of the audience may receive this campaign on topic news: of 2, 2 have not consented to marketing email.',
    });
    expect(await refusal(sendCampaignNow(ctx, campaign.id))).toEqual(nobody);
  });

  it('can be rescheduled and cancelled until sending starts; a sending campaign refuses changes (409)', async () => {
    const { ctx } = await newTenant({}, '2026-03-01T10:00:00Z');
    await newsTopic(ctx);
    const template = await createTemplate(ctx, hello);
    const { list } = await listOf(ctx, 'granted');
    const input = {
      name: 'Spring',
      audience: Audience.parse({ lists: [list.id] }),
      topicId: 'news',
      templateId: template.id,
    };
    const campaign = await createCampaign(ctx, input);
    const scheduled = await scheduleCampaign(ctx, campaign.id, {
      sendAt: '2026-03-02T09:00',
      timeZone: 'America/New_York',
    });
    expect(scheduled).toMatchObject({ status: 'scheduled', scheduledFor: '2026-03-02T14:00:00.000Z' });
    const moved = await scheduleCampaign(ctx, campaign.id, { sendAt: '2026-03-03T09:00' });
    expect(moved).toMatchObject({
      status: 'scheduled',
      scheduledFor: '2026-03-03T08:00:00.000Z',
      timeZone: 'Europe/Paris',
    });
    expect((await cancelCampaign(ctx, campaign.id)).status).toBe('cancelled');
    await expect(scheduleCampaign(ctx, campaign.id, { sendAt: '2026-03-04T09:00' })).rejects.toBeInstanceOf(
      ConflictError,
    );

    const other = await createCampaign(ctx, input);
    await sendCampaignNow(ctx, other.id);
    expect(await getMailing(ctx, other.id)).toMatchObject({
      status: 'sending',
      content: { subject: hello.subject },
    });
    const editing = await updateCampaign(ctx, other.id, { name: 'Renamed' }).catch((e: unknown) => e);
    expect(editing).toBeInstanceOf(ConflictError);
    expect((editing as Error).message).toMatch(/is sending/);
    await expect(cancelCampaign(ctx, other.id)).rejects.toThrow(/pause it, then cancel it/);
    const sending = await listCampaigns(ctx, { status: 'sending', limit: 10 });
    expect(sending.items.map((c) => c.id)).toEqual([other.id]);
  });
});

describe('newsletters', () => {
  it('record each run: an edition with its own campaign, no content, or no audience, and run an edition once', async () => {
    const tenant = await newTenant({}, '2026-03-01T10:00:00Z');
    const { ctx } = tenant;
    await newsTopic(ctx);
    const template = await createTemplate(ctx, hello);
    const { list } = await listOf(ctx, 'granted');
    const newsletter = await createNewsletter(ctx, {
      name: 'Weekly',
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', startsAt: '2026-03-02T09:00' },
      audience: Audience.parse({ lists: [list.id] }),
      topicId: 'news',
      templateId: template.id,
    });
    expect(newsletter).toMatchObject({
      nextEdition: '2026-03-02T09:00',
      nextEditionAt: '2026-03-02T08:00:00.000Z',
      schedule: { timeZone: 'Europe/Paris' },
    });
    const monday = tenant.as(ctx.actor, fixedClock('2026-03-02T08:00:05Z'));
    const first = await runNewsletter(monday, newsletter.id, '2026-03-02T09:00');
    expect(first).toMatchObject({ outcome: 'sent' });
    expect(await runNewsletter(monday, newsletter.id, '2026-03-02T09:00')).toBeUndefined();
    const edition = await getCampaign(ctx, first!.campaignId!);
    expect(edition).toMatchObject({
      status: 'sending',
      newsletterId: newsletter.id,
      edition: '2026-03-02T09:00',
    });
    expect((await getNewsletter(ctx, newsletter.id)).nextEdition).toBe('2026-03-09T09:00');

    await addMembers(ctx, list.id, [(await person(ctx, { consent: 'denied' })).id]);
    const { list: nobody } = await listOf(ctx, 'denied');
    const later = tenant.as(ctx.actor, fixedClock('2026-03-09T08:00:05Z'));
    await updateNewsletter(ctx, newsletter.id, { audience: Audience.parse({ lists: [nobody.id] }) });
    expect(await runNewsletter(later, newsletter.id, '2026-03-09T09:00')).toMatchObject({
      outcome: 'no_audience',
      reason: 'None of the 1 contacts of its audience may receive topic news.',
    });
    await deleteTemplate(ctx, template.id);
    const third = tenant.as(ctx.actor, fixedClock('2026-03-16T08:00:05Z'));
    expect(await runNewsletter(third, newsletter.id, '2026-03-16T09:00')).toMatchObject({
      outcome: 'no_content',
    });
    const runs = await listRuns(ctx, newsletter.id, { limit: 10 });
    expect(runs.items.map((r) => [r.occurrence, r.outcome])).toEqual([
      ['2026-03-16T09:00', 'no_content'],
      ['2026-03-09T09:00', 'no_audience'],
      ['2026-03-02T09:00', 'sent'],
    ]);
    expect(
      (await listCampaigns(ctx, { newsletterId: newsletter.id, limit: 10 })).items.map((c) => c.id),
    ).toEqual([edition.id]);
  });

  it('record an edition whose template uses a merge field deleted since as not sent, and go on', async () => {
    const tenant = await newTenant({}, '2026-03-01T10:00:00Z');
    const { ctx } = tenant;
    await newsTopic(ctx);
    await defineCustomField(ctx, 'tier', { label: 'Tier', type: 'text' }, 'create');
    const template = await createTemplate(ctx, { ...hello, subject: 'Your tier: {{custom.tier | "-"}}' });
    const { list } = await listOf(ctx, 'granted');
    const audience = Audience.parse({ lists: [list.id] });
    const newsletter = await createNewsletter(ctx, {
      name: 'Tiers',
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', startsAt: '2026-03-02T09:00' },
      audience,
      topicId: 'news',
      templateId: template.id,
    });
    const campaign = await createCampaign(ctx, {
      name: 'Tier mail',
      audience,
      topicId: 'news',
      templateId: template.id,
    });
    const scheduled = await scheduleCampaign(ctx, campaign.id, { sendAt: '2026-03-02T09:00' });
    await deleteCustomField(ctx, 'tier');

    const monday = tenant.as(ctx.actor, fixedClock('2026-03-02T08:00:05Z'));
    expect(await runNewsletter(monday, newsletter.id, '2026-03-02T09:00')).toMatchObject({
      outcome: 'no_content',
      reason: expect.stringContaining('custom.tier'),
    });
    expect((await getNewsletter(ctx, newsletter.id)).nextEdition).toBe('2026-03-09T09:00');
    expect(await startScheduledCampaign(monday, campaign.id, scheduled.scheduledFor!)).toBe('stale');
    expect(await getCampaign(ctx, campaign.id)).toMatchObject({
      status: 'cancelled',
      pausedReason: expect.stringContaining('custom.tier'),
    });
  });

  it('refuse a rule more frequent than daily or one that cannot be read', async () => {
    const { ctx } = await newTenant();
    await newsTopic(ctx);
    const template = await createTemplate(ctx, hello);
    const input = {
      name: 'Too often',
      audience: Audience.parse({ contactIds: [(await person(ctx)).id] }),
      topicId: 'news',
      templateId: template.id,
    };
    const hourly = await refusal(
      createNewsletter(ctx, { ...input, schedule: { rrule: 'FREQ=HOURLY', startsAt: '2031-01-01T09:00' } }),
    );
    expect(hourly[0]!.path).toBe('body.schedule.rrule');
    const garbled = await refusal(
      createNewsletter(ctx, { ...input, schedule: { rrule: 'EVERY=MONDAY', startsAt: '2031-01-01T09:00' } }),
    );
    expect(garbled[0]!.path).toBe('body.schedule.rrule');
  });
});
