import { beforeAll, describe, expect, it } from 'vitest';
import { createContact } from '../../../shared/contacts/service.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { ConfigureRequest, QuoteCreate } from '../../../shared/sales/commerce-schema.ts';
import { ConfigurationRuleError } from '../../../shared/sales/configurator.ts';
import { createPriceList, setListPrice } from '../../../shared/sales/price-lists.ts';
import { configureProduct, updateProduct } from '../../../shared/sales/products.ts';
import {
  acceptQuote,
  createQuote,
  expireQuotes,
  getQuote,
  mailQuote,
  sendQuote,
  updateQuote,
} from '../../../shared/sales/quotes.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { mailsTo, stockedProduct, uniqueEmail } from './support.ts';

beforeAll(useTable);

const configurable = {
  optionGroups: [
    {
      id: 'paint',
      name: 'Paint',
      required: true,
      choices: [
        { id: 'white', name: 'White', priceDeltas: [], extraLeadTimeDays: 0 },
        {
          id: 'matte',
          name: 'Matte black',
          priceDeltas: [{ currency: 'EUR', amount: 500 }],
          extraLeadTimeDays: 10,
        },
      ],
    },
    {
      id: 'seat',
      name: 'Seat',
      required: true,
      choices: [
        { id: 'cloth', name: 'Cloth', priceDeltas: [], extraLeadTimeDays: 0 },
        {
          id: 'leather',
          name: 'Leather',
          priceDeltas: [{ currency: 'EUR', amount: 300 }],
          extraLeadTimeDays: 0,
        },
      ],
    },
  ],
  rules: [
    {
      id: 'matte-needs-leather',
      type: 'requires' as const,
      when: { group: 'paint', choice: 'matte' },
      choices: [{ group: 'seat', choice: 'leather' }],
    },
  ],
};

