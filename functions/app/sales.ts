import { commerceRoutes } from './commerce.ts';
import { pipelineRoutes } from './sales-pipeline.ts';
import { defineModule } from './types.ts';

export const sales = /* @__PURE__ */ defineModule({
  name: 'sales',
  tags: {
    Leads: 'Prospects before they are deals: assignment rules, history, conversion.',
    Deals: 'Pipelines, their stages and the deals moving through them; funnel reporting.',
    Products: 'The catalogue: products, configurator, price lists and stock.',
    Quotes: 'Requests for quotation and the quotes that answer them.',
    Orders: 'Orders, their fulfilment and returns, and what each contact bought.',
    Purchasing: 'Suppliers and the purchase orders that replenish stock.',
  },
  functions: [
    {
      name: 'sales-api',
      entry: 'functions/http/sales.ts',
      description: 'Leads, pipelines and deals over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'commerce-api',
      entry: 'functions/http/commerce.ts',
      description: 'Products, price lists, stock, quotes, orders and purchasing over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'sales-reorder',
      entry: 'functions/events/sales-reorder.ts',
      description: 'Drafts a purchase order when stock falls below a reorder point.',
      permissions: ['table:write'],
    },
    {
      name: 'sales-mail',
      entry: 'functions/events/sales-mail.ts',
      description: 'Emails sent quotes to contacts and sent purchase orders to suppliers, once each.',
      permissions: ['table:write', 'mail:send'],
    },
    {
      name: 'sales-contacts',
      entry: 'functions/events/sales-contacts.ts',
      description:
        "Moves a merged contact's purchases, leads, deals, quotes and orders; erases a contact's personal data in sales.",
      permissions: ['table:write'],
      timeoutSeconds: 300,
    },
    {
      name: 'sales-setup',
      entry: 'functions/events/sales-setup.ts',
      description: 'Gives a tenant that just signed up its default pipeline, once.',
      permissions: ['table:write'],
    },
    {
      name: 'quote-expiry',
      entry: 'functions/jobs/quote-expiry.ts',
      description: "Records as expired the sent quotes past their validity date (one tenant's run).",
      permissions: ['table:write'],
    },
    {
      name: 'purchase-history',
      entry: 'functions/streams/purchase-history.ts',
      description: "Records each placed order, once, in its contact's purchase history.",
      permissions: ['table:write'],
    },
  ],
  routes: [pipelineRoutes, commerceRoutes],
  streams: [
    {
      name: 'purchase-history',
      description: "Placed orders: the contact's purchase history follows, off the order's path.",
      target: 'purchase-history',
      filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['Order'] } } } }],
      batchSize: 100,
      retryAttempts: 10,
    },
  ],
  rules: [
    {
      name: 'sales-reorder',
      description: 'Stock moved: check the reorder point of the products concerned.',
      bus: 'domain',
      pattern: { source: ['funnel.sales'], 'detail-type': ['StockChanged'] },
      target: 'sales-reorder',
    },
    {
      name: 'sales-mail',
      description: 'A quote or a purchase order was sent: email it.',
      bus: 'domain',
      pattern: { source: ['funnel.sales'], 'detail-type': ['QuoteSent', 'PurchaseOrderSent'] },
      target: 'sales-mail',
    },
    {
      name: 'sales-contacts',
      description: 'Contacts were merged, or one was erased: move or erase what sales holds about them.',
      bus: 'domain',
      pattern: { source: ['funnel.contacts'], 'detail-type': ['ContactsMerged', 'ContactErased'] },
      target: 'sales-contacts',
    },
    {
      name: 'sales-setup',
      description: 'A tenant signed up: create its default pipeline.',
      bus: 'domain',
      pattern: { source: ['funnel.tenancy'], 'detail-type': ['TenantCreated'] },
      target: 'sales-setup',
    },
  ],
  schedules: [
    {
      name: 'quote-expiry',
      description: 'Daily, per tenant: sent quotes past their validity date become expired.',
      target: 'quote-expiry',
      kind: 'per-tenant',
      expression: 'cron(5 {dailyJobHour} * * ? *)',
    },
  ],
});
