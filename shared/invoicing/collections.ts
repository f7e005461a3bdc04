import type { Company, Contact } from '../contacts/schema.ts';
import type { TenantContext } from '../platform/context.ts';
import { and } from '../platform/db/expressions.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { Task, TaskLink, TaskUpdate } from '../tasks/schema.ts';
import { createTask, getTask, taskForOccurrence, updateTask } from '../tasks/service.ts';
import { listMembers } from '../tenancy/members.ts';
import { getMember } from '../tenancy/records.ts';
import { statusIs } from './invoices.ts';
import { ERASED_CONTACT, invoiceKeys } from './keys.ts';
import { formatMoney } from './money.ts';
import { isUnpaid, type StoredInvoice, toStored } from './records.ts';
import type { DunningLevel } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

/**
 * The collections task of an overdue invoice: one per invoice (the tasks core's occurrence guard
 * `collections#<invoiceId>`), assigned to the customer's owner (the contact's, else the company's),
 * else to a finance member; finance follows every case through the copies of the reminders.
 * Its title and priority follow the dunning levels; it is closed (done, on the payment date) when
 * the invoice is paid in full, and only then; voiding or writing off the invoice cancels it.
 */
export const collectionsOccurrence = (invoiceId: string) => `collections#${invoiceId}`;

export function collectionsTitle(invoice: StoredInvoice, daysOverdue: number): string {
  const days = daysOverdue === 1 ? '1 day' : `${daysOverdue} days`;
  return `Collect invoice ${invoice.number}: ${formatMoney(invoice.amountDue, invoice.currency)}, ${days} overdue`;
}

/**
 * What the task says about the debt and the customer. An erased customer is "Erased contact", and
 * the task says nothing more about them (their address goes with them).
 */
export function collectionsDescription(
  invoice: StoredInvoice,
  contact: Contact | 'erased' | undefined,
  company: Company | undefined,
): string {
  const who =
    contact === 'erased'
      ? ERASED_CONTACT
      : contact
        ? `${contact.firstName} ${contact.lastName}`
        : `contact ${invoice.contactId}`;
  return [
    `Invoice ${invoice.number} to ${who}${company ? ` (${company.name})` : ''} for ${formatMoney(invoice.total, invoice.currency)} was due on ${invoice.dueDate}.`,
    contact === 'erased'
      ? "The customer's personal data was erased: reminders cannot reach them."
      : contact?.email
        ? `Customer email: ${contact.email}.`
        : 'The customer has no email address: reminders cannot reach them.',
    'This task closes by itself when the invoice is paid in full.',
  ].join('\n');
}

