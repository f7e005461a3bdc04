import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCompany, getContact } from '../../../shared/contacts/records.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { listTimeline } from '../../../shared/contacts/timeline.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { setAssignmentRules } from '../../../shared/sales/assignment.ts';
import { createDeal, dealStageHistory, getDeal, updateDeal } from '../../../shared/sales/deals.ts';
import { convertLead, createLead, getLead, listLeads } from '../../../shared/sales/leads.ts';
import { pipelineFunnel, updatePipeline } from '../../../shared/sales/pipelines.ts';
import { LeadConversion, LeadCreate } from '../../../shared/sales/schema.ts';
import { createMember } from '../../../shared/tenancy/members.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { salesPipeline } from './support.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const lead = (input: Record<string, unknown>) => LeadCreate.parse(input);

async function salesTeamOf(ctx: Parameters<typeof createMember>[0], team: string, size: number) {
  const members = [];
  for (let i = 0; i < size; i++)
    members.push(
      await createMember(ctx, {
        name: `${team} ${i}`,
        email: `${team}-${i}-${Date.now()}@acme.example`,
        role: 'sales',
        team,
      }),
    );
  return members.map((m) => m.id).sort();
}

describe('lead assignment', () => {
  it('goes round the team in turn, by region and by source, as the rules say', async () => {
    const { ctx } = await newTenant();
    const emea = await salesTeamOf(ctx, 'emea', 3);
    const [partnerDesk] = await salesTeamOf(ctx, 'partners', 1);
    await setAssignmentRules(ctx, [
      { id: 'partners', match: { sources: ['partner'] }, assign: { type: 'member', memberId: partnerDesk! } },
      { id: 'emea', match: { regions: ['fr', 'de'] }, assign: { type: 'round_robin', team: 'emea' } },
    ]);
    const owners = [];
    for (let i = 0; i < 4; i++) {
      const received = await createLead(
        ctx,
        lead({ source: 'web', region: 'FR', person: { firstName: 'A', lastName: `${i}` } }),
      );
      owners.push(received.ownerId);
      expect(received.assignedByRule).toBe('emea');
    }
    expect(owners).toEqual([emea[0], emea[1], emea[2], emea[0]]);
    const partner = await createLead(
      ctx,
      lead({ source: 'partner', region: 'fr', person: { firstName: 'P', lastName: 'Q' } }),
    );
    expect(partner.ownerId).toBe(partnerDesk);
    const elsewhere = await createLead(
      ctx,
      lead({ source: 'web', region: 'us', person: { firstName: 'U', lastName: 'S' } }),
    );
    expect(elsewhere.ownerId).toBeUndefined();
    const unassigned = await listLeads(ctx, { ownerId: 'unassigned', limit: 10 });
    expect(unassigned.items.map((l) => l.id)).toEqual([elsewhere.id]);
  });

  it('gives leads arriving together to different members of the team', async () => {
    const { ctx } = await newTenant();
    const team = await salesTeamOf(ctx, 'inside', 3);
    await setAssignmentRules(ctx, [
      { id: 'all', match: {}, assign: { type: 'round_robin', team: 'inside' } },
    ]);
    const leads = await Promise.all(
      [0, 1, 2].map((i) =>
        createLead(ctx, lead({ source: 'web', person: { firstName: 'C', lastName: `${i}` } })),
      ),
    );
    expect(leads.map((l) => l.ownerId).sort()).toEqual(team);
  });

  it('refuses rules that name a member or team that does not exist', async () => {
    const { ctx } = await newTenant();
    await expect(
      setAssignmentRules(ctx, [{ id: 'ghost', match: {}, assign: { type: 'round_robin', team: 'nobody' } }]),
    ).rejects.toThrow(ValidationError);
  });
});

