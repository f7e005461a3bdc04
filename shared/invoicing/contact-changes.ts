import { getCompany } from '../contacts/records.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import {
  getItem,
  type Item,
  queryAll,
  queryEach,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { getTask, taskForOccurrence, updateTask } from '../tasks/service.ts';
import { collectionsDescription, collectionsOccurrence } from './collections.ts';
import { ERASED_CONTACT, invoiceKeys } from './keys.ts';
import { getStoredInvoice, indexAttributes, type StoredInvoice } from './records.ts';
import type { BillingProfile } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

/**
 * Invoicing's part of the address book's merges and erasures (docs/contacts.md): the billing
 * profile in the contact's partition, and the invoices, found through their per-customer index
 * (GSI3 `INVOICES-OF`), never a scan. Every change is conditioned on the record still being as
 * the event left it (the invoice still names the merged contact, the merged profile still exists,
 * the invoice is not anonymized yet), so a redelivered event changes nothing more.
 */

class AlreadyMoved extends Error {}
class KeptProfileMoved extends Error {}

/**
 * A merge keeps one billing profile: a pause of either contact's dunning stays (a key account
 * stays one), with the kept contact's reason when both were paused. The merged profile is deleted
 * in the same transaction.
 */
async function mergeBillingProfile(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  const t = ctx.tenantId;
  const source = await getItem(ctx, invoiceKeys.billing(t, mergedId), { consistent: true });
  if (!source) return;
  const merged = source as unknown as BillingProfile;
  for (let attempt = 1; ; attempt++) {
    const item = await getItem(ctx, invoiceKeys.billing(t, keptId), { consistent: true });
    const kept = item as unknown as BillingProfile | undefined;
    const pause = kept?.dunningPaused ? kept : merged.dunningPaused ? merged : undefined;
    const profile: BillingProfile = {
      contactId: keptId,
      dunningPaused: pause !== undefined,
      ...(pause?.pauseReason ? { pauseReason: pause.pauseReason } : {}),
      ...(pause?.pausedAt ? { pausedAt: pause.pausedAt } : {}),
      ...(pause?.pausedBy ? { pausedBy: pause.pausedBy } : {}),
      updatedAt: ctx.clock.now().toISOString(),
      version: (kept?.version ?? 0) + 1,
    };
    const uow = unitOfWork(ctx)
      .put(
        { ...invoiceKeys.billing(t, keptId), entity: 'BillingProfile', ...profile },
        {
          condition: kept ? (e) => `${e.name('version')} = ${e.value(kept.version)}` : notExists,
          onConditionFailed: () => new KeptProfileMoved(),
        },
      )
      .delete(invoiceKeys.billing(t, mergedId), {
        condition: exists,
        onConditionFailed: () => new AlreadyMoved(),
      });
    try {
      await uow.commit();
      return;
    } catch (error) {
      if (error instanceof AlreadyMoved) return;
      if (!(error instanceof KeptProfileMoved) || attempt >= 5) throw error;
    }
  }
}

/** The invoices of `contactId`, as their per-customer index lists them. */
const invoicesOf = (ctx: TenantContext, contactId: string) =>
  queryEach(ctx, { index: 'GSI3', partition: invoiceKeys.ofCustomer(ctx.tenantId, contactId) });

/**
 * A merge (ContactsMerged): the merged contact's invoices, issued or not, are the kept contact's.
 * The number, lines and amounts do not change: the customer is the same person, now one contact.
 */
export async function mergeInvoicingRecords(
  ctx: TenantContext,
  keptId: string,
  mergedId: string,
): Promise<void> {
  await mergeBillingProfile(ctx, keptId, mergedId);
  for await (const listed of invoicesOf(ctx, mergedId)) {
    const invoice = await getStoredInvoice(ctx, String(listed.id), { consistent: true });
    if (invoice.contactId !== mergedId) continue;
    const uow = unitOfWork(ctx).update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
      set: {
        contactId: keptId,
        ...indexAttributes(ctx.tenantId, { ...invoice, contactId: keptId }),
      },
      bumpVersion: true,
      condition: (e) => `${e.name('contactId')} = ${e.value(mergedId)}`,
      onConditionFailed: () => new AlreadyMoved(),
    });
    addInvoiceEntryInto(uow, ctx, invoice.id, {
      kind: 'customer_merged',
      title: `Customer merged: contact ${mergedId} is now contact ${keptId}`,
    });
    await uow.commit().catch((error: unknown) => {
      if (!(error instanceof AlreadyMoved)) throw error;
    });
  }
}

/**
 * An erasure (ContactErased): the billing profile goes; each invoice stays, for the accounts and
 * the law, with its number, lines, amounts, taxes and payments, but without the person. The
 * invoice names no one itself (the printable page and the dunning emails read the contact, who is
 * gone), so what is left to remove is where dunning wrote the person down: the addresses on the
 * customer notices, the invoice timeline's delivery entries and the collections task.
 */
