import type * as z from 'zod/mini';
import { ContactCreate as ContactCreateSchema } from '../../../shared/contacts/schema.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { createTopic } from '../../../shared/marketing/topics.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { newId } from '../../../shared/platform/ids.ts';
import { ProductCreate } from '../../../shared/sales/commerce-schema.ts';
import { placeOrder } from '../../../shared/sales/orders.ts';
import { createProduct } from '../../../shared/sales/products.ts';

/** A contact as the API would create it; `consent` sets marketing consent. */
export function person(
  ctx: TenantContext,
  overrides: Partial<z.input<typeof ContactCreateSchema>> & { consent?: 'granted' | 'denied' } = {},
) {
  const { consent, ...rest } = overrides;
  const unique = newId().toLowerCase();
  return createContact(
    ctx,
    ContactCreateSchema.parse({
      firstName: 'Pat',
      lastName: `Person ${unique.slice(-5)}`,
      email: `pat-${unique}@example.com`,
      ...(consent ? { marketingConsent: { status: consent, source: 'web form' } } : {}),
      ...rest,
    }),
  );
}

/** A product sold without stock tracking, so orders need no stock. */
export function product(ctx: TenantContext, name = 'Widget') {
  return createProduct(
    ctx,
    ProductCreate.parse({
      sku: `SKU-${newId()}`,
      name,
      prices: [{ currency: 'EUR', unitAmount: 1000 }],
      trackStock: false,
    }),
  );
}

export async function buys(ctx: TenantContext, contactId: string, ...productIds: string[]) {
  await placeOrder(ctx, { contactId, lines: productIds.map((productId) => ({ productId, quantity: 1 })) });
}

export function newsTopic(
  ctx: TenantContext,
  id = 'news',
  defaultStatus: 'subscribed' | 'unsubscribed' = 'subscribed',
) {
  return createTopic(ctx, { id, name: `Topic ${id}`, defaultStatus });
}

interface StoredMail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: Array<{ name: string; value: string }>;
}

/** Mails the SES emulator received for `address` (the emulator is shared by the test run). */
export async function mailsTo(address: string): Promise<StoredMail[]> {
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  return emails.filter((mail) =>
    mail.destination.to.some((to) => to.toLowerCase().includes(address.toLowerCase())),
  );
}
