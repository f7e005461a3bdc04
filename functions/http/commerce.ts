import { runBatch, singleWrite as write } from '../../shared/platform/http/batch.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { commerceRoutes } from '../app/commerce.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';

/*
 * The catalogue, quotes, orders and purchasing (functions/app/commerce.ts). Each feature loads on
 * its first request, so a cold start does not load every feature's code and what it uses
 * (contact creation, pricing, mail rendering). Quotes list, like deals, default to the caller's.
 */
const products = () => import('../../shared/sales/products.ts');
const stock = () => import('../../shared/sales/stock.ts');
const purchases = () => import('../../shared/sales/purchases.ts');
const priceLists = () => import('../../shared/sales/price-lists.ts');
const quotes = () => import('../../shared/sales/quotes.ts');
const orders = () => import('../../shared/sales/orders.ts');
const suppliers = () => import('../../shared/sales/suppliers.ts');
const purchaseOrders = () => import('../../shared/sales/purchase-orders.ts');

export const handler = httpHandler(
  commerceRoutes,
  {
    createProduct: async ({ ctx, body }) => (await products()).createProduct(ctx, body),
    batchProducts: async ({ ctx, body, requestId, event }) => {
      const { createProduct, findProductIdBySku, updateProduct } = await products();
      return runBatch(
        ctx,
        body.records,
        {
          create: { ...write(commerceRoutes.createProduct), run: createProduct },
          update: {
            ...write(commerceRoutes.updateProduct),
            run: (c, id, data) => updateProduct(c, id, data),
          },
          match: { field: 'sku', find: findProductIdBySku },
        },
        recordKinds,
        { requestId, instance: event.rawPath },
      );
    },
    listProducts: async ({ ctx, query }) =>
      (await products()).listProducts(ctx, {
        ...query,
        active: query.active === undefined ? undefined : query.active === 'true',
      }),
    getProduct: async ({ ctx, params }) => (await products()).getProduct(ctx, params.id),
    updateProduct: async ({ ctx, params, body, ifMatch }) =>
      (await products()).updateProduct(ctx, params.id, body, ifMatch),
    configureProduct: async ({ ctx, params, body }) =>
      (await products()).configureProduct(ctx, params.id, body),
    getStock: async ({ ctx, params }) => (await stock()).getStock(ctx, params.id),
    updateStockSettings: async ({ ctx, params, body, ifMatch }) =>
      (await stock()).updateStockSettings(ctx, params.id, body, ifMatch),
    adjustStock: async ({ ctx, params, body }) => (await stock()).adjustStock(ctx, params.id, body),
    listProductBuyers: async ({ ctx, params, query }) => {
      await (await products()).getProduct(ctx, params.id);
      return (await purchases()).buyersOf(ctx, params.id, query);
    },

    createPriceList: async ({ ctx, body }) => (await priceLists()).createPriceList(ctx, body),
    listPriceLists: async ({ ctx, query }) => (await priceLists()).listPriceLists(ctx, query),
    getPriceList: async ({ ctx, params }) => (await priceLists()).getPriceList(ctx, params.id),
    updatePriceList: async ({ ctx, params, body, ifMatch }) =>
      (await priceLists()).updatePriceList(ctx, params.id, body, ifMatch),
    listPriceListPrices: async ({ ctx, params, query }) =>
      (await priceLists()).listPrices(ctx, params.id, query),
    setPriceListPrice: async ({ ctx, params, body }) =>
      (await priceLists()).setListPrice(ctx, params.id, params.productId, body.unitAmount),
    removePriceListPrice: async ({ ctx, params }) => {
      await (await priceLists()).removeListPrice(ctx, params.id, params.productId);
      return noContent();
    },

    createQuote: async ({ ctx, body }) => (await quotes()).createQuote(ctx, body),
    listQuotes: async ({ ctx, query, principal }) =>
      (await quotes()).listQuotes(ctx, {
        ...query,
        ownerId: query.ownerId === 'unassigned' ? 'unassigned' : (query.ownerId ?? principal!.memberId),
      }),
    getQuote: async ({ ctx, params }) => (await quotes()).getQuote(ctx, params.id),
    updateQuote: async ({ ctx, params, body, ifMatch }) =>
      (await quotes()).updateQuote(ctx, params.id, body, ifMatch),
    sendQuote: async ({ ctx, params, ifMatch }) => (await quotes()).sendQuote(ctx, params.id, ifMatch),
    acceptQuote: async ({ ctx, params, ifMatch }) => (await quotes()).acceptQuote(ctx, params.id, ifMatch),
    rejectQuote: async ({ ctx, params, body, ifMatch }) =>
      (await quotes()).rejectQuote(ctx, params.id, body.reason, ifMatch),

    placeOrder: async ({ ctx, body }) => (await orders()).placeOrder(ctx, body),
    listOrders: async ({ ctx, query }) => (await orders()).listOrders(ctx, query),
    getOrder: async ({ ctx, params }) => (await orders()).getOrder(ctx, params.id),
    fulfilOrder: async ({ ctx, params, ifMatch }) => (await orders()).fulfilOrder(ctx, params.id, ifMatch),
    cancelOrder: async ({ ctx, params, ifMatch }) => (await orders()).cancelOrder(ctx, params.id, ifMatch),
    returnOrder: async ({ ctx, params, body, ifMatch }) =>
      (await orders()).returnOrder(ctx, params.id, body, ifMatch),
    getContactPurchases: async ({ ctx, params, query }) =>
      (await purchases()).contactPurchases(ctx, params.id, query),

    createSupplier: async ({ ctx, body }) => (await suppliers()).createSupplier(ctx, body),
    listSuppliers: async ({ ctx, query }) => (await suppliers()).listSuppliers(ctx, query),
    getSupplier: async ({ ctx, params }) => (await suppliers()).getSupplier(ctx, params.id),
    updateSupplier: async ({ ctx, params, body, ifMatch }) =>
      (await suppliers()).updateSupplier(ctx, params.id, body, ifMatch),
    createPurchaseOrder: async ({ ctx, body }) => (await purchaseOrders()).createPurchaseOrder(ctx, body),
    listPurchaseOrders: async ({ ctx, query }) => (await purchaseOrders()).listPurchaseOrders(ctx, query),
    getPurchaseOrder: async ({ ctx, params }) => (await purchaseOrders()).getPurchaseOrder(ctx, params.id),
    sendPurchaseOrder: async ({ ctx, params, ifMatch }) =>
      (await purchaseOrders()).sendPurchaseOrder(ctx, params.id, ifMatch),
    receivePurchaseOrder: async ({ ctx, params, ifMatch }) =>
      (await purchaseOrders()).receivePurchaseOrder(ctx, params.id, ifMatch),
    cancelPurchaseOrder: async ({ ctx, params, ifMatch }) =>
      (await purchaseOrders()).cancelPurchaseOrder(ctx, params.id, ifMatch),
  },
  { records: recordKinds, expansions: expandableKinds },
);
