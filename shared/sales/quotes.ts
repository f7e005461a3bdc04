import {
  QuoteAccepted,
  QuoteDrafted,
  QuoteExpired,
  QuoteRejected,
  QuoteRequested,
  QuoteSent,
} from '../../events/sales.ts';
import { getContact } from '../contacts/records.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { assertMaySendAs } from '../mail/gate.ts';
import { sendMail } from '../mail/service.ts';
import { suppressionOf } from '../mail/suppression.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryEach,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  absentIfNotFound,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { newId } from '../platform/ids.ts';
import { addDays } from '../platform/time.ts';
import { getMember } from '../tenancy/records.ts';
import type { Quote, QuoteCreate, QuoteStatus, QuoteUpdate } from './commerce-schema.ts';
import { ERASED_CONTACT, getDeal } from './deals.ts';
import { quoteKeys } from './keys.ts';
import { quoteMail } from './mail-content.tsx';
import { claimMail, mailSentInto, releaseMail } from './mail-guard.ts';
import { formatMoney } from './money.ts';
import { expectedDelivery, priceLines, resolvePricing, totalsOf } from './pricing.ts';
import { activeMember, callerId, existingContact, tenantToday } from './references.ts';
import { reviseEach, unchangedSince } from './revise.ts';

/**
 * Quotes, from a request for quotation to an answer:
 *
 *   requested ──(lines saved)──▶ draft ──(send)──▶ sent ──▶ accepted | rejected | expired
 *                                  ▲                 │
 *                                  └──(changed: revision + 1)
 *
 * A sent quote past its validity date reads as `expired` at once; the daily quote-expiry job then
 * records it (and publishes QuoteExpired). Sending publishes QuoteSent in the same transaction as
 * the status; the mail itself is sent from that event, once per revision (mail-guard.ts).
 */
export const DEFAULT_VALIDITY_DAYS = 30;

const OPEN: QuoteStatus[] = ['requested', 'draft', 'sent'];

/** The quote as it stands on `today` (tenant time zone): a sent quote past validity is expired. */
function toQuote(item: Item, today: string): Quote {
  const quote = withoutKeys<Quote>(item);
  return quote.status === 'sent' && quote.validUntil < today ? { ...quote, status: 'expired' } : quote;
}

function indexes(ctx: TenantContext, quote: Quote) {
  return {
    GSI1PK: quoteKeys.byOwner(ctx.tenantId, quote.ownerId),
    GSI1SK: `${quote.status}#${quote.createdAt}#${quote.id}`,
    GSI3PK: quoteKeys.byContact(ctx.tenantId, quote.contactId),
    GSI3SK: `${quote.createdAt}#${quote.id}`,
    // Only sent quotes can expire: the index of them by validity is sparse.
    ...(quote.status === 'sent'
      ? { GSI2PK: quoteKeys.sentByValidity(ctx.tenantId), GSI2SK: `${quote.validUntil}#${quote.id}` }
      : {}),
  };
}

/** Index attributes of an updated quote: a quote that is no longer sent leaves the validity index. */
function indexChanges(ctx: TenantContext, quote: Quote) {
  return { set: indexes(ctx, quote), remove: quote.status === 'sent' ? [] : ['GSI2PK', 'GSI2SK'] };
}

const facts = (quote: Quote) => ({
  quoteId: quote.id,
  contactId: quote.contactId,
  ...(quote.ownerId ? { ownerId: quote.ownerId } : {}),
});

function timelineInto(uow: UnitOfWork, ctx: TenantContext, quote: Quote, title: string): void {
  addTimelineEntryInto(uow, ctx, quote.contactId, {
    kind: 'quote',
    title,
    ...(quote.lines.length ? { summary: formatMoney(quote.total, quote.currency) } : {}),
    ref: { type: 'quote', id: quote.id },
  });
}

async function dealFor(ctx: TenantContext, id: string, path: string): Promise<void> {
  try {
    await getDeal(ctx, id);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field(path, error.message);
    throw error;
  }
}

function checkValidity(validUntil: string, today: string): void {
  if (validUntil < today)
    throw ValidationError.field('body.validUntil', `Must be today (${today}) or later.`);
}