export async function eraseInvoicingRecords(ctx: TenantContext, contactId: string): Promise<void> {
  await unitOfWork(ctx).delete(invoiceKeys.billing(ctx.tenantId, contactId)).commit();
  for await (const listed of invoicesOf(ctx, contactId)) {
    const invoice = await getStoredInvoice(ctx, String(listed.id), { consistent: true });
    if (invoice.contactId === contactId && !invoice.contactErasedAt) await anonymizeInvoice(ctx, invoice);
  }
}

const BATCH = 50;

/**
 * Scrubs first (idempotent writes, in batches), marks the invoice last: a delivery that dies
 * halfway leaves the invoice unmarked, and the next one scrubs again and finishes.
 */
async function anonymizeInvoice(ctx: TenantContext, invoice: StoredInvoice): Promise<void> {
  const t = ctx.tenantId;
  const partition = invoiceKeys.partition(t, invoice.id);
  const [notices, entries] = await Promise.all([
    queryAll(ctx, { partition, sort: { beginsWith: 'NOTICE#' }, consistent: true }),
    queryAll(ctx, { partition, sort: { beginsWith: 'TL#' }, consistent: true }),
  ]);
  const customerNotices = notices.filter((n) => n.recipient === 'customer' && typeof n.to === 'string');
  const addresses = customerNotices.map((n) => String(n.to));
  const writes: Array<(uow: UnitOfWork) => void> = [
    ...customerNotices.map((n) => (uow: UnitOfWork) => uow.update(keyOf(n), { remove: ['to'] })),
    ...entries.flatMap((entry) => {
      const anonymous = anonymizedEntry(
        entry as { kind: string; title: string; summary?: string },
        addresses,
      );
      if (!anonymous) return [];
      return [
        (uow: UnitOfWork) =>
          uow.update(keyOf(entry), { set: { title: anonymous.title, summary: anonymous.summary } }),
      ];
    }),
  ];
  for (let start = 0; start < writes.length; start += BATCH) {
    const uow = unitOfWork(ctx);
    for (const write of writes.slice(start, start + BATCH)) write(uow);
    await uow.commit();
  }
  await anonymizeCollectionsTask(ctx, invoice);
  const uow = unitOfWork(ctx).update(invoiceKeys.invoice(t, invoice.id), {
    set: { contactErasedAt: ctx.clock.now().toISOString() },
    bumpVersion: true,
    condition: (e) => `attribute_not_exists(${e.name('contactErasedAt')})`,
    onConditionFailed: () => new AlreadyMoved(),
  });
  addInvoiceEntryInto(uow, ctx, invoice.id, {
    kind: 'customer_erased',
    title: "The customer's personal data was erased",
    summary: 'The invoice keeps its number, lines, amounts, taxes and payments.',
  });
  await uow.commit().catch((error: unknown) => {
    if (!(error instanceof AlreadyMoved)) throw error;
  });
}

const keyOf = (item: Item): ItemKey => ({ PK: String(item.PK), SK: String(item.SK) });

/** Titles dunning gives a delivery: `<level> sent to <address>`, `… not delivered to <address or name>`... */
const DELIVERY = /^(.*) (sent to|not delivered to|may not have reached) (.+)$/;

/**
 * One invoice timeline entry without the person, or undefined when it names nobody. Delivery
 * titles name the address, or the person when there was none: whoever they named becomes "Erased
 * contact". Finance's messages carry the customer notice's subject, which a template may fill
 * with the person's name: that summary goes. Any address a notice went to is replaced wherever
 * else it appears.
 */
export function anonymizedEntry(
  entry: { kind: string; title: string; summary?: string },
  addresses: string[],
): { title: string; summary: string | undefined } | undefined {
  if (entry.kind !== 'dunning') return undefined;
  const scrub = (text: string) =>
    addresses.reduce((result, address) => result.split(address).join(ERASED_CONTACT), text);
  const delivery = DELIVERY.exec(entry.title);
  const title =
    delivery && delivery[3] !== 'the customer'
      ? `${delivery[1]} ${delivery[2]} ${ERASED_CONTACT}`
      : scrub(entry.title);
  const summary =
    entry.summary === undefined || entry.title.startsWith('Finance told') ? undefined : scrub(entry.summary);
  if (title === entry.title && summary === entry.summary) return undefined;
  return { title, summary };
}

/** The collections task keeps chasing the debt, but no longer says who the person was. */
async function anonymizeCollectionsTask(ctx: TenantContext, invoice: StoredInvoice): Promise<void> {
  const task = invoice.collectionsTaskId
    ? await getTask(ctx, invoice.collectionsTaskId).catch(absentIfNotFound)
    : await taskForOccurrence(ctx, collectionsOccurrence(invoice.id));
  if (!task) return;
  const company = invoice.companyId
    ? await getCompany(ctx, invoice.companyId).catch(absentIfNotFound)
    : undefined;
  await updateTask(ctx, task.id, { description: collectionsDescription(invoice, 'erased', company) });
}
