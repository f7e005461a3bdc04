import { beforeAll, describe, expect, it } from 'vitest';
import { createDefaultPipeline, listPipelines } from '../../../shared/sales/pipelines.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(async () => {
  await useTable();
});

describe('the default pipeline of sign-up', () => {
  it('is made once, however often TenantCreated is delivered', async () => {
    const tenant = await newTenant();
    const made = await Promise.all([createDefaultPipeline(tenant.ctx), createDefaultPipeline(tenant.ctx)]);
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(await createDefaultPipeline(tenant.ctx)).toBeUndefined();
    const { items } = await listPipelines(tenant.ctx, { limit: 10 });
    expect(items.map((p) => p.name)).toEqual(['Sales']);
    expect(items[0]!.stages.filter((s) => s.outcome === 'won')).toHaveLength(1);
  });
});