export async function createQuote(ctx: TenantContext, input: QuoteCreate): Promise<Quote> {
  const contact = await existingContact(ctx, input.contactId, 'body.contactId');
  if (input.dealId) await dealFor(ctx, input.dealId, 'body.dealId');
  if (input.ownerId) await activeMember(ctx, input.ownerId, 'body.ownerId');
  const { today } = await tenantToday(ctx);
  const validUntil = input.validUntil ?? addDays(today, DEFAULT_VALIDITY_DAYS);
  checkValidity(validUntil, today);
  const pricing = await resolvePricing(ctx, input.currency, input.priceListId);
  const lines = await priceLines(ctx, input.lines, pricing);
  const now = ctx.clock.now().toISOString();
  const ownerId = input.ownerId ?? contact.ownerId ?? callerId(ctx);
  const expected = expectedDelivery(lines, today);
  const quote: Quote = {
    id: newId(),
    status: input.request && lines.length === 0 ? 'requested' : 'draft',
    contactId: contact.id,
    ...(contact.companyId ? { companyId: contact.companyId } : {}),
    ...(input.dealId ? { dealId: input.dealId } : {}),
    ...(ownerId ? { ownerId } : {}),
    ...(input.request
      ? {
          request: {
            message: input.request.message,
            receivedAt: input.request.receivedAt ? new Date(input.request.receivedAt).toISOString() : now,
          },
        }
      : {}),
    currency: pricing.currency,
    ...(pricing.priceListId ? { priceListId: pricing.priceListId } : {}),
    lines,
    ...totalsOf(lines),
    validUntil,
    ...(expected ? { expectedDeliveryDate: expected } : {}),
    ...(input.notes ? { notes: input.notes } : {}),
    revision: 1,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx).put(
    { ...quoteKeys.quote(ctx.tenantId, quote.id), entity: 'Quote', ...quote, ...indexes(ctx, quote) },
    { condition: notExists },
  );
  if (quote.request) uow.publish(QuoteRequested, facts(quote));
  if (quote.status === 'draft') uow.publish(QuoteDrafted, { ...facts(quote), revision: quote.revision });
  timelineInto(uow, ctx, quote, quote.request ? 'Quote requested' : 'Quote drafted');
  await uow.commit();
  return quote;
}

