import { beforeAll, describe, expect, it } from 'vitest';
import { runFiring } from '../../../shared/automation/firing.ts';
import { createRule } from '../../../shared/automation/rules.ts';
import type { Firing } from '../../../shared/automation/schema.ts';
import { createList, deleteList, getList, listMembers } from '../../../shared/marketing/lists.ts';
import { ValidationError } from '../../../shared/platform/errors.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { person } from './support.ts';

beforeAll(useTable);

describe('the automation action "add to a list"', () => {
  it('adds the contact of the trigger to the list once, however often the firing runs', async () => {
    const { ctx } = await newTenant();
    const list = await createList(ctx, { name: 'New customers' });
    const contact = await person(ctx);
    const rule = await createRule(ctx, {
      name: 'Welcome series',
      enabled: true,
      trigger: { type: 'event', event: 'ContactCreated', conditions: [] },
      actions: [{ type: 'add_to_list', listId: list.id }],
    });
    const firing = (eventId: string): Firing => ({
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: `event#${eventId}`,
      trigger: {
        type: 'event',
        at: '2026-12-01T10:00:00.000Z',
        eventType: 'ContactCreated',
        eventId,
        contactId: contact.id,
        fields: { contactId: contact.id, lifecycleStage: 'lead' },
      },
    });
    expect((await runFiring(ctx, firing('e1'), 1)).status).toBe('succeeded');
    expect((await runFiring(ctx, firing('e2'), 1)).status).toBe('succeeded');
    expect((await listMembers(ctx, list.id, { limit: 10 })).items.map((m) => m.contactId)).toEqual([
      contact.id,
    ]);
    expect((await getList(ctx, list.id)).memberCount).toBe(1);

    await deleteList(ctx, list.id);
    const run = await runFiring(ctx, firing('e3'), 1);
    expect(run.actions).toEqual([
      expect.objectContaining({ status: 'skipped', detail: 'The list no longer exists.' }),
    ]);
  });

  it('is refused for a list that does not exist or a trigger without a contact', async () => {
    const { ctx } = await newTenant();
    const refused = await createRule(ctx, {
      name: 'Broken',
      enabled: true,
      trigger: { type: 'schedule', rrule: 'FREQ=WEEKLY', startsAt: '2031-01-01T09:00' },
      actions: [{ type: 'add_to_list', listId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }],
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([
      { path: 'body.actions.0.type', message: 'A schedule trigger brings no contact to add to a list.' },
      { path: 'body.actions.0.listId', message: 'There is no list 01ARZ3NDEKTSV4RRFFQ69G5FAV.' },
    ]);
  });
});
