import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceKeys } from '../../../shared/invoicing/keys.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { tableName } from '../../../shared/platform/db/client.ts';
import { getItem } from '../../../shared/platform/db/repository.ts';
import { newId } from '../../../shared/platform/ids.ts';

/**
 * A long paid history, fast: copies of one real paid invoice (same size, same attributes, its own
 * id and number), written 25 at a time. Issuing and paying each through the service would take
 * minutes for the volumes the sweep's cost is measured against.
 */
export async function clonePaidInvoices(
  ctx: TenantContext,
  paidInvoiceId: string,
  count: number,
): Promise<void> {
  const template = await getItem(ctx, invoiceKeys.invoice(ctx.tenantId, paidInvoiceId), { consistent: true });
  if (template?.status !== 'paid') throw new Error('Clone a paid invoice.');
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, i) => {
      const id = newId();
      const sort = invoiceKeys.dueSort(String(template.dueDate), id);
      return {
        ...template,
        ...invoiceKeys.invoice(ctx.tenantId, id),
        id,
        number: `1999-${String(start + i + 1).padStart(6, '0')}`,
        GSI1SK: sort,
        GSI2SK: sort,
        GSI3SK: sort,
      };
    });
    let pending: Record<string, unknown>[] | undefined = items.map((Item) => ({ PutRequest: { Item } }));
    while (pending?.length) {
      const result = await ctx.db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }),
      );
      pending = result.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
    }
  }
}
