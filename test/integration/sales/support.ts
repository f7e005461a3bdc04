import type { TenantContext } from '../../../shared/platform/context.ts';
import {
  type ProductCreate,
  ProductCreate as ProductCreateSchema,
} from '../../../shared/sales/commerce-schema.ts';
import { createPipeline } from '../../../shared/sales/pipelines.ts';
import { createProduct } from '../../../shared/sales/products.ts';
import { adjustStock, updateStockSettings } from '../../../shared/sales/stock.ts';

/** A sales pipeline with three open stages, won and lost. */
export function salesPipeline(ctx: TenantContext) {
  return createPipeline(ctx, {
    name: 'New business',
    stages: [
      { name: 'Qualify', outcome: 'open', probability: 20 },
      { name: 'Propose', outcome: 'open', probability: 50 },
      { name: 'Negotiate', outcome: 'open', probability: 80 },
      { name: 'Won', outcome: 'won' },
      { name: 'Lost', outcome: 'lost' },
    ],
  });
}

let skus = 0;

/** A product as the API would receive it (schema defaults applied), with stock on hand. */
export async function stockedProduct(
  ctx: TenantContext,
  overrides: Partial<ProductCreate> = {},
  stock: { onHand?: number; reorderPoint?: number; reorderQuantity?: number } = {},
) {
  const product = await createProduct(
    ctx,
    ProductCreateSchema.parse({
      sku: `SKU-${Date.now()}-${skus++}`,
      name: 'Widget',
      prices: [{ currency: 'EUR', unitAmount: 1000 }],
      taxRateBps: 2000,
      ...overrides,
    }),
  );
  if (stock.onHand) await adjustStock(ctx, product.id, { quantity: stock.onHand, reason: 'count' });
  if (stock.reorderPoint !== undefined || stock.reorderQuantity !== undefined)
    await updateStockSettings(ctx, product.id, {
      reorderPoint: stock.reorderPoint,
      reorderQuantity: stock.reorderQuantity,
    });
  return product;
}

interface StoredMail {
  destination: { to: string[] };
  replyTo: string[];
  subject: string;
  body: { text?: string; html?: string };
}

/** Mails the SES emulator received for `address` (the emulator is shared by the test run). */
export async function mailsTo(address: string): Promise<StoredMail[]> {
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  return emails.filter((mail) => mail.destination.to.some((to) => to.includes(address)));
}

export const uniqueEmail = (name: string) =>
  `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