async function quoteItem(ctx: TenantContext, id: string): Promise<Item> {
  const item = await getItem(ctx, quoteKeys.quote(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Quote', id);
  return item;
}

export async function getQuote(ctx: TenantContext, id: string): Promise<Quote> {
  const item = await quoteItem(ctx, id);
  const { today } = await tenantToday(ctx);
  return toQuote(item, today);
}

/** An owner's quotes (by status when given), or a contact's, newest first. */
export async function listQuotes(
  ctx: TenantContext,
  query: {
    ownerId?: string | undefined;
    contactId?: string | undefined;
    status?: QuoteStatus | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<Quote>> {
  const { today } = await tenantToday(ctx);
  const map = (item: Item) => toQuote(item, today);
  if (query.contactId) {
    const status = query.status;
    return queryPage(
      ctx,
      {
        index: 'GSI3',
        partition: quoteKeys.byContact(ctx.tenantId, query.contactId),
        ascending: false,
        ...(status
          ? { filter: (e) => `${e.name('status')} = ${e.value(status)}`, filterFingerprint: { status } }
          : {}),
      },
      query,
      map,
    );
  }
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: quoteKeys.byOwner(ctx.tenantId, query.ownerId === 'unassigned' ? undefined : query.ownerId),
      ...(query.status ? { sort: { beginsWith: `${query.status}#` } } : {}),
      ascending: false,
    },
    query,
    map,
  );
}

interface Loaded {
  quote: Quote;
  today: string;
}

async function load(ctx: TenantContext, id: string, ifMatch: number | 'any' | undefined): Promise<Loaded> {
  const item = await quoteItem(ctx, id);
  const { today } = await tenantToday(ctx);
  const quote = toQuote(item, today);
  assertIfMatch(ifMatch, quote);
  return { quote, today };
}

function write(uow: UnitOfWork, ctx: TenantContext, current: Quote, next: Quote, set: Item): void {
  const index = indexChanges(ctx, next);
  uow.update(quoteKeys.quote(ctx.tenantId, current.id), {
    set: { ...set, ...index.set },
    remove: index.remove,
    ...whileVersion(
      current.version,
      () => new PreconditionFailedError('The quote changed meanwhile; read it again.'),
    ),
  });
}

function refuse(quote: Quote, what: string): never {
  throw new ConflictError(`Quote ${quote.id} is ${quote.status}; it cannot be ${what}.`, {
    status: quote.status,
  });
}

export async function updateQuote(
  ctx: TenantContext,
  id: string,
  input: QuoteUpdate,
  ifMatch?: number | 'any',
): Promise<Quote> {
  const { quote: current, today } = await load(ctx, id, ifMatch);
  if (!OPEN.includes(current.status)) refuse(current, 'changed');
  if (input.ownerId) await activeMember(ctx, input.ownerId, 'body.ownerId');
  if (input.dealId) await dealFor(ctx, input.dealId, 'body.dealId');
  if (input.validUntil) checkValidity(input.validUntil, today);
  const priceListId =
    input.priceListId === undefined ? current.priceListId : (input.priceListId ?? undefined);
  const pricing = await resolvePricing(ctx, current.currency, priceListId);
  const repriced = input.lines !== undefined || input.priceListId !== undefined;
  const lines = repriced
    ? await priceLines(
        ctx,
        input.lines ??
          current.lines.map((l) => ({
            productId: l.productId,
            quantity: l.quantity,
            ...(l.configuration ? { selection: l.configuration.selection } : {}),
          })),
        pricing,
      )
    : current.lines;
  const now = ctx.clock.now().toISOString();
  const next: Quote = {
    ...current,
    ...(input.ownerId ? { ownerId: input.ownerId } : {}),
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
    lines,
    ...totalsOf(lines),
    updatedAt: now,
    version: current.version + 1,
  };
  if (pricing.priceListId) next.priceListId = pricing.priceListId;
  else delete next.priceListId;
  if (input.dealId === null) delete next.dealId;
  else if (input.dealId) next.dealId = input.dealId;
  if (input.notes === null) delete next.notes;
  else if (input.notes !== undefined) next.notes = input.notes;
  if (repriced) {
    const expected = expectedDelivery(lines, today);
    if (expected) next.expectedDeliveryDate = expected;
    else delete next.expectedDeliveryDate;
  }
  const drafted = (current.status === 'requested' && lines.length > 0) || current.status === 'sent';
  if (drafted) next.status = 'draft';
  if (current.status === 'sent') next.revision = current.revision + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx);
  write(uow, ctx, current, next, {
    ...set,
    priceListId: next.priceListId,
    dealId: next.dealId,
    notes: next.notes,
    expectedDeliveryDate: next.expectedDeliveryDate,
  });
  if (drafted) {
    uow.publish(QuoteDrafted, { ...facts(next), revision: next.revision });
    timelineInto(
      uow,
      ctx,
      next,
      current.status === 'sent' ? `Quote revised (revision ${next.revision})` : 'Quote drafted',
    );
  }
  await uow.commit();
  return next;
}

/**
 * Sends the quote: it becomes `sent` and QuoteSent is published in the same transaction; the mail
 * to the contact goes out from that event, once per revision. Sending a sent quote again changes
 * nothing and mails nothing (a retried request cannot mail twice).
 */
export async function sendQuote(ctx: TenantContext, id: string, ifMatch?: number | 'any'): Promise<Quote> {
  const { quote: current, today } = await load(ctx, id, ifMatch);
  if (current.status === 'sent') return current;
  if (current.status !== 'draft') refuse(current, 'sent');
  if (current.lines.length === 0) throw new ConflictError(`Quote ${id} has no lines to send.`);
  await assertMaySendAs(ctx, (await tenantToday(ctx)).tenant.sender.email, 'tenant.sender.email');
  if (current.validUntil < today)
    throw new ConflictError(`Quote ${id} was valid until ${current.validUntil}; change validUntil first.`);
  const contact = await getContact(ctx, current.contactId);
  if (!contact.email)
    throw new ConflictError(`Contact ${contact.id} has no email address to send the quote to.`);
  const suppression = await suppressionOf(ctx, contact.email);
  if (suppression)
    throw new ConflictError(`Mail to ${contact.email} is suppressed (${suppression.reason}).`, {
      reason: suppression.reason,
    });
  const now = ctx.clock.now().toISOString();
  const next: Quote = {
    ...current,
    status: 'sent',
    sentAt: now,
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = unitOfWork(ctx);
  write(uow, ctx, current, next, { status: next.status, sentAt: now });
  uow.publish(QuoteSent, facts(next));
  timelineInto(uow, ctx, next, next.revision > 1 ? `Quote sent (revision ${next.revision})` : 'Quote sent');
  await uow.commit();
  return next;
}

export async function acceptQuote(ctx: TenantContext, id: string, ifMatch?: number | 'any'): Promise<Quote> {
  const { quote: current } = await load(ctx, id, ifMatch);
  if (current.status === 'accepted') return current;
  if (current.status === 'expired')
    throw new ConflictError(`Quote ${id} expired: it was valid until ${current.validUntil}.`, {
      status: 'expired',
      validUntil: current.validUntil,
    });
  if (current.status !== 'sent') refuse(current, 'accepted');
  const now = ctx.clock.now().toISOString();
  const next: Quote = {
    ...current,
    status: 'accepted',
    acceptedAt: now,
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = unitOfWork(ctx);
  write(uow, ctx, current, next, { status: next.status, acceptedAt: now });
  uow.publish(QuoteAccepted, {
    ...facts(next),
    ...(next.dealId ? { dealId: next.dealId } : {}),
    total: next.total,
    currency: next.currency,
  });
  timelineInto(uow, ctx, next, 'Quote accepted');
  await uow.commit();
  return next;
}

export async function rejectQuote(
  ctx: TenantContext,
  id: string,
  reason: string | undefined,
  ifMatch?: number | 'any',
): Promise<Quote> {
  const { quote: current } = await load(ctx, id, ifMatch);
  if (current.status === 'rejected') return current;
  if (current.status !== 'sent') refuse(current, 'rejected');
  const now = ctx.clock.now().toISOString();
  const next: Quote = {
    ...current,
    status: 'rejected',
    rejectedAt: now,
    ...(reason ? { rejectionReason: reason } : {}),
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = unitOfWork(ctx);
  write(uow, ctx, current, next, { status: next.status, rejectedAt: now, rejectionReason: reason });
  uow.publish(QuoteRejected, { ...facts(next), ...(reason ? { reason } : {}) });
  timelineInto(uow, ctx, next, 'Quote rejected');
  await uow.commit();
  return next;
}

/**
 * The daily quote-expiry job of one tenant: records as expired every sent quote whose validity
 * ended before `today`, found through the sparse index of sent quotes by validity date.
 */
export async function expireQuotes(ctx: TenantContext): Promise<number> {
  const { today } = await tenantToday(ctx);
  let expired = 0;
  for await (const item of queryEach(ctx, {
    index: 'GSI2',
    partition: quoteKeys.sentByValidity(ctx.tenantId),
    sort: { lessThan: today },
  })) {
    const quote = withoutKeys<Quote>(item);
    const now = ctx.clock.now().toISOString();
    const next: Quote = {
      ...quote,
      status: 'expired',
      expiredAt: now,
      updatedAt: now,
      version: quote.version + 1,
    };
    const index = indexChanges(ctx, next);
    const uow = unitOfWork(ctx).update(quoteKeys.quote(ctx.tenantId, quote.id), {
      set: { status: 'expired', expiredAt: now, ...index.set },
      remove: index.remove,
      bumpVersion: true,
      // A quote answered or changed since the index was read is left alone.
      condition: and(exists, hasVersion(quote.version)),
      onConditionFailed: () => new QuoteMovedOn(),
    });
    uow.publish(QuoteExpired, { ...facts(next), validUntil: quote.validUntil });
    timelineInto(uow, ctx, next, 'Quote expired');
    try {
      await uow.commit();
      expired++;
    } catch (error) {
      if (!(error instanceof QuoteMovedOn)) throw error;
    }
  }
  return expired;
}

class QuoteMovedOn extends Error {}

/** Emails the current revision of a sent quote to its contact, once however often the event arrives. */
export async function mailQuote(
  ctx: TenantContext,
  id: string,
): Promise<'sent' | 'suppressed' | 'blocked' | 'skipped'> {
  const item = await quoteItem(ctx, id);
  const quote = withoutKeys<Quote>(item);
  if (quote.status !== 'sent') return 'skipped';
  // Erased since the quote was sent: there is nobody to mail, and no redelivery will change that.
  const contact = await getContact(ctx, quote.contactId).catch(absentIfNotFound);
  if (!contact?.email) return 'skipped';
  const key = quoteKeys.mail(ctx.tenantId, id, quote.revision);
  const claim = await claimMail(ctx, key, `quote ${id} revision ${quote.revision}`);
  if (claim.status === 'done') return 'skipped';
  const { tenant } = await tenantToday(ctx);
  const owner = quote.ownerId ? await getMember(ctx, quote.ownerId).catch(absentIfNotFound) : undefined;
  const replyTo = owner?.status === 'active' ? owner.email : tenant.replyTo;
  let outcome: Awaited<ReturnType<typeof sendMail>>;
  try {
    outcome = await sendMail(ctx, {
      category: 'transactional',
      sender: { ...tenant.sender, ...(replyTo ? { replyTo } : {}) },
      to: contact.email,
      ...quoteMail(tenant, quote, contact, await translator(contact.locale, tenant.locale)),
      tags: { kind: 'quote', quoteId: id },
    });
  } catch (error) {
    await releaseMail(ctx, key, claim.claimedAt);
    throw error;
  }
  const uow = unitOfWork(ctx);
  mailSentInto(uow, key, claim.claimedAt, outcome);
  uow.update(quoteKeys.quote(ctx.tenantId, id), {
    set: {
      mail: {
        status: outcome.status,
        to: contact.email,
        at: ctx.clock.now().toISOString(),
        revision: quote.revision,
        ...(outcome.status === 'sent' ? { messageId: outcome.messageId } : { reason: outcome.reason }),
      },
    },
  });
  await uow.commit();
  return outcome.status;
}

/** For orders: marks an accepted quote as ordered, once (a second order from it fails with 409). */
export function quoteOrderedInto(uow: UnitOfWork, ctx: TenantContext, quote: Quote, orderId: string): void {
  uow.update(quoteKeys.quote(ctx.tenantId, quote.id), {
    set: { orderId },
    bumpVersion: true,
    condition: (e) =>
      `${e.name('status')} = ${e.value('accepted')} AND attribute_not_exists(${e.name('orderId')})`,
    onConditionFailed: (existing) =>
      new ConflictError(
        existing?.orderId
          ? `Quote ${quote.id} was already ordered (order ${existing.orderId}).`
          : `Quote ${quote.id} is no longer accepted.`,
        existing?.orderId ? { orderId: existing.orderId } : {},
      ),
  });
}

/** A merge (ContactsMerged): the merged contact's quotes are the kept contact's. */
export async function moveQuotes(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: quoteKeys.byContact(ctx.tenantId, mergedId) },
    (item, uow) => {
      if (item.contactId !== mergedId) return false;
      uow.update(quoteKeys.quote(ctx.tenantId, String(item.id)), {
        set: { contactId: keptId, GSI3PK: quoteKeys.byContact(ctx.tenantId, keptId) },
        bumpVersion: true,
        ...unchangedSince(item),
      });
      return true;
    },
  );
}

/**
 * An erasure (ContactErased): quotes keep their commercial content (lines, prices, validity,
 * status) but lose what came from or went to the person: the request's message they wrote and
 * the address their mail went to.
 */
export async function anonymizeQuotes(ctx: TenantContext, contactId: string): Promise<void> {
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: quoteKeys.byContact(ctx.tenantId, contactId) },
    (item, uow) => {
      const quote = withoutKeys<Quote>(item);
      const set: Record<string, unknown> = {};
      if (quote.request && quote.request.message !== ERASED_CONTACT)
        set.request = { ...quote.request, message: ERASED_CONTACT };
      if (quote.mail && quote.mail.to !== ERASED_CONTACT) set.mail = { ...quote.mail, to: ERASED_CONTACT };
      if (Object.keys(set).length === 0) return false;
      uow.update(quoteKeys.quote(ctx.tenantId, quote.id), {
        set,
        bumpVersion: true,
        ...unchangedSince(item),
      });
      return true;
    },
  );
}