describe('lead conversion', () => {
  it('creates contact, company and deal in one step and keeps the lead with its history', async () => {
    const { ctx } = await newTenant();
    const pipeline = await salesPipeline(ctx);
    const received = await createLead(
      ctx,
      lead({
        source: 'trade-show',
        score: 70,
        person: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example' },
        company: { name: 'US Navy', domain: 'navy.example' },
        message: 'Wants 40 units',
      }),
    );
    const result = await convertLead(ctx, received.id, LeadConversion.parse({ amount: 500_000 }));
    expect(result.createdContact && result.createdCompany).toBe(true);
    const contact = await getContact(ctx, result.contactId);
    expect(contact).toMatchObject({
      email: 'grace@navy.example',
      companyId: result.companyId,
      lifecycleStage: 'prospect',
    });
    expect((await getCompany(ctx, result.companyId!)).domain).toBe('navy.example');
    const deal = await getDeal(ctx, result.deal.id);
    expect(deal).toMatchObject({
      name: 'US Navy',
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0]!.id,
      amount: 500_000,
      currency: 'EUR',
      contactIds: [contact.id],
      companyId: result.companyId,
      leadId: received.id,
    });
    const converted = await getLead(ctx, received.id);
    expect(converted.status).toBe('converted');
    expect(converted.conversion).toMatchObject({ contactId: contact.id, dealId: deal.id });
    expect(converted.history.map((h) => h.action)).toEqual(['received', 'converted']);
    await derived.settle();
    const timeline = await listTimeline(ctx, contact.id, { limit: 10 });
    expect(timeline.items.map((e) => e.title)).toContain('Lead from trade-show converted');
    await expect(convertLead(ctx, received.id, LeadConversion.parse({}))).rejects.toThrow(ConflictError);
  });

  it('reuses the contact with the lead’s email instead of creating a second one', async () => {
    const { ctx } = await newTenant();
    await salesPipeline(ctx);
    const existing = await createContact(ctx, {
      firstName: 'Ada',
      lastName: 'L',
      email: 'ada@example.com',
      lifecycleStage: 'customer',
      tags: [],
    });
    const received = await createLead(
      ctx,
      lead({ source: 'web', person: { firstName: 'Ada', lastName: 'L', email: 'ada@example.com' } }),
    );
    const result = await convertLead(ctx, received.id, LeadConversion.parse({ dealName: 'Upsell' }));
    expect(result.contactId).toBe(existing.id);
    expect(result.createdContact).toBe(false);
  });
});

describe('deals in a pipeline', () => {
  it('report count and value per stage, conversion and time in stage, without scanning', async () => {
    const start = Date.parse('2026-03-02T09:00:00Z');
    const tenant = await newTenant();
    const at = (hours: number) =>
      tenant.as(tenant.ctx.actor, fixedClock(new Date(start + hours * 3_600_000)));
    const pipeline = await salesPipeline(at(0));
    const [qualify, propose, negotiate, won, lost] = pipeline.stages.map((s) => s.id);
    const deal = (amount: number, currency = 'EUR') =>
      createDeal(at(0), {
        name: `Deal ${amount}`,
        pipelineId: pipeline.id,
        amount,
        currency,
        contactIds: [],
      });
    const a = await deal(10_000);
    const b = await deal(20_000);
    const c = await deal(30_000, 'USD');
    await updateDeal(at(24), a.id, { stageId: propose });
    await updateDeal(at(48), a.id, { stageId: won });
    await updateDeal(at(48), b.id, { stageId: lost, lostReason: 'Budget' });
    await updateDeal(at(12), c.id, { stageId: negotiate });
    await updateDeal(at(13), c.id, { amount: 35_000 });

    const funnel = await pipelineFunnel(at(50), pipeline.id);
    const byId = new Map(funnel.stages.map((s) => [s.stageId, s]));
    expect(byId.get(qualify!)).toMatchObject({ count: 0, reached: 3, exits: 3 });
    expect(byId.get(propose!)).toMatchObject({ count: 0, reached: 2, conversionBps: 6667, exits: 1 });
    expect(byId.get(propose!)!.averageSecondsInStage).toBe(24 * 3600);
    expect(byId.get(negotiate!)).toMatchObject({
      count: 1,
      values: [{ currency: 'USD', amount: 35_000, weightedAmount: 28_000 }],
      reached: 2,
      conversionBps: 10_000,
    });
    expect(byId.get(won!)).toMatchObject({
      count: 1,
      values: [{ currency: 'EUR', amount: 10_000 }],
      reached: 1,
      conversionBps: 5000,
    });
    expect(byId.get(lost!)).toMatchObject({ count: 1, reached: 1 });
    expect(byId.get(lost!)!.conversionBps).toBeUndefined();
    expect(byId.get(qualify!)!.averageSecondsInStage).toBe(Math.round(((24 + 48 + 12) * 3600) / 3));

    // The stage changes are derived: they trail the moves by the stream's lag.
    await derived.settle();
    const history = await dealStageHistory(at(50), a.id, { limit: 10 });
    expect(history.items.map((h) => [h.fromStageId, h.toStageId])).toEqual([
      [undefined, qualify],
      [qualify, propose],
      [propose, won],
    ]);
    const wonDeal = await getDeal(at(50), a.id);
    expect(wonDeal).toMatchObject({ status: 'won', probability: 100 });
    expect(wonDeal.closedAt).toBeDefined();

    await expect(
      updatePipeline(at(50), pipeline.id, {
        stages: pipeline.stages
          .filter((s) => s.id !== negotiate)
          .map(({ id, name, outcome }) => ({ id, name, outcome })),
      }),
    ).rejects.toThrow(/still holds 1 deal/);
  });
});
