import { contactKeys } from '../contacts/keys.ts';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * Keys of the sales module (docs/data-model.md, Sales). Every record has a partition of its own;
 * per-tenant index partitions list small or slowly growing sets (pipelines, products by SKU, open
 * quotes of an owner) and are written at human speed. Index partitions start with the item type.
 */
const owner = (memberId: string | undefined) => memberId ?? 'unassigned';

export const leadKeys = {
  lead: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'LEAD', id), SK: 'LEAD' }),
  /** GSI1: a status's leads, newest first. */
  byStatus: (t: TenantId, status: string) => tenantKey(t, 'LEADS', status),
  /** GSI2: an owner's leads by status. */
  byOwner: (t: TenantId, ownerId: string | undefined) => tenantKey(t, 'LEADS-OF', owner(ownerId)),
  /** GSI3: the leads about a contact (named by the lead, or created by its conversion). */
  byContact: (t: TenantId, contactId: string) => tenantKey(t, 'LEADS-FOR', contactId),
  assignmentRules: (t: TenantId) => ({ PK: tenantKey(t, 'LEAD-ASSIGNMENT'), SK: 'RULES' }),
  /** Whose turn it is in a team's round robin. */
  roundRobin: (t: TenantId, team: string) => ({
    PK: tenantKey(t, 'LEAD-ASSIGNMENT'),
    SK: `ROUND-ROBIN#${team.toLowerCase()}`,
  }),
};

export const pipelineKeys = {
  pipeline: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'PIPELINE', id), SK: 'PIPELINE' }),
  /** GSI1: the tenant's pipelines, oldest first. */
  all: (t: TenantId) => tenantKey(t, 'PIPELINES'),
  /** Guard: the default pipeline of sign-up is made once, whatever the redeliveries. */
  defaultMade: (t: TenantId) => ({ PK: tenantKey(t, 'PIPELINE-DEFAULT'), SK: 'GUARD' }),
  /** Running totals of a stage: deals that reached it, left it, and the time they spent in it. */
  stageTotals: (t: TenantId, pipelineId: string, stageId: string) => ({
    PK: tenantKey(t, 'PIPELINE', pipelineId),
    SK: `STAGE#${stageId}`,
  }),
  /** Deals in a stage now, and their value, per currency. */
  stageValue: (t: TenantId, pipelineId: string, stageId: string, currency: string) => ({
    PK: tenantKey(t, 'PIPELINE', pipelineId),
    SK: `STAGE#${stageId}#VALUE#${currency}`,
  }),
  /** GSI1 of stage changes: a pipeline's stage changes by time. */
  stageChanges: (t: TenantId, pipelineId: string) => tenantKey(t, 'STAGE-CHANGES', pipelineId),
};

export const dealKeys = {
  deal: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'DEAL', id), SK: 'DEAL' }),
  stageChange: (t: TenantId, dealId: string, at: string, id: string) => ({
    PK: tenantKey(t, 'DEAL', dealId),
    SK: `STAGE-CHANGE#${at}#${id}`,
  }),
  /** GSI1: a pipeline's deals by stage. */
  byPipeline: (t: TenantId, pipelineId: string) => tenantKey(t, 'DEALS', pipelineId),
  /** GSI2: an owner's deals by status, soonest expected close first. */
  byOwner: (t: TenantId, ownerId: string | undefined) => tenantKey(t, 'DEALS-OF', owner(ownerId)),
  /**
   * One item per contact of a deal, in the deal's partition, written with the deal: a deal has up
   * to 20 contacts, so its own item cannot carry a per-contact index.
   */
  contactLink: (t: TenantId, dealId: string, contactId: string) => ({
    PK: tenantKey(t, 'DEAL', dealId),
    SK: `CONTACT#${contactId}`,
  }),
  /** GSI3 of the contact links: a contact's deals, newest first. */
  withContact: (t: TenantId, contactId: string) => tenantKey(t, 'DEALS-WITH', contactId),
};