describe('products', () => {
  it('have a SKU unique per tenant', async () => {
    const a = await newTenant();
    const b = await newTenant();
    const first = await stockedProduct(a.ctx, { sku: 'CHAIR-1' });
    const error = await stockedProduct(a.ctx, { sku: 'chair-1' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details.existingProductId).toBe(first.id);
    await expect(stockedProduct(b.ctx, { sku: 'CHAIR-1' })).resolves.toBeDefined();
    const other = await stockedProduct(a.ctx, { sku: 'CHAIR-2' });
    await expect(updateProduct(a.ctx, other.id, { sku: 'CHAIR-1' })).rejects.toThrow(ConflictError);
  });

  it('configure: price and lead time of a valid selection, or the rule it breaks', async () => {
    const { ctx } = await newTenant();
    const chair = await stockedProduct(ctx, { leadTimeDays: 5, ...configurable });
    const configured = await configureProduct(
      ctx,
      chair.id,
      ConfigureRequest.parse({ selection: { paint: 'matte', seat: 'leather' } }),
    );
    expect(configured).toMatchObject({
      currency: 'EUR',
      basePrice: 1000,
      unitAmount: 1800,
      leadTimeDays: 15,
    });
    const broken = await configureProduct(
      ctx,
      chair.id,
      ConfigureRequest.parse({ selection: { paint: 'matte', seat: 'cloth' } }),
    ).catch((e) => e);
    expect(broken).toBeInstanceOf(ConfigurationRuleError);
    expect(broken.details.rule.id).toBe('matte-needs-leather');
  });

  it('take their partner price from a price list, and their own price otherwise', async () => {
    const { ctx } = await newTenant();
    const listed = await stockedProduct(ctx);
    const unlisted = await stockedProduct(ctx, { prices: [{ currency: 'EUR', unitAmount: 700 }] });
    const partner = await createPriceList(ctx, { name: 'Partner', currency: 'EUR' });
    await setListPrice(ctx, partner.id, listed.id, 800);
    const grace = await createContact(ctx, {
      firstName: 'G',
      lastName: 'H',
      lifecycleStage: 'customer',
      tags: [],
    });
    const quote = await createQuote(
      ctx,
      QuoteCreate.parse({
        contactId: grace.id,
        priceListId: partner.id,
        lines: [
          { productId: listed.id, quantity: 3 },
          { productId: unlisted.id, quantity: 1 },
        ],
      }),
    );
    expect(quote.lines.map((l) => l.unitAmount)).toEqual([800, 700]);
    expect(quote).toMatchObject({ subtotal: 3100, taxTotal: 620, total: 3720 });
  });
});

describe('quotes', () => {
  it('refuse a quantity under the minimum order quantity, naming the product and the minimum', async () => {
    const { ctx } = await newTenant();
    const bolts = await stockedProduct(ctx, { sku: 'BOLT-M8', name: 'M8 bolt', minOrderQuantity: 100 });
    const contact = await createContact(ctx, {
      firstName: 'A',
      lastName: 'B',
      lifecycleStage: 'lead',
      tags: [],
    });
    const error = await createQuote(
      ctx,
      QuoteCreate.parse({ contactId: contact.id, lines: [{ productId: bolts.id, quantity: 40 }] }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues).toEqual([
      {
        path: 'body.lines.0.quantity',
        message: 'Product BOLT-M8 (M8 bolt) has a minimum order quantity of 100; 40 is too few.',
      },
    ]);
  });

  it('go from request to draft to sent, with expected delivery from lead times and the mail sent once', async () => {
    const tenant = await newTenant({}, '2026-05-04T10:00:00Z');
    const { ctx } = tenant;
    const chair = await stockedProduct(ctx, { name: 'Chair', leadTimeDays: 5, ...configurable });
    const email = uniqueEmail('buyer');
    const contact = await createContact(ctx, {
      firstName: 'Bea',
      lastName: 'Buyer',
      email,
      lifecycleStage: 'prospect',
      tags: [],
    });
    const requested = await createQuote(
      ctx,
      QuoteCreate.parse({ contactId: contact.id, request: { message: 'Ten chairs, matte black please' } }),
    );
    expect(requested).toMatchObject({
      status: 'requested',
      ownerId: tenant.admin.id,
      validUntil: '2026-06-03',
    });
    const drafted = await updateQuote(ctx, requested.id, {
      lines: [{ productId: chair.id, quantity: 10, selection: { paint: 'matte', seat: 'leather' } }],
    });
    expect(drafted).toMatchObject({ status: 'draft', expectedDeliveryDate: '2026-05-19', subtotal: 18_000 });
    expect(drafted.lines[0]!.description).toBe('Chair (Paint: Matte black; Seat: Leather)');
    const sent = await sendQuote(ctx, requested.id);
    expect(sent.status).toBe('sent');
    expect((await sendQuote(ctx, requested.id)).version).toBe(sent.version);
    expect(await mailQuote(ctx, requested.id)).toBe('sent');
    expect(await mailQuote(ctx, requested.id)).toBe('skipped');
    const mails = await mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Quote Q-\w+ from Acme/);
    expect(mails[0]!.body.text).toContain('10 × Chair (Paint: Matte black; Seat: Leather)');
    expect(mails[0]!.body.html).toContain('<table');
    expect((await getQuote(ctx, requested.id)).mail).toMatchObject({
      status: 'sent',
      to: email,
      revision: 1,
    });

    const revised = await updateQuote(ctx, requested.id, { notes: 'With free delivery' });
    expect(revised).toMatchObject({ status: 'draft', revision: 2 });
    await sendQuote(ctx, requested.id);
    expect(await mailQuote(ctx, requested.id)).toBe('sent');
    expect(await mailsTo(email)).toHaveLength(2);
  });

  it('cannot be accepted once expired, and the expiry job records them', async () => {
    const tenant = await newTenant({}, '2026-05-04T10:00:00Z');
    const product = await stockedProduct(tenant.ctx);
    const contact = await createContact(tenant.ctx, {
      firstName: 'E',
      lastName: 'X',
      email: uniqueEmail('expiry'),
      lifecycleStage: 'prospect',
      tags: [],
    });
    const quote = await createQuote(
      tenant.ctx,
      QuoteCreate.parse({
        contactId: contact.id,
        validUntil: '2026-05-10',
        lines: [{ productId: product.id, quantity: 1 }],
      }),
    );
    await sendQuote(tenant.ctx, quote.id);
    // 23:30 in Paris on the last valid day is still valid; 00:30 the next day is not.
    const lastEvening = tenant.as(tenant.ctx.actor, fixedClock('2026-05-10T21:30:00Z'));
    const nextMorning = tenant.as(tenant.ctx.actor, fixedClock('2026-05-10T22:30:00Z'));
    expect((await getQuote(lastEvening, quote.id)).status).toBe('sent');
    expect((await getQuote(nextMorning, quote.id)).status).toBe('expired');
    const error = await acceptQuote(nextMorning, quote.id).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details).toMatchObject({ status: 'expired', validUntil: '2026-05-10' });
    expect(await expireQuotes(lastEvening)).toBe(0);
    expect(await expireQuotes(nextMorning)).toBe(1);
    expect(await expireQuotes(nextMorning)).toBe(0);
    expect((await getQuote(lastEvening, quote.id)).status).toBe('expired');
  });
});
