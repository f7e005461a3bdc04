import {
  createInvoice,
  getInvoice,
  issueInvoice,
  listInvoices,
  markUncollectible,
  updateInvoice,
  voidInvoice,
} from '../../shared/invoicing/invoices.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS } from '../../shared/platform/pages/options.ts';
import { expandableKinds } from '../app/expansions.ts';
import { invoicingRoutes } from '../app/invoicing.ts';
import { recordKinds } from '../app/records.ts';

/*
 * Invoices load with the function. Each other feature loads on its first request, so a cold start
 * does not load every feature's code: the printable invoice and its page renderer, payments, aging,
 * the dunning policy, billing profiles, invoicing an order (which reads the sales module).
 */
const fromOrder = () => import('../../shared/invoicing/from-order.ts');
const aging = () => import('../../shared/invoicing/aging.ts');
const payments = () => import('../../shared/invoicing/payments.ts');
const timeline = () => import('../../shared/invoicing/timeline.ts');
const records = () => import('../../shared/invoicing/records.ts');
const pages = () => import('../../shared/platform/pages/reply.ts');
const print = () => import('../../shared/invoicing/print.tsx');
const policy = () => import('../../shared/invoicing/policy.ts');
const billing = () => import('../../shared/invoicing/billing.ts');

export const handler = httpHandler(
  invoicingRoutes,
  {
    createInvoice: ({ ctx, body }) => createInvoice(ctx, body),
    invoiceOrder: async ({ ctx, params, body }) => (await fromOrder()).invoiceOrder(ctx, params.id, body),
    listInvoices: ({ ctx, query }) => listInvoices(ctx, query),
    invoiceAging: async ({ ctx, query }) => (await aging()).agingReport(ctx, query.asOf),
    getInvoice: ({ ctx, params }) => getInvoice(ctx, params.id),
    updateInvoice: ({ ctx, params, body, ifMatch }) => updateInvoice(ctx, params.id, body, ifMatch),
    issueInvoice: ({ ctx, params, ifMatch }) => issueInvoice(ctx, params.id, ifMatch),
    voidInvoice: ({ ctx, params, ifMatch }) => voidInvoice(ctx, params.id, ifMatch),
    markUncollectible: ({ ctx, params, ifMatch }) => markUncollectible(ctx, params.id, ifMatch),
    recordPayment: async ({ ctx, params, body }) => {
      const { payment, invoice, replayed } = await (await payments()).recordPayment(ctx, params.id, body);
      return reply({ payment, invoice }, { status: replayed ? 200 : 201 });
    },
    listPayments: async ({ ctx, params, query }) => (await payments()).listPayments(ctx, params.id, query),
    invoiceTimeline: async ({ ctx, params, query }) => {
      await (await records()).getStoredInvoice(ctx, params.id);
      return (await timeline()).listInvoiceTimeline(ctx, params.id, query);
    },
    printInvoice: async (request) => {
      const [{ printInvoice }, { pageReply }] = await Promise.all([print(), pages()]);
      return pageReply(await printInvoice(request.ctx, request.params.id), request);
    },
    getDunningPolicy: async ({ ctx }) => (await policy()).getDunningPolicy(ctx),
    saveDunningPolicy: async ({ ctx, body, ifMatch }) =>
      (await policy()).saveDunningPolicy(ctx, body, ifMatch),
    getBillingProfile: async ({ ctx, params }) => (await billing()).getBillingProfile(ctx, params.id),
    updateBillingProfile: async ({ ctx, params, body, ifMatch }) =>
      (await billing()).updateBillingProfile(ctx, params.id, body, ifMatch),
  },
  {
    ...PAGE_OPTIONS,
    records: recordKinds,
    expansions: expandableKinds,
  },
);
