import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let company: { id: string; name: string };
let contact: { id: string };

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  company = (await tenant.api.post('/v1/companies', { name: 'Initech' })).body;
  contact = (
    await tenant.api.post('/v1/contacts', {
      firstName: 'Peter',
      lastName: 'Gibbons',
      email: 'peter@initech.example',
      companyId: company.id,
      ownerId: tenant.adminId,
    })
  ).body;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('expand', () => {
  it('answers a contact with its company and owner, as their own reads show them', async () => {
    const read = await tenant.api.get(`/v1/contacts/${contact.id}?expand=company,owner`);
    expect(read.status).toBe(200);
    expect(read.body.companyId).toBe(company.id);
    expect(read.body.expanded.company).toEqual((await tenant.api.get(`/v1/companies/${company.id}`)).body);
    expect(read.body.expanded.owner).toEqual((await tenant.api.get(`/v1/members/${tenant.adminId}`)).body);
    const plain = await tenant.api.get(`/v1/contacts/${contact.id}`);
    expect(plain.body.expanded).toBeUndefined();
  });

  it('expands every record of a list page, and a missing relation to null', async () => {
    await tenant.api.post('/v1/contacts', { firstName: 'Milton', lastName: 'Waddams' });
    const list = await tenant.api.get('/v1/contacts?expand=company&limit=10');
    expect(list.status).toBe(200);
    const byName = new Map(list.body.items.map((c: { lastName: string }) => [c.lastName, c]));
    expect((byName.get('Gibbons') as { expanded: { company: { name: string } } }).expanded.company.name).toBe(
      'Initech',
    );
    expect((byName.get('Waddams') as { expanded: unknown }).expanded).toEqual({ company: null });
  });

  it("expands a deal's contacts as a list, and a task's assignee", async () => {
    const pipeline = (
      await tenant.api.post('/v1/pipelines', {
        name: 'New business',
        stages: [{ name: 'Qualify' }, { name: 'Won', outcome: 'won' }, { name: 'Lost', outcome: 'lost' }],
      })
    ).body;
    const deal = (
      await tenant.api.post('/v1/deals', {
        name: 'Printers',
        pipelineId: pipeline.id,
        contactIds: [contact.id],
      })
    ).body;
    const read = await tenant.api.get(`/v1/deals/${deal.id}?expand=contacts,pipeline`);
    expect(read.status).toBe(200);
    expect(read.body.expanded.contacts.map((c: { email: string }) => c.email)).toEqual([
      'peter@initech.example',
    ]);
    expect(read.body.expanded.pipeline.name).toBe('New business');

    const task = (
      await tenant.api.post('/v1/tasks', { title: 'Fix the printer', assigneeId: tenant.adminId })
    ).body;
    const tasks = await tenant.api.get(`/v1/tasks/${task.id}?expand=assignee`);
    expect(tasks.body.expanded.assignee.id).toBe(tenant.adminId);
  });

  it('refuses an unknown relation with 400 naming the ones offered', async () => {
    const refused = await tenant.api.get(`/v1/contacts/${contact.id}?expand=company,boss`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ path: 'query.expand', message: expect.stringContaining('boss') }]);
    expect(refused.body.errors[0].message).toContain('company, owner');
    // A route that offers no relation refuses `expand` as any unknown query field.
    expect((await tenant.api.get('/v1/companies?expand=owner')).status).toBe(400);
  });
});
