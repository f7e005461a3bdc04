import type { TenantContext } from '../platform/context.ts';
import { moveDeals, removeContactFromDeals } from './deals.ts';
import { eraseLeadPeople, moveLeads } from './leads.ts';
import { moveOrders } from './orders.ts';
import { erasePurchaseHistory, mergePurchaseHistory } from './purchases.ts';
import { anonymizeQuotes, moveQuotes } from './quotes.ts';

/**
 * Sales' part of the address book's merges and erasures (docs/contacts.md, "Merging duplicates"
 * and "Privacy"). Everything sales holds about a contact is found through per-contact indexes or
 * the contact's partition, never a scan: the purchase history (`PURCHASE-SUMMARY`, `BOUGHT#`),
 * leads (GSI3 `LEADS-FOR`), deals (their contact links, GSI3 `DEALS-WITH`), quotes (GSI3
 * `QUOTES-FOR`) and orders (GSI3 `ORDERS-FOR`). Each record changes on condition that it still
 * names the contact (or still holds what is moved), so a redelivered event changes nothing more,
 * and a delivery that died halfway is finished by the next.
 */
export async function mergeSalesRecords(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  await mergePurchaseHistory(ctx, keptId, mergedId);
  await moveLeads(ctx, keptId, mergedId);
  await moveDeals(ctx, keptId, mergedId);
  await moveQuotes(ctx, keptId, mergedId);
  await moveOrders(ctx, keptId, mergedId);
}

/**
 * Removes the personal data sales holds about an erased contact: the purchase history, the
 * person behind their leads, their place in deals, the messages and addresses of their quotes.
 * Orders and quotes keep their commercial content. The contact itself is gone: nothing here reads it.
 */
export async function eraseSalesRecords(ctx: TenantContext, contactId: string): Promise<void> {
  await erasePurchaseHistory(ctx, contactId);
  await eraseLeadPeople(ctx, contactId);
  await removeContactFromDeals(ctx, contactId);
  await anonymizeQuotes(ctx, contactId);
}
