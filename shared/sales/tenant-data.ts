import { registerTenantData } from '../platform/tenant-data.ts';
import { ORDER_STATUSES, PURCHASE_ORDER_STATUSES } from './commerce-schema.ts';
import { productKeys } from './keys.ts';
import { LEAD_STATUSES } from './schema.ts';

/**
 * Leads, orders and purchase orders are listed by status; deals by pipeline; quotes by owner (the
 * members and `unassigned`); products, price lists and suppliers by their own indexes.
 */
registerTenantData('sales', [
  ...LEAD_STATUSES.map((status) => ({
    name: `leads-${status}`,
    list: { index: 'GSI1' as const, partition: ['LEADS', status] },
  })),
  { name: 'lead-assignment', list: { partition: ['LEAD-ASSIGNMENT'] } },
  // The guard that the sign-up's default pipeline was made once; no pipeline names it.
  { name: 'default-pipeline-guard', list: { partition: ['PIPELINE-DEFAULT'] } },
  {
    name: 'pipelines',
    list: { index: 'GSI1', partition: ['PIPELINES'] },
    related: (item) => ({
      listings: item.entity === 'Pipeline' ? [{ index: 'GSI1', partition: ['DEALS', String(item.id)] }] : [],
    }),
  },
  {
    name: 'products',
    list: { index: 'GSI1', partition: ['PRODUCTS'] },
    related: (item, t) => ({
      keys: item.entity === 'Product' && typeof item.sku === 'string' ? [productKeys.sku(t, item.sku)] : [],
    }),
  },
  { name: 'price-lists', list: { index: 'GSI1', partition: ['PRICE-LISTS'] } },
  { name: 'bought-together', list: { partition: ['BOUGHT-TOGETHER'] } },
  { name: 'suppliers', list: { index: 'GSI1', partition: ['SUPPLIERS'] } },
  ...PURCHASE_ORDER_STATUSES.map((status) => ({
    name: `purchase-orders-${status}`,
    list: { index: 'GSI1' as const, partition: ['PURCHASE-ORDERS', status] },
  })),
  {
    name: 'quotes-of-members',
    list: { partition: ['MEMBERS'], beginsWith: 'MEMBER#' },
    throughOthers: true,
    related: (item) => ({
      listings:
        item.entity === 'Member' ? [{ index: 'GSI1', partition: ['QUOTES-OF', String(item.id)] }] : [],
    }),
  },
  { name: 'unassigned-quotes', list: { index: 'GSI1', partition: ['QUOTES-OF', 'unassigned'] } },
  ...ORDER_STATUSES.map((status) => ({
    name: `orders-${status}`,
    list: { index: 'GSI1' as const, partition: ['ORDERS', status] },
  })),
]);
