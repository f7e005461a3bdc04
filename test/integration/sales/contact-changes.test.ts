import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseContact, performMerge, requestMerge } from '../../../shared/contacts/privacy.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { queryAll } from '../../../shared/platform/db/repository.ts';
import { OrderCreate, QuoteCreate } from '../../../shared/sales/commerce-schema.ts';
import { eraseSalesRecords, mergeSalesRecords } from '../../../shared/sales/contact-changes.ts';
import { createDeal, dealsOfContact, getDeal } from '../../../shared/sales/deals.ts';
import { purchaseKeys } from '../../../shared/sales/keys.ts';
import { convertLead, createLead, getLead, listLeads } from '../../../shared/sales/leads.ts';
import { getOrder, listOrders, placeOrder } from '../../../shared/sales/orders.ts';
import { buyersOf, contactsByLastPurchase, purchaseSummaryOf } from '../../../shared/sales/purchases.ts';
import { createQuote, getQuote, listQuotes, mailQuote, sendQuote } from '../../../shared/sales/quotes.ts';
import { DealCreate, LeadConversion, LeadCreate } from '../../../shared/sales/schema.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';
import { salesPipeline, stockedProduct, uniqueEmail } from './support.ts';

let tenant: TestTenant;
let consumer: TenantContext;
let derived: Derivations;

beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
  tenant = await newTenant();
  consumer = tenant.as({ type: 'system', process: 'sales-contacts' });
});
afterAll(() => derived.stop());

/** The admin acting at a given instant (orders are placed "then"). */
const at = (instant: string) =>
  tenant.as(
    { type: 'member', memberId: tenant.admin.id, role: 'admin', keyId: tenant.apiKey.id },
    fixedClock(instant),
  );

const person = (firstName: string) =>
  createContact(tenant.ctx, {
    firstName,
    lastName: 'Lovelace',
    email: uniqueEmail(firstName.toLowerCase()),
    lifecycleStage: 'customer',
    tags: [],
  });

const buy = (ctx: TenantContext, contactId: string, lines: Array<[string, number]>) =>
  placeOrder(
    ctx,
    OrderCreate.parse({ contactId, lines: lines.map(([productId, quantity]) => ({ productId, quantity })) }),
  );

const boughtItems = (contactId: string) =>
  queryAll(tenant.ctx, {
    partition: purchaseKeys.contactPartition(tenant.ctx.tenantId, contactId),
    sort: { beginsWith: 'BOUGHT#' },
    consistent: true,
  });

