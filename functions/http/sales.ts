import { runBatch, singleWrite as write } from '../../shared/platform/http/batch.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { getAssignmentRules, setAssignmentRules } from '../../shared/sales/assignment.ts';
import { createDeal, dealStageHistory, getDeal, listDeals, updateDeal } from '../../shared/sales/deals.ts';
import { convertLead, createLead, getLead, listLeads, updateLead } from '../../shared/sales/leads.ts';
import {
  cancelOrder,
  fulfilOrder,
  getOrder,
  listOrders,
  placeOrder,
  returnOrder,
} from '../../shared/sales/orders.ts';
import {
  createPipeline,
  getPipeline,
  listPipelines,
  listStageChanges,
  pipelineFunnel,
  updatePipeline,
} from '../../shared/sales/pipelines.ts';
import {
  createPriceList,
  getPriceList,
  listPriceLists,
  listPrices,
  removeListPrice,
  setListPrice,
  updatePriceList,
} from '../../shared/sales/price-lists.ts';
import {
  configureProduct,
  createProduct,
  findProductIdBySku,
  getProduct,
  listProducts,
  updateProduct,
} from '../../shared/sales/products.ts';
import {
  cancelPurchaseOrder,
  createPurchaseOrder,
  getPurchaseOrder,
  listPurchaseOrders,
  receivePurchaseOrder,
  sendPurchaseOrder,
} from '../../shared/sales/purchase-orders.ts';
import { buyersOf, contactPurchases } from '../../shared/sales/purchases.ts';
import {
  acceptQuote,
  createQuote,
  getQuote,
  listQuotes,
  rejectQuote,
  sendQuote,
  updateQuote,
} from '../../shared/sales/quotes.ts';
import { adjustStock, getStock, updateStockSettings } from '../../shared/sales/stock.ts';
import { createSupplier, getSupplier, listSuppliers, updateSupplier } from '../../shared/sales/suppliers.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';
import { salesRoutes } from '../app/sales.ts';

/** Lists "of an owner" default to the caller; `unassigned` asks for records nobody owns. */
const ownerOrCaller = (ownerId: string | undefined, memberId: string) => ownerId ?? memberId;

