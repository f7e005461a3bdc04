import { InvoiceIssued, InvoiceMarkedUncollectible, InvoiceVoided } from '../../events/invoicing.ts';
import { getCompany, getContact } from '../contacts/records.ts';
import type { Contact } from '../contacts/schema.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { type Actor, describeActor, type TenantContext } from '../platform/context.ts';
import { and, type Condition, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type KeyCondition,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
} from '../platform/db/repository.ts';
import { retryWhileRaced } from '../platform/db/retries.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { addDays, daysBetween, localDate } from '../platform/time.ts';
import { orderInvoiceVoidedInto } from '../sales/order-invoices.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { invoiceKeys, NO_DUE_DATE } from './keys.ts';
import { formatMoney, priceInvoice } from './money.ts';
import {
  getStoredInvoice,
  indexAttributes,
  indexRemovals,
  isTransactionConflict,
  type StoredInvoice,
  toInvoice,
  toStored,
} from './records.ts';
import type { Invoice, InvoiceCreate, InvoiceListQuery, InvoiceStatus, InvoiceUpdate } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

/** Payment terms when an invoice gives neither a due date nor terms. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

const DRAFT_FIELDS = [
  'contactId',
  'companyId',
  'currency',
  'lines',
  'issueDate',
  'dueDate',
  'paymentTermsDays',
  'notes',
  'paymentInstructions',
] as const;

async function customerOf(ctx: TenantContext, contactId: string, path: string): Promise<Contact> {
  try {
    return await getContact(ctx, contactId);
  } catch (error) {
    if (error instanceof NotFoundError)
      throw ValidationError.field(path, 'There is no contact with this id.');
    throw error;
  }
}

async function checkCompany(ctx: TenantContext, companyId: string, path: string): Promise<void> {
  try {
    await getCompany(ctx, companyId);
  } catch (error) {
    if (error instanceof NotFoundError)
      throw ValidationError.field(path, 'There is no company with this id.');
    throw error;
  }
}

/**
 * A draft's dates: an explicit issue date, or the day it will be issued (today at the earliest);
 * an explicit due date, or the issue date plus the terms. The due date never precedes the issue date.
 */
function checkDates(
  draft: Pick<StoredInvoice, 'issueDate' | 'dueDate'>,
  today: string,
  path: 'body' | 'invoice',
): void {
  const issueDate = draft.issueDate ?? today;
  if (draft.dueDate && draft.dueDate < issueDate) {
    const message = draft.issueDate
      ? `The due date is before the issue date (${issueDate}).`
      : `The due date is before today (${today}), the earliest day this draft can be issued.`;
    if (path === 'body') throw ValidationError.field('body.dueDate', message);
    throw new ConflictError(`${message} Change the draft's due date before issuing it.`);
  }
}

function todayFor(ctx: TenantContext, tenant: Tenant): string {
  return localDate(ctx.clock.now(), tenant.timeZone);
}

/** What a new draft is made of: the create body, with its customer already checked. */
export type DraftSource = InvoiceCreate & { orderId?: string };

/**
 * A new draft, checked (terms or a due date, dates in order, totals any amount field can hold),
 * ready for `draftInto`. `linesPath` names the lines in a 400 about their total.
 */