describe('a merge of two contacts, in sales', () => {
  it('combines purchase histories and hands leads, deals, quotes and orders to the kept contact, once', async () => {
    const [lamp, book] = await Promise.all([
      stockedProduct(tenant.ctx, { name: 'Lamp' }, { onHand: 50 }),
      stockedProduct(tenant.ctx, { name: 'Book' }, { onHand: 50 }),
    ]);
    const pipeline = await salesPipeline(tenant.ctx);
    const [kept, duplicate] = await Promise.all([person('Ada'), person('Augusta')]);

    await buy(at('2026-01-10T09:00:00Z'), duplicate.id, [[lamp.id, 3]]);
    await buy(at('2026-02-10T09:00:00Z'), kept.id, [[lamp.id, 2]]);
    await buy(at('2026-03-10T09:00:00Z'), duplicate.id, [[book.id, 1]]);
    const lead = await createLead(
      tenant.ctx,
      LeadCreate.parse({ source: 'web', contactId: duplicate.id, message: 'Call me' }),
    );
    const shared = await createDeal(
      tenant.ctx,
      DealCreate.parse({
        name: 'Both of them',
        pipelineId: pipeline.id,
        contactIds: [duplicate.id, kept.id],
      }),
    );
    const quote = await createQuote(
      tenant.ctx,
      QuoteCreate.parse({ contactId: duplicate.id, lines: [{ productId: book.id, quantity: 2 }] }),
    );
    // The purchase histories follow from the committed orders.
    await derived.settle();

    await requestMerge(tenant.ctx, kept.id, duplicate.id);
    await performMerge(tenant.ctx, kept.id, duplicate.id);
    await mergeSalesRecords(consumer, kept.id, duplicate.id);

    const summary = await purchaseSummaryOf(tenant.ctx, kept.id, { consistent: true });
    expect(summary).toEqual({
      contactId: kept.id,
      orderCount: 3,
      lastPurchaseAt: '2026-03-10T09:00:00.000Z',
      lastPurchaseDate: '2026-03-10',
      productIds: [lamp.id, book.id].sort(),
    });
    expect(await purchaseSummaryOf(tenant.ctx, duplicate.id, { consistent: true })).toBeUndefined();
    const lastMarch = await contactsByLastPurchase(
      tenant.ctx,
      { from: '2026-03-10', to: '2026-03-10' },
      { limit: 100 },
    );
    expect(lastMarch.items.map((s) => s.contactId)).toEqual([kept.id]);

    const bought = await boughtItems(kept.id);
    expect(bought.map((b) => [b.productId, b.quantity, b.firstBoughtAt, b.lastBoughtAt])).toEqual(
      expect.arrayContaining([
        [lamp.id, 5, '2026-01-10T09:00:00.000Z', '2026-02-10T09:00:00.000Z'],
        [book.id, 1, '2026-03-10T09:00:00.000Z', '2026-03-10T09:00:00.000Z'],
      ]),
    );
    expect(await boughtItems(duplicate.id)).toEqual([]);
    expect((await buyersOf(tenant.ctx, lamp.id, { limit: 10 })).items).toEqual([
      expect.objectContaining({ contactId: kept.id, quantity: 5 }),
    ]);

    const movedLead = await getLead(tenant.ctx, lead.id);
    expect(movedLead.contactId).toBe(kept.id);
    expect(movedLead.history.at(-1)).toMatchObject({ action: 'contact_merged' });
    expect((await listLeads(tenant.ctx, { contactId: kept.id, limit: 10 })).items.map((l) => l.id)).toEqual([
      lead.id,
    ]);
    expect((await listLeads(tenant.ctx, { contactId: duplicate.id, limit: 10 })).items).toEqual([]);

    expect((await getDeal(tenant.ctx, shared.id)).contactIds).toEqual([kept.id]);
    expect((await dealsOfContact(tenant.ctx, kept.id, { limit: 10 })).items.map((d) => d.id)).toEqual([
      shared.id,
    ]);
    expect((await dealsOfContact(tenant.ctx, duplicate.id, { limit: 10 })).items).toEqual([]);

    expect((await getQuote(tenant.ctx, quote.id)).contactId).toBe(kept.id);
    expect((await listQuotes(tenant.ctx, { contactId: kept.id, limit: 10 })).items.map((q) => q.id)).toEqual([
      quote.id,
    ]);
    const orders = await listOrders(tenant.ctx, { contactId: kept.id, limit: 10 });
    expect(orders.items).toHaveLength(3);
    expect((await listOrders(tenant.ctx, { contactId: duplicate.id, limit: 10 })).items).toEqual([]);

    // The same event again changes nothing more.
    const before = {
      lead: await getLead(tenant.ctx, lead.id),
      deal: await getDeal(tenant.ctx, shared.id),
      quote: await getQuote(tenant.ctx, quote.id),
      order: await getOrder(tenant.ctx, orders.items[0]!.id),
      bought: await boughtItems(kept.id),
    };
    await mergeSalesRecords(consumer, kept.id, duplicate.id);
    expect(await purchaseSummaryOf(tenant.ctx, kept.id, { consistent: true })).toEqual(summary);
    expect({
      lead: await getLead(tenant.ctx, lead.id),
      deal: await getDeal(tenant.ctx, shared.id),
      quote: await getQuote(tenant.ctx, quote.id),
      order: await getOrder(tenant.ctx, orders.items[0]!.id),
      bought: await boughtItems(kept.id),
    }).toEqual(before);
  });
});

