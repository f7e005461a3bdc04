import { agingReport } from '../../shared/invoicing/aging.ts';
import { getBillingProfile, updateBillingProfile } from '../../shared/invoicing/billing.ts';
import { invoiceOrder } from '../../shared/invoicing/from-order.ts';
import {
  createInvoice,
  getInvoice,
  issueInvoice,
  listInvoices,
  markUncollectible,
  updateInvoice,
  voidInvoice,
} from '../../shared/invoicing/invoices.ts';
import { listPayments, recordPayment } from '../../shared/invoicing/payments.ts';
import { getDunningPolicy, saveDunningPolicy } from '../../shared/invoicing/policy.ts';
import { printInvoice } from '../../shared/invoicing/print.tsx';
import { getStoredInvoice } from '../../shared/invoicing/records.ts';
import { listInvoiceTimeline } from '../../shared/invoicing/timeline.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS, pageReply } from '../../shared/platform/pages/reply.ts';
import { expandableKinds } from '../app/expansions.ts';
import { invoicingRoutes } from '../app/invoicing.ts';
import { recordKinds } from '../app/records.ts';

export const handler = httpHandler(
  invoicingRoutes,
  {
    createInvoice: ({ ctx, body }) => createInvoice(ctx, body),
    invoiceOrder: ({ ctx, params, body }) => invoiceOrder(ctx, params.id, body),
    listInvoices: ({ ctx, query }) => listInvoices(ctx, query),
    invoiceAging: ({ ctx, query }) => agingReport(ctx, query.asOf),
    getInvoice: ({ ctx, params }) => getInvoice(ctx, params.id),
    updateInvoice: ({ ctx, params, body, ifMatch }) => updateInvoice(ctx, params.id, body, ifMatch),
    issueInvoice: ({ ctx, params, ifMatch }) => issueInvoice(ctx, params.id, ifMatch),
    voidInvoice: ({ ctx, params, ifMatch }) => voidInvoice(ctx, params.id, ifMatch),
    markUncollectible: ({ ctx, params, ifMatch }) => markUncollectible(ctx, params.id, ifMatch),
    recordPayment: async ({ ctx, params, body }) => {
      const { payment, invoice, replayed } = await recordPayment(ctx, params.id, body);
      return reply({ payment, invoice }, { status: replayed ? 200 : 201 });
    },
    listPayments: ({ ctx, params, query }) => listPayments(ctx, params.id, query),
    invoiceTimeline: async ({ ctx, params, query }) => {
      await getStoredInvoice(ctx, params.id);
      return listInvoiceTimeline(ctx, params.id, query);
    },
    printInvoice: async (request) => pageReply(await printInvoice(request.ctx, request.params.id), request),
    getDunningPolicy: ({ ctx }) => getDunningPolicy(ctx),
    saveDunningPolicy: ({ ctx, body, ifMatch }) => saveDunningPolicy(ctx, body, ifMatch),
    getBillingProfile: ({ ctx, params }) => getBillingProfile(ctx, params.id),
    updateBillingProfile: ({ ctx, params, body, ifMatch }) =>
      updateBillingProfile(ctx, params.id, body, ifMatch),
  },
  { ...PAGE_OPTIONS, records: recordKinds, expansions: expandableKinds },
);