export const handler = httpHandler(
  salesRoutes,
  {
    createLead: ({ ctx, body }) => createLead(ctx, body),
    listLeads: ({ ctx, query }) => listLeads(ctx, query),
    getLead: ({ ctx, params }) => getLead(ctx, params.id),
    updateLead: ({ ctx, params, body, ifMatch }) => updateLead(ctx, params.id, body, ifMatch),
    convertLead: ({ ctx, params, body }) => convertLead(ctx, params.id, body),
    getLeadAssignmentRules: ({ ctx }) => getAssignmentRules(ctx),
    setLeadAssignmentRules: ({ ctx, body, ifMatch }) => setAssignmentRules(ctx, body.rules, ifMatch),

    createPipeline: ({ ctx, body }) => createPipeline(ctx, body),
    listPipelines: ({ ctx, query }) => listPipelines(ctx, query),
    getPipeline: ({ ctx, params }) => getPipeline(ctx, params.id),
    updatePipeline: ({ ctx, params, body, ifMatch }) => updatePipeline(ctx, params.id, body, ifMatch),
    getPipelineFunnel: ({ ctx, params }) => pipelineFunnel(ctx, params.id),
    listStageChanges: ({ ctx, params, query }) => listStageChanges(ctx, params.id, query),

    createDeal: ({ ctx, body }) => createDeal(ctx, body),
    listDeals: ({ ctx, query, principal }) =>
      listDeals(ctx, {
        ...query,
        ownerId:
          query.ownerId === 'unassigned' ? undefined : ownerOrCaller(query.ownerId, principal!.memberId),
      }),
    getDeal: ({ ctx, params }) => getDeal(ctx, params.id),
    updateDeal: ({ ctx, params, body, ifMatch }) => updateDeal(ctx, params.id, body, ifMatch),
    getDealStageHistory: ({ ctx, params, query }) => dealStageHistory(ctx, params.id, query),

    createProduct: ({ ctx, body }) => createProduct(ctx, body),
    batchProducts: ({ ctx, body, requestId, event }) =>
      runBatch(
        ctx,
        body.records,
        {
          create: { ...write(salesRoutes.createProduct), run: createProduct },
          update: { ...write(salesRoutes.updateProduct), run: (c, id, data) => updateProduct(c, id, data) },
          match: { field: 'sku', find: findProductIdBySku },
        },
        recordKinds,
        { requestId, instance: event.rawPath },
      ),
    listProducts: ({ ctx, query }) =>
      listProducts(ctx, {
        ...query,
        active: query.active === undefined ? undefined : query.active === 'true',
      }),
    getProduct: ({ ctx, params }) => getProduct(ctx, params.id),
    updateProduct: ({ ctx, params, body, ifMatch }) => updateProduct(ctx, params.id, body, ifMatch),
    configureProduct: ({ ctx, params, body }) => configureProduct(ctx, params.id, body),
    getStock: ({ ctx, params }) => getStock(ctx, params.id),
    updateStockSettings: ({ ctx, params, body, ifMatch }) =>
      updateStockSettings(ctx, params.id, body, ifMatch),
    adjustStock: ({ ctx, params, body }) => adjustStock(ctx, params.id, body),
    listProductBuyers: async ({ ctx, params, query }) => {
      await getProduct(ctx, params.id);
      return buyersOf(ctx, params.id, query);
    },

    createPriceList: ({ ctx, body }) => createPriceList(ctx, body),
    listPriceLists: ({ ctx, query }) => listPriceLists(ctx, query),
    getPriceList: ({ ctx, params }) => getPriceList(ctx, params.id),
    updatePriceList: ({ ctx, params, body, ifMatch }) => updatePriceList(ctx, params.id, body, ifMatch),
    listPriceListPrices: ({ ctx, params, query }) => listPrices(ctx, params.id, query),
    setPriceListPrice: ({ ctx, params, body }) =>
      setListPrice(ctx, params.id, params.productId, body.unitAmount),
    removePriceListPrice: async ({ ctx, params }) => {
      await removeListPrice(ctx, params.id, params.productId);
      return noContent();
    },

    createQuote: ({ ctx, body }) => createQuote(ctx, body),
    listQuotes: ({ ctx, query, principal }) =>
      listQuotes(ctx, {
        ...query,
        ownerId:
          query.ownerId === 'unassigned' ? 'unassigned' : ownerOrCaller(query.ownerId, principal!.memberId),
      }),
    getQuote: ({ ctx, params }) => getQuote(ctx, params.id),
    updateQuote: ({ ctx, params, body, ifMatch }) => updateQuote(ctx, params.id, body, ifMatch),
    sendQuote: ({ ctx, params, ifMatch }) => sendQuote(ctx, params.id, ifMatch),
    acceptQuote: ({ ctx, params, ifMatch }) => acceptQuote(ctx, params.id, ifMatch),
    rejectQuote: ({ ctx, params, body, ifMatch }) => rejectQuote(ctx, params.id, body.reason, ifMatch),

    placeOrder: ({ ctx, body }) => placeOrder(ctx, body),
    listOrders: ({ ctx, query }) => listOrders(ctx, query),
    getOrder: ({ ctx, params }) => getOrder(ctx, params.id),
    fulfilOrder: ({ ctx, params, ifMatch }) => fulfilOrder(ctx, params.id, ifMatch),
    cancelOrder: ({ ctx, params, ifMatch }) => cancelOrder(ctx, params.id, ifMatch),
    returnOrder: ({ ctx, params, body, ifMatch }) => returnOrder(ctx, params.id, body, ifMatch),
    getContactPurchases: ({ ctx, params, query }) => contactPurchases(ctx, params.id, query),

    createSupplier: ({ ctx, body }) => createSupplier(ctx, body),
    listSuppliers: ({ ctx, query }) => listSuppliers(ctx, query),
    getSupplier: ({ ctx, params }) => getSupplier(ctx, params.id),
    updateSupplier: ({ ctx, params, body, ifMatch }) => updateSupplier(ctx, params.id, body, ifMatch),
    createPurchaseOrder: ({ ctx, body }) => createPurchaseOrder(ctx, body),
    listPurchaseOrders: ({ ctx, query }) => listPurchaseOrders(ctx, query),
    getPurchaseOrder: ({ ctx, params }) => getPurchaseOrder(ctx, params.id),
    sendPurchaseOrder: ({ ctx, params, ifMatch }) => sendPurchaseOrder(ctx, params.id, ifMatch),
    receivePurchaseOrder: ({ ctx, params, ifMatch }) => receivePurchaseOrder(ctx, params.id, ifMatch),
    cancelPurchaseOrder: ({ ctx, params, ifMatch }) => cancelPurchaseOrder(ctx, params.id, ifMatch),
  },
  { records: recordKinds, expansions: expandableKinds },
);