describe('an erased contact, in sales', () => {
  it('loses their purchase history and personal data; orders and quotes keep what was sold', async () => {
    const lamp = await stockedProduct(tenant.ctx, { name: 'Lamp' }, { onHand: 50 });
    await salesPipeline(tenant.ctx);
    const contact = await person('Grace');
    const colleague = await person('Charles');
    const order = await buy(tenant.ctx, contact.id, [[lamp.id, 4]]);
    const lead = await createLead(
      tenant.ctx,
      LeadCreate.parse({ source: 'web', contactId: contact.id, message: 'My number is 555-0100' }),
    );
    const { deal } = await convertLead(tenant.ctx, lead.id, LeadConversion.parse({ amount: 10_000 }));
    expect(deal.name).toBe('Grace Lovelace');
    const pipelineId = deal.pipelineId;
    const together = await createDeal(
      tenant.ctx,
      DealCreate.parse({ name: 'Team deal', pipelineId, contactIds: [contact.id, colleague.id] }),
    );
    const quote = await createQuote(
      tenant.ctx,
      QuoteCreate.parse({
        contactId: contact.id,
        request: { message: 'Please quote 2 lamps, Grace' },
        lines: [{ productId: lamp.id, quantity: 2 }],
      }),
    );
    await sendQuote(tenant.ctx, quote.id);
    await mailQuote(tenant.ctx, quote.id);
    expect((await getQuote(tenant.ctx, quote.id)).mail?.to).toBe(contact.email);

    await derived.settle();
    await eraseContact(tenant.ctx, contact.id);
    await eraseSalesRecords(consumer, contact.id);
    // A late or repeated delivery of the order brings no history back for the erased contact.
    await derived.poller.redeliver('purchase-history');
    await derived.settle();

    expect(await purchaseSummaryOf(tenant.ctx, contact.id, { consistent: true })).toBeUndefined();
    expect(await boughtItems(contact.id)).toEqual([]);
    expect((await buyersOf(tenant.ctx, lamp.id, { limit: 10 })).items).toEqual([]);

    const erasedLead = await getLead(tenant.ctx, lead.id);
    expect(erasedLead.person).toBeUndefined();
    expect(erasedLead.message).toBeUndefined();
    expect(erasedLead).toMatchObject({
      status: 'converted',
      source: 'web',
      personErasedAt: expect.any(String),
    });
    expect(erasedLead.history.at(-1)).toMatchObject({ action: 'erased' });

    expect(await getDeal(tenant.ctx, deal.id)).toMatchObject({
      name: 'Erased contact',
      contactIds: [],
      amount: 10_000,
    });
    expect(await getDeal(tenant.ctx, together.id)).toMatchObject({
      name: 'Team deal',
      contactIds: [colleague.id],
    });
    expect((await dealsOfContact(tenant.ctx, contact.id, { limit: 10 })).items).toEqual([]);

    const anonymized = await getQuote(tenant.ctx, quote.id);
    expect(anonymized.request?.message).toBe('Erased contact');
    expect(anonymized.mail?.to).toBe('Erased contact');
    expect(anonymized).toMatchObject({ status: 'sent', total: quote.total, lines: quote.lines });
    expect(await getOrder(tenant.ctx, order.id)).toEqual(order);

    // Redelivered: nothing changes any more.
    const versions = async () => [
      (await getLead(tenant.ctx, lead.id)).version,
      (await getDeal(tenant.ctx, deal.id)).version,
      (await getDeal(tenant.ctx, together.id)).version,
      (await getQuote(tenant.ctx, quote.id)).version,
    ];
    const once = await versions();
    await eraseSalesRecords(consumer, contact.id);
    expect(await versions()).toEqual(once);
  });
});
