import { jobHandler } from '../../shared/platform/handlers.ts';
import { expireQuotes } from '../../shared/sales/quotes.ts';

/** One tenant's daily run (a per-tenant schedule names its tenant); `asOf` sets "today". */
export const handler = jobHandler('quote-expiry', async ({ ctx }) => {
  if (!ctx) throw new Error('quote-expiry runs per tenant: its input must name the tenant.');
  return { expired: await expireQuotes(ctx) };
});
