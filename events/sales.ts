import * as z from 'zod/mini';
import { defineEvent } from './define.ts';

/**
 * Sales events other modules react to (automation's quote follow-up, purchase history for
 * segments and the inactivity trigger). The sales module adds its other events here.
 */
export const QuoteRequested = defineEvent(
  'sales',
  'QuoteRequested',
  'A contact asked for a quote (a request for quotation was recorded).',
  z.object({ quoteId: z.string(), contactId: z.string(), ownerId: z.optional(z.string()) }),
);

export const QuoteSent = defineEvent(
  'sales',
  'QuoteSent',
  'A quote was emailed to its contact.',
  z.object({ quoteId: z.string(), contactId: z.string(), ownerId: z.optional(z.string()) }),
);

export const PurchaseRecorded = defineEvent(
  'sales',
  'PurchaseRecorded',
  "A contact bought products (an order was placed); the contact's purchase history and last purchase date moved.",
  z.object({
    contactId: z.string(),
    orderId: z.string(),
    productIds: z.array(z.string()),
    /** Minor units. */
    amount: z.int(),
    currency: z.string(),
    purchasedAt: z.string(),
  }),
);
