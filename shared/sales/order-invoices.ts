import type { TenantContext } from '../platform/context.ts';
import type { UnitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { orderKeys } from './keys.ts';

/**
 * In invoicing's unit of work: the order's invoice was voided, so the order may be cancelled, or
 * invoiced again. A module of its own, so that voiding an invoice does not load the orders module.
 */
export function orderInvoiceVoidedInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  orderId: string,
  invoiceId: string,
): void {
  uow.update(orderKeys.order(ctx.tenantId, orderId), {
    set: { invoiceVoided: true },
    bumpVersion: true,
    condition: (e) => `${e.name('invoiceId')} = ${e.value(invoiceId)}`,
    onConditionFailed: () => new ConflictError(`Order ${orderId} has another invoice now; read it again.`),
  });
}