export function newDraft(
  ctx: TenantContext,
  tenant: Tenant,
  input: DraftSource,
  linesPath = 'body.lines',
): StoredInvoice {
  if (input.dueDate && input.paymentTermsDays !== undefined) {
    throw ValidationError.field('body.paymentTermsDays', 'Give a due date or payment terms, not both.');
  }
  const today = todayFor(ctx, tenant);
  checkDates(input, today, 'body');
  const totals = priceInvoice(input.lines, linesPath);
  const now = ctx.clock.now().toISOString();
  return {
    id: newId(),
    status: 'draft',
    contactId: input.contactId,
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.orderId ? { orderId: input.orderId } : {}),
    currency: input.currency ?? tenant.currency,
    ...totals,
    amountPaid: 0,
    amountDue: totals.total,
    ...(input.issueDate ? { issueDate: input.issueDate } : {}),
    ...(input.dueDate ? { dueDate: input.dueDate } : {}),
    paymentTermsDays:
      input.paymentTermsDays ??
      (input.dueDate ? daysBetween(input.issueDate ?? today, input.dueDate) : DEFAULT_PAYMENT_TERMS_DAYS),
    ...(input.notes ? { notes: input.notes } : {}),
    ...(input.paymentInstructions ? { paymentInstructions: input.paymentInstructions } : {}),
    dunningNotices: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** Adds the draft and its first timeline entry to the unit of work. */
export function draftInto(uow: UnitOfWork, ctx: TenantContext, invoice: StoredInvoice, title: string): void {
  uow.put(
    {
      ...invoiceKeys.invoice(ctx.tenantId, invoice.id),
      entity: 'Invoice',
      ...invoice,
      ...indexAttributes(ctx.tenantId, invoice),
    },
    { condition: notExists },
  );
  addInvoiceEntryInto(uow, ctx, invoice.id, { kind: 'created', title });
}

export async function createInvoice(ctx: TenantContext, input: InvoiceCreate): Promise<Invoice> {
  const [tenant, contact] = await Promise.all([
    getTenant(ctx),
    customerOf(ctx, input.contactId, 'body.contactId'),
  ]);
  if (input.companyId) await checkCompany(ctx, input.companyId, 'body.companyId');
  const companyId = input.companyId ?? contact.companyId;
  const invoice = newDraft(ctx, tenant, {
    ...input,
    contactId: contact.id,
    ...(companyId ? { companyId } : {}),
  });
  const uow = unitOfWork(ctx);
  draftInto(uow, ctx, invoice, `Draft created for ${formatMoney(invoice.total, invoice.currency)}`);
  await uow.commit();
  return toInvoice(invoice);
}

export async function getInvoice(ctx: TenantContext, id: string): Promise<Invoice> {
  return toInvoice(await getStoredInvoice(ctx, id));
}

function pauseOf(actor: Actor, now: string, reason: string | undefined) {
  return { ...(reason ? { reason } : {}), pausedAt: now, pausedBy: describeActor(actor) };
}

/**
 * A draft changes freely; an issued invoice is a legal document, so only its dunning pause can
 * change (a correction is a void and a new invoice).
 */
export async function updateInvoice(
  ctx: TenantContext,
  id: string,
  input: InvoiceUpdate,
  ifMatch?: number | 'any',
): Promise<Invoice> {
  const current = await getStoredInvoice(ctx, id);
  assertIfMatch(ifMatch, current);
  const changesContent = DRAFT_FIELDS.some((field) => input[field] !== undefined);
  if (changesContent && current.status !== 'draft') {
    throw new ConflictError(
      `Invoice ${current.number ?? id} is ${current.status}: only a draft's content can change. Void it and issue a new one.`,
    );
  }
  if (input.dunningPaused !== undefined && !['draft', 'open', 'partially_paid'].includes(current.status)) {
    throw new ConflictError(
      `Invoice ${current.number ?? id} is ${current.status}: there is no dunning to pause.`,
    );
  }
  const next: StoredInvoice = { ...current };
  const now = ctx.clock.now().toISOString();
  if (input.contactId !== undefined && input.contactId !== current.contactId) {
    const contact = await customerOf(ctx, input.contactId, 'body.contactId');
    next.contactId = contact.id;
    if (input.companyId === undefined) {
      if (contact.companyId) next.companyId = contact.companyId;
      else delete next.companyId;
    }
  }
  if (input.companyId === null) delete next.companyId;
  else if (input.companyId !== undefined) {
    await checkCompany(ctx, input.companyId, 'body.companyId');
    next.companyId = input.companyId;
  }
  if (input.currency !== undefined) next.currency = input.currency;
  if (input.lines !== undefined) {
    const totals = priceInvoice(input.lines);
    Object.assign(next, totals, { amountDue: totals.total });
  }
  for (const field of ['issueDate', 'dueDate', 'notes', 'paymentInstructions'] as const) {
    const value = input[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  if (input.dueDate && input.paymentTermsDays !== undefined) {
    throw ValidationError.field('body.paymentTermsDays', 'Give a due date or payment terms, not both.');
  }
  if (input.paymentTermsDays !== undefined) {
    next.paymentTermsDays = input.paymentTermsDays;
    delete next.dueDate;
  }
  let pauseEntry: { kind: 'dunning_paused' | 'dunning_resumed'; title: string } | undefined;
  if (input.dunningPaused === null && current.dunningPaused) {
    delete next.dunningPaused;
    pauseEntry = { kind: 'dunning_resumed', title: 'Dunning resumed' };
  } else if (input.dunningPaused) {
    next.dunningPaused = pauseOf(ctx.actor, now, input.dunningPaused.reason);
    pauseEntry = {
      kind: 'dunning_paused',
      title: input.dunningPaused.reason ? `Dunning paused: ${input.dunningPaused.reason}` : 'Dunning paused',
    };
  }
  if (next.status === 'draft') {
    const tenant = await getTenant(ctx);
    const today = todayFor(ctx, tenant);
    checkDates(next, today, 'body');
    if (input.dueDate) next.paymentTermsDays = daysBetween(next.issueDate ?? today, input.dueDate);
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return toInvoice(current);
  next.updatedAt = now;
  next.version = current.version + 1;
  const uow = unitOfWork(ctx).update(invoiceKeys.invoice(ctx.tenantId, id), {
    set: {
      contactId: next.contactId,
      companyId: next.companyId,
      currency: next.currency,
      lines: next.lines,
      subtotal: next.subtotal,
      taxTotal: next.taxTotal,
      total: next.total,
      amountDue: next.amountDue,
      issueDate: next.issueDate,
      dueDate: next.dueDate,
      paymentTermsDays: next.paymentTermsDays,
      notes: next.notes,
      paymentInstructions: next.paymentInstructions,
      dunningPaused: next.dunningPaused,
      updatedAt: next.updatedAt,
      ...indexAttributes(ctx.tenantId, next),
    },
    remove: indexRemovals(next),
    ...whileVersion(current.version),
  });
  if (pauseEntry) addInvoiceEntryInto(uow, ctx, id, pauseEntry);
  await uow.commit();
  return toInvoice(next);
}

/** A concurrent change got in between our reads and our write: read everything again. */
class ReadAgain extends Error {}

/** Sequence numbers are zero-padded to four digits, and simply grow beyond 9999. */
export function formatInvoiceNumber(series: string, sequence: number): string {
  return `${series}-${String(sequence).padStart(4, '0')}`;
}

/**
 * Issues a draft: it gets the next number of its year's series and becomes owed. The number is
 * taken by a conditional update of the series counter *in the same transaction* as the issue
 * (expected value → value + 1), so a failed issue takes no number and numbers have no gaps;
 * two concurrent issues conflict on the counter and the loser retries with the next number.
 */
export async function issueInvoice(
  ctx: TenantContext,
  id: string,
  ifMatch?: number | 'any',
): Promise<Invoice> {
  const tenant = await getTenant(ctx);
  const attempt = async (): Promise<Invoice> => {
    const current = await getStoredInvoice(ctx, id, { consistent: true });
    assertIfMatch(ifMatch, current);
    if (current.status !== 'draft') {
      throw new ConflictError(
        `Invoice ${current.number ?? id} is already ${current.status}; only a draft can be issued.`,
      );
    }
    const today = todayFor(ctx, tenant);
    checkDates(current, today, 'invoice');
    const issueDate = current.issueDate ?? today;
    const dueDate = current.dueDate ?? addDays(issueDate, current.paymentTermsDays);
    const series = issueDate.slice(0, 4);
    const counterKey = invoiceKeys.counter(ctx.tenantId, series);
    const counter = await getItem(ctx, counterKey, { consistent: true });
    const last = typeof counter?.last === 'number' ? counter.last : 0;
    const number = formatInvoiceNumber(series, last + 1);
    const now = ctx.clock.now().toISOString();
    const next: StoredInvoice = {
      ...current,
      status: 'open',
      number,
      issueDate,
      dueDate,
      paymentTermsDays: daysBetween(issueDate, dueDate),
      issuedAt: now,
      updatedAt: now,
      version: current.version + 1,
    };
    const uow = unitOfWork(ctx)
      .update(counterKey, {
        set: { entity: 'InvoiceCounter', last: last + 1, series },
        condition: counter
          ? (e) => `${e.name('last')} = ${e.value(last)}`
          : (e) => `attribute_not_exists(${e.name('PK')})`,
        onConditionFailed: () => new ReadAgain(),
      })
      .put(
        { ...invoiceKeys.number(ctx.tenantId, number), entity: 'InvoiceNumber', invoiceId: id, number },
        { condition: notExists, onConditionFailed: () => new ReadAgain() },
      )
      .update(invoiceKeys.invoice(ctx.tenantId, id), {
        set: {
          status: next.status,
          number,
          issueDate,
          dueDate,
          paymentTermsDays: next.paymentTermsDays,
          issuedAt: now,
          updatedAt: now,
          ...indexAttributes(ctx.tenantId, next),
        },
        bumpVersion: true,
        condition: and(exists, hasVersion(current.version), statusIs('draft')),
        // Changed since it was read (typically issued by a concurrent call): read it again, and
        // the loop answers from its real state instead of asking the caller to retry.
        onConditionFailed: () => new ReadAgain(),
      });
    const amount = formatMoney(next.total, next.currency);
    addInvoiceEntryInto(uow, ctx, id, { kind: 'issued', title: `Issued as ${number}, due ${dueDate}` });
    addTimelineEntryInto(uow, ctx, next.contactId, {
      kind: 'invoice',
      title: `Invoice ${number} issued: ${amount}, due ${dueDate}`,
      ref: { type: 'invoice', id },
    });
    uow.publish(InvoiceIssued, {
      invoiceId: id,
      number,
      contactId: next.contactId,
      ...(next.companyId ? { companyId: next.companyId } : {}),
      currency: next.currency,
      total: next.total,
      issueDate,
      dueDate,
    });
    await uow.commit();
    return toInvoice(next);
  };
  // Another issue took the number read (or issued this draft): read again and take the next one.
  return retryWhileRaced(
    attempt,
    (error) => error instanceof ReadAgain || isTransactionConflict(error),
    'Many invoices are being issued at once; nothing was written. Send the same request again shortly.',
  );
}

export function statusIs(...statuses: InvoiceStatus[]): Condition {
  return (e) => `${e.name('status')} IN (${statuses.map((s) => e.value(s)).join(', ')})`;
}

/** Voids a draft or an open invoice nobody has paid anything on; its number stays used. */
export async function voidInvoice(
  ctx: TenantContext,
  id: string,
  ifMatch?: number | 'any',
): Promise<Invoice> {
  const current = await getStoredInvoice(ctx, id, { consistent: true });
  assertIfMatch(ifMatch, current);
  if (current.status === 'void') {
    // Voided before orders were told: voiding again marks its order, so the order can be cancelled.
    if (current.orderId) {
      const uow = unitOfWork(ctx);
      orderInvoiceVoidedInto(uow, ctx, current.orderId, id);
      await uow.commit().catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    }
    return toInvoice(current);
  }
  if (current.status !== 'draft' && current.status !== 'open') {
    throw new ConflictError(
      `Invoice ${current.number ?? id} is ${current.status}; only a draft or an unpaid open invoice can be voided.`,
    );
  }
  const now = ctx.clock.now().toISOString();
  const next: StoredInvoice = {
    ...current,
    status: 'void',
    voidedAt: now,
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = terminalUpdate(ctx, current, next, { voidedAt: now });
  if (current.orderId) orderInvoiceVoidedInto(uow, ctx, current.orderId, id);
  addInvoiceEntryInto(uow, ctx, id, { kind: 'voided', title: 'Voided' });
  if (current.number) {
    addTimelineEntryInto(uow, ctx, current.contactId, {
      kind: 'invoice',
      title: `Invoice ${current.number} voided`,
      ref: { type: 'invoice', id },
    });
  }
  uow.publish(InvoiceVoided, {
    invoiceId: id,
    ...(current.number ? { number: current.number } : {}),
    contactId: current.contactId,
    voidedAt: now,
    ...(current.collectionsTaskId ? { collectionsTaskId: current.collectionsTaskId } : {}),
  });
  await uow.commit();
  return toInvoice(next);
}

/** Writes off what is still due: dunning stops; a payment that arrives later still settles it. */
export async function markUncollectible(
  ctx: TenantContext,
  id: string,
  ifMatch?: number | 'any',
): Promise<Invoice> {
  const current = await getStoredInvoice(ctx, id, { consistent: true });
  assertIfMatch(ifMatch, current);
  if (current.status === 'uncollectible') return toInvoice(current);
  if (current.status !== 'open' && current.status !== 'partially_paid') {
    throw new ConflictError(
      `Invoice ${current.number ?? id} is ${current.status}; only an open or partially paid invoice can be written off.`,
    );
  }
  const now = ctx.clock.now().toISOString();
  const next: StoredInvoice = {
    ...current,
    status: 'uncollectible',
    uncollectibleAt: now,
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = terminalUpdate(ctx, current, next, { uncollectibleAt: now });
  const amount = formatMoney(current.amountDue, current.currency);
  addInvoiceEntryInto(uow, ctx, id, {
    kind: 'uncollectible',
    title: `Written off as uncollectible: ${amount}`,
  });
  addTimelineEntryInto(uow, ctx, current.contactId, {
    kind: 'invoice',
    title: `Invoice ${current.number} written off: ${amount}`,
    ref: { type: 'invoice', id },
  });
  uow.publish(InvoiceMarkedUncollectible, {
    invoiceId: id,
    number: current.number!,
    contactId: current.contactId,
    currency: current.currency,
    amountDue: current.amountDue,
    markedAt: now,
    ...(current.collectionsTaskId ? { collectionsTaskId: current.collectionsTaskId } : {}),
  });
  await uow.commit();
  return toInvoice(next);
}

function terminalUpdate(
  ctx: TenantContext,
  current: StoredInvoice,
  next: StoredInvoice,
  set: Record<string, string>,
): UnitOfWork {
  return unitOfWork(ctx).update(invoiceKeys.invoice(ctx.tenantId, current.id), {
    set: { status: next.status, updatedAt: next.updatedAt, ...set, ...indexAttributes(ctx.tenantId, next) },
    remove: indexRemovals(next),
    // A 412 the API answers only to a pinned request; otherwise the change is tried again on the
    // invoice as it now is (lastWriterWins), and refused only if its state then forbids it.
    ...whileVersion(current.version),
  });
}

/**
 * Lists by due date, oldest first. The filter picks the index: a customer's invoices (GSI3, status
 * as a filter: one customer's invoices are few), one status (GSI2), or all (GSI1); the due range
 * is always part of the key condition.
 */
export async function listInvoices(ctx: TenantContext, query: InvoiceListQuery): Promise<Page<Invoice>> {
  const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  if (query.number) return invoiceByNumber(ctx, query);
  let sort: KeyCondition | undefined;
  if (query.dueFrom || query.dueTo) {
    const upper = query.dueTo ?? addDays(NO_DUE_DATE, -1);
    sort = { between: [`${query.dueFrom ?? '0000-00-00'}#`, `${upper}#~`] };
  }
  const map = (item: Record<string, unknown>) => toInvoice(toStored(item));
  if (query.contactId) {
    const status = query.status;
    return queryPage(
      ctx,
      {
        index: 'GSI3',
        partition: invoiceKeys.ofCustomer(ctx.tenantId, query.contactId),
        ...(sort ? { sort } : {}),
        ...(status
          ? { filter: (e) => `${e.name('status')} = ${e.value(status)}`, filterFingerprint: { status } }
          : {}),
      },
      page,
      map,
    );
  }
  return queryPage(
    ctx,
    {
      index: query.status ? 'GSI2' : 'GSI1',
      partition: query.status
        ? invoiceKeys.inStatus(ctx.tenantId, query.status)
        : invoiceKeys.all(ctx.tenantId),
      ...(sort ? { sort } : {}),
    },
    page,
    map,
  );
}

async function invoiceByNumber(ctx: TenantContext, query: InvoiceListQuery): Promise<Page<Invoice>> {
  const guard = await getItem(ctx, invoiceKeys.number(ctx.tenantId, query.number!));
  if (!guard) return { items: [] };
  const invoice = await getInvoice(ctx, String(guard.invoiceId));
  const matches =
    (!query.status || invoice.status === query.status) &&
    (!query.contactId || invoice.contactId === query.contactId) &&
    (!query.dueFrom || (invoice.dueDate ?? NO_DUE_DATE) >= query.dueFrom) &&
    (!query.dueTo || (invoice.dueDate ?? NO_DUE_DATE) <= query.dueTo);
  return { items: matches ? [invoice] : [] };
}