async function isActiveMember(ctx: TenantContext, memberId: string): Promise<boolean> {
  try {
    return (await getMember(ctx, memberId)).status === 'active';
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** An active finance member, if the tenant has one (members are a small, per-tenant set). */
export async function financeMemberOf(ctx: TenantContext): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await listMembers(ctx, { limit: 100, ...(cursor ? { cursor } : {}) });
    const finance = page.items.find((m) => m.role === 'finance' && m.status === 'active');
    if (finance) return finance.id;
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}

async function assigneeFor(ctx: TenantContext, contact?: Contact, company?: Company) {
  for (const owner of [contact?.ownerId, company?.ownerId]) {
    if (owner && (await isActiveMember(ctx, owner))) return owner;
  }
  return financeMemberOf(ctx);
}

class TaskNotRecorded extends Error {
  constructor(readonly invoice: StoredInvoice | undefined) {
    super('The invoice was settled, or its task recorded, meanwhile.');
  }
}

/**
 * Opens the task (at most once, however often the sweep runs) and records it on the invoice while
 * the invoice is still unpaid. If a payment settled the invoice in between, the task is closed
 * here at once, with that payment's date: a task never outlives the debt it chases.
 */
export async function openCollectionsTask(
  ctx: TenantContext,
  invoice: StoredInvoice,
  customer: { contact: Contact | undefined; company: Company | undefined },
  daysOverdue: number,
): Promise<Task> {
  const { contact, company } = customer;
  const assigneeId = await assigneeFor(ctx, contact, company);
  const links: TaskLink[] = [
    { type: 'invoice', id: invoice.id },
    { type: 'contact', id: invoice.contactId },
    ...(invoice.companyId ? [{ type: 'company' as const, id: invoice.companyId }] : []),
  ];
  const task = await createTask(
    ctx,
    {
      title: collectionsTitle(invoice, daysOverdue),
      description: collectionsDescription(invoice, invoice.contactErasedAt ? 'erased' : contact, company),
      ...(assigneeId ? { assigneeId } : {}),
      dueAt: ctx.clock.now().toISOString(),
      priority: 'normal',
      checklist: [],
      links,
    },
    { source: { type: 'dunning', ref: invoice.id }, occurrence: collectionsOccurrence(invoice.id) },
  );
  const uow = unitOfWork(ctx).update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
    set: { collectionsTaskId: task.id },
    condition: and(
      statusIs('open', 'partially_paid'),
      (e) => `attribute_not_exists(${e.name('collectionsTaskId')})`,
    ),
    onConditionFailed: (existing) => new TaskNotRecorded(existing ? toStored(existing) : undefined),
  });
  addInvoiceEntryInto(uow, ctx, invoice.id, {
    kind: 'collections',
    title: `Collections task opened: ${task.title}`,
  });
  try {
    await uow.commit();
  } catch (error) {
    if (!(error instanceof TaskNotRecorded)) throw error;
    // Recorded by a concurrent sweep: nothing to do. Settled meanwhile: close the task now.
    if (error.invoice && !isUnpaid(error.invoice.status)) await settleCollectionsTask(ctx, error.invoice);
  }
  return task;
}

/** Brings the task up to date with a level just handled: days overdue, priority, assignee. */
export async function escalateCollectionsTask(
  ctx: TenantContext,
  invoice: StoredInvoice,
  level: DunningLevel,
  daysOverdue: number,
): Promise<void> {
  if (!invoice.collectionsTaskId) return;
  const change: TaskUpdate = { title: collectionsTitle(invoice, daysOverdue) };
  if (level.action === 'raise_priority') change.priority = 'high';
  if (level.action === 'escalate') {
    change.priority = 'urgent';
    change.dueAt = ctx.clock.now().toISOString();
    const finance = await financeMemberOf(ctx);
    if (finance) change.assigneeId = finance;
  }
  await updateTask(ctx, invoice.collectionsTaskId, change);
  await unitOfWork(ctx)
    .update(invoiceKeys.invoice(ctx.tenantId, invoice.id), { set: { collectionsTaskLevel: level.id } })
    .commit();
}

/**
 * Closes the task of a settled invoice: done on the payment date when paid, cancelled when voided
 * or written off. Idempotent: a closed task stays as it is. The task is found through the invoice,
 * or through its occurrence guard when the sweep opened it but had not recorded it yet.
 */
export async function settleCollectionsTask(
  ctx: TenantContext,
  invoice: Pick<
    StoredInvoice,
    'id' | 'status' | 'collectionsTaskId' | 'paidAt' | 'voidedAt' | 'uncollectibleAt'
  >,
): Promise<void> {
  const outcome =
    invoice.status === 'paid'
      ? { status: 'done' as const, closedAt: invoice.paidAt }
      : invoice.status === 'void'
        ? { status: 'cancelled' as const, closedAt: invoice.voidedAt }
        : invoice.status === 'uncollectible'
          ? { status: 'cancelled' as const, closedAt: invoice.uncollectibleAt }
          : undefined;
  if (!outcome) return;
  const task = invoice.collectionsTaskId
    ? await getTask(ctx, invoice.collectionsTaskId)
    : await taskForOccurrence(ctx, collectionsOccurrence(invoice.id));
  if (!task || task.status === 'done' || task.status === 'cancelled') return;
  await updateTask(
    ctx,
    task.id,
    { status: outcome.status },
    outcome.closedAt ? { closedAt: outcome.closedAt } : {},
  );
}
