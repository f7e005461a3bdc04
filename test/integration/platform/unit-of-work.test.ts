import { beforeAll, describe, expect, it } from 'vitest';
import { TenantCreated } from '../../../events/tenancy.ts';
import { tenantContext } from '../../../shared/platform/context.ts';
import { notExists } from '../../../shared/platform/db/expressions.ts';
import { asTenantId, tenantKey } from '../../../shared/platform/db/keys.ts';
import { getItem, getItems, queryPage, unitOfWork } from '../../../shared/platform/db/repository.ts';
import { ConflictError } from '../../../shared/platform/errors.ts';
import { newId } from '../../../shared/platform/ids.ts';
import { useTable } from '../../support/table.ts';

beforeAll(useTable);

const newContext = () =>
  tenantContext({ tenantId: asTenantId(newId()), actor: { type: 'system', process: 'test' } });

describe('unit of work', () => {
  it('commits the change and its event together', async () => {
    const ctx = newContext();
    const uow = unitOfWork(ctx).put({ PK: tenantKey(ctx.tenantId, 'THING', 'a'), SK: 'THING', name: 'a' });
    const eventId = uow.publish(TenantCreated, { name: 'a', timeZone: 'UTC' });
    await uow.commit();
    const event = await getItem(ctx, { PK: tenantKey(ctx.tenantId, 'EVT', eventId), SK: 'EVT' });
    expect(event).toMatchObject({
      entity: 'DomainEvent',
      eventType: 'TenantCreated',
      source: 'funnel.tenancy',
      detail: { name: 'a', timeZone: 'UTC', eventId, tenantId: ctx.tenantId },
    });
  });

  it('writes neither the change nor its event when a condition fails', async () => {
    const ctx = newContext();
    const key = { PK: tenantKey(ctx.tenantId, 'THING', 'b'), SK: 'THING' };
    await unitOfWork(ctx)
      .put({ ...key, name: 'first' })
      .commit();
    const uow = unitOfWork(ctx)
      .put({ PK: tenantKey(ctx.tenantId, 'THING', 'c'), SK: 'THING' })
      .put(
        { ...key, name: 'second' },
        {
          condition: notExists,
          onConditionFailed: (existing) => new ConflictError(`exists: ${existing?.name}`),
        },
      );
    const eventId = uow.publish(TenantCreated, { name: 'b', timeZone: 'UTC' });
    await expect(uow.commit()).rejects.toThrow('exists: first');
    expect(await getItem(ctx, { PK: tenantKey(ctx.tenantId, 'THING', 'c'), SK: 'THING' })).toBeUndefined();
    expect(await getItem(ctx, { PK: tenantKey(ctx.tenantId, 'EVT', eventId), SK: 'EVT' })).toBeUndefined();
  });

  it('reads a key named twice once, as a batch cannot name it twice', async () => {
    const ctx = newContext();
    const key = { PK: tenantKey(ctx.tenantId, 'THING', 'twice'), SK: 'THING' };
    await unitOfWork(ctx)
      .put({ ...key, name: 'twice' })
      .commit();
    const items = await getItems(ctx, [
      key,
      { ...key },
      { PK: tenantKey(ctx.tenantId, 'THING', 'none'), SK: 'THING' },
    ]);
    expect(items.map((item) => item.name)).toEqual(['twice']);
  });

  it('refuses to write a key of another tenant', async () => {
    const ctx = newContext();
    const other = asTenantId(newId());
    expect(() => unitOfWork(ctx).put({ PK: tenantKey(other, 'THING', 'x'), SK: 'THING' })).toThrow(
      /outside tenant/,
    );
    expect(() =>
      unitOfWork(ctx).put({ PK: tenantKey(ctx.tenantId, 'THING', 'x'), SK: 'THING', GSI1PK: 'GLOBAL' }),
    ).toThrow(/outside tenant/);
  });

  it('pages through a query with cursors until the last page', async () => {
    const ctx = newContext();
    const partition = tenantKey(ctx.tenantId, 'LIST');
    const uow = unitOfWork(ctx);
    for (let i = 0; i < 7; i++) uow.put({ PK: partition, SK: `ITEM#${i}`, n: i });
    await uow.commit();
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryPage<{ n: number }>(ctx, { partition }, { limit: 3, cursor });
      seen.push(...page.items.map((i) => i.n));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
