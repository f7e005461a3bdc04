import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/** What a new user of the API tripped over (issue 19, item 7). */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a new tenant', () => {
  it('has a default pipeline, so its first lead converts without naming one', async () => {
    await runtime.settle();
    const pipelines = (await tenant.api.get('/v1/pipelines')).body.items;
    expect(pipelines).toHaveLength(1);
    const [pipeline] = pipelines;
    expect(pipeline.stages.map((s: { outcome: string }) => s.outcome)).toEqual([
      'open',
      'open',
      'open',
      'open',
      'won',
      'lost',
    ]);
    expect(pipeline.stages[0].probability).toBeLessThan(pipeline.stages[3].probability);
    const lead = (
      await tenant.api.post('/v1/leads', {
        source: 'web',
        person: { firstName: 'Ada', lastName: 'First', email: 'ada@first.example' },
      })
    ).body;
    const conversion = await tenant.api.post(`/v1/leads/${lead.id}/convert`, { amount: 10_000 });
    expect(conversion.status).toBe(201);
    expect(conversion.body.deal.pipelineId).toBe(pipeline.id);
  });
});

describe('records created by members who own records', () => {
  it('belong to the sales or support member who created them when no owner is named', async () => {
    const sales = await memberWithKey(tenant.api, 'sales');
    const support = await memberWithKey(tenant.api, 'support');
    const marketing = await memberWithKey(tenant.api, 'marketing');
    const contact = await sales.api.post('/v1/contacts', { firstName: 'Sam', lastName: 'Owned' });
    expect(contact.body.ownerId).toBe(sales.memberId);
    const lead = await sales.api.post('/v1/leads', {
      source: 'web',
      person: { firstName: 'Lee', lastName: 'Owned' },
    });
    expect(lead.body.ownerId).toBe(sales.memberId);
    const task = await support.api.post('/v1/tasks', { title: 'Call back' });
    expect(task.body.assigneeId).toBe(support.memberId);
    // Named owners win; other roles create records for others and leave them unassigned.
    const named = await sales.api.post('/v1/contacts', {
      firstName: 'N',
      lastName: 'Named',
      ownerId: tenant.adminId,
    });
    expect(named.body.ownerId).toBe(tenant.adminId);
    const unowned = await marketing.api.post('/v1/contacts', { firstName: 'M', lastName: 'Unowned' });
    expect(unowned.body.ownerId).toBeUndefined();
  });
});

describe('automation templates', () => {
  it('are named `template` when listed and when a rule is made from one', async () => {
    const templates = (await tenant.api.get('/v1/automation-templates')).body.items;
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) expect(template).not.toHaveProperty('id');
    const made = await tenant.api.post('/v1/automation-rules/from-template', {
      template: templates[0].template,
    });
    expect(made.status).toBe(201);
    expect(made.body.template).toBe(templates[0].template);
  });
});

describe('paper surveys', () => {
  it('answer 404 to a code that names no letter', async () => {
    const unknown = await tenant.api.post('/v1/survey-responses', { code: 'ZZZZ-ZZZZ', answers: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('urn:funnel:problem:not-found');
  });
});
