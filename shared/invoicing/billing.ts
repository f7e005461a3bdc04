import { getContact } from '../contacts/records.ts';
import { describeActor, type TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Item,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { PreconditionFailedError } from '../platform/errors.ts';
import { invoiceKeys } from './keys.ts';
import type { BillingProfile, BillingProfileUpdate } from './schema.ts';

/**
 * A customer's billing profile lives in the contact's partition (`SK = BILLING`, reserved for
 * invoicing), so privacy export and erasure find it with everything else held about the person.
 * Today it holds the per-customer dunning pause (key accounts).
 */
function toProfile(contactId: string, item: Item | undefined): BillingProfile {
  if (!item) return { contactId, dunningPaused: false, version: 0 };
  return { ...withoutKeys<BillingProfile>(item), contactId };
}

export async function getBillingProfile(ctx: TenantContext, contactId: string): Promise<BillingProfile> {
  await getContact(ctx, contactId);
  return toProfile(contactId, await getItem(ctx, invoiceKeys.billing(ctx.tenantId, contactId)));
}

/** Profiles of several customers in one batched read (the sweep, for the invoices it acts on). */
export async function billingProfiles(
  ctx: TenantContext,
  contactIds: string[],
): Promise<Map<string, BillingProfile>> {
  const unique = [...new Set(contactIds)];
  const items = await getItems(
    ctx,
    unique.map((id) => invoiceKeys.billing(ctx.tenantId, id)),
  );
  const byContact = new Map(items.map((item) => [String(item.contactId), item]));
  return new Map(unique.map((id) => [id, toProfile(id, byContact.get(id))]));
}

export async function updateBillingProfile(
  ctx: TenantContext,
  contactId: string,
  input: BillingProfileUpdate,
  ifMatch?: number | 'any',
): Promise<BillingProfile> {
  const current = await getBillingProfile(ctx, contactId);
  assertIfMatch(ifMatch, current);
  const now = ctx.clock.now().toISOString();
  const reason = input.pauseReason ?? (input.pauseReason === null ? undefined : current.pauseReason);
  const next: BillingProfile = {
    contactId,
    dunningPaused: input.dunningPaused,
    ...(input.dunningPaused && reason ? { pauseReason: reason } : {}),
    ...(input.dunningPaused
      ? {
          pausedAt: current.dunningPaused ? current.pausedAt : now,
          pausedBy: current.dunningPaused ? current.pausedBy : describeActor(ctx.actor),
        }
      : {}),
    updatedAt: now,
    version: current.version + 1,
  };
  await unitOfWork(ctx)
    .put(
      { ...invoiceKeys.billing(ctx.tenantId, contactId), entity: 'BillingProfile', ...next },
      {
        condition:
          current.version === 0 ? notExists : (e) => `${e.name('version')} = ${e.value(current.version)}`,
        onConditionFailed: () => new PreconditionFailedError('The billing profile was changed meanwhile.'),
      },
    )
    .commit();
  return next;
}
