import { streamHandler } from '../../shared/platform/streams.ts';
import { recordPurchase } from '../../shared/sales/purchase-history.ts';

/** Records each placed order in its contact's purchase history, once. */
export const handler = streamHandler('purchase-history', recordPurchase);