export const productKeys = {
  product: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'PRODUCT', id), SK: 'PRODUCT' }),
  stock: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'PRODUCT', id), SK: 'STOCK' }),
  sku: (t: TenantId, sku: string) => ({ PK: tenantKey(t, 'PRODUCT-SKU', sku.toLowerCase()), SK: 'GUARD' }),
  /** GSI1: the catalogue by SKU. */
  all: (t: TenantId) => tenantKey(t, 'PRODUCTS'),
};

export const priceListKeys = {
  priceList: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'PRICE-LIST', id), SK: 'PRICE-LIST' }),
  partition: (t: TenantId, id: string) => tenantKey(t, 'PRICE-LIST', id),
  entry: (t: TenantId, id: string, productId: string) => ({
    PK: tenantKey(t, 'PRICE-LIST', id),
    SK: `PRICE#${productId}`,
  }),
  /** GSI1: the tenant's price lists by name. */
  all: (t: TenantId) => tenantKey(t, 'PRICE-LISTS'),
};

export const supplierKeys = {
  supplier: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SUPPLIER', id), SK: 'SUPPLIER' }),
  /** GSI1: suppliers by name. */
  all: (t: TenantId) => tenantKey(t, 'SUPPLIERS'),
};

export const purchaseOrderKeys = {
  purchaseOrder: (t: TenantId, id: string) => ({
    PK: tenantKey(t, 'PURCHASE-ORDER', id),
    SK: 'PURCHASE-ORDER',
  }),
  /** The email to the supplier, sent once. */
  mail: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'PURCHASE-ORDER', id), SK: 'MAIL' }),
  /** GSI1: purchase orders in a status, newest first. */
  byStatus: (t: TenantId, status: string) => tenantKey(t, 'PURCHASE-ORDERS', status),
};

export const quoteKeys = {
  quote: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'QUOTE', id), SK: 'QUOTE' }),
  /** The email of one revision, sent once. */
  mail: (t: TenantId, id: string, revision: number) => ({
    PK: tenantKey(t, 'QUOTE', id),
    SK: `MAIL#${revision}`,
  }),
  /** GSI1: an owner's quotes by status, newest first. */
  byOwner: (t: TenantId, ownerId: string | undefined) => tenantKey(t, 'QUOTES-OF', owner(ownerId)),
  /** GSI2 (sparse, sent quotes only): by last valid day, for the expiry job. */
  sentByValidity: (t: TenantId) => tenantKey(t, 'QUOTES-SENT'),
  /** GSI3: a contact's quotes, newest first. */
  byContact: (t: TenantId, contactId: string) => tenantKey(t, 'QUOTES-FOR', contactId),
};

export const orderKeys = {
  order: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'ORDER', id), SK: 'ORDER' }),
  /** GSI1: orders in a status, newest first. */
  byStatus: (t: TenantId, status: string) => tenantKey(t, 'ORDERS', status),
  /** GSI3: a contact's orders, newest first. */
  byContact: (t: TenantId, contactId: string) => tenantKey(t, 'ORDERS-FOR', contactId),
};

/** Purchase history lives in the contact's partition (sort keys reserved for sales). */
export const purchaseKeys = {
  summary: (t: TenantId, contactId: string) => ({
    PK: contactKeys.partition(t, contactId),
    SK: 'PURCHASE-SUMMARY',
  }),
  bought: (t: TenantId, contactId: string, productId: string) => ({
    PK: contactKeys.partition(t, contactId),
    SK: `BOUGHT#${productId}`,
  }),
  contactPartition: (t: TenantId, contactId: string) => contactKeys.partition(t, contactId),
  /** GSI5: contacts by last purchase date. */
  byLastPurchase: (t: TenantId) => tenantKey(t, 'LAST-PURCHASE'),
  /** GSI6: the contacts who bought a product. */
  buyersOf: (t: TenantId, productId: string) => tenantKey(t, 'BOUGHT', productId),
};
