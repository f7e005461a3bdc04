import { activityKeys, contactKeys } from '../contacts/keys.ts';
import { invoiceKeys } from '../invoicing/keys.ts';
import { campaignKeys, mailingKeys, SEND_SHARDS } from '../marketing/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItems, type Item, type QuerySpec, queryAll, queryPage } from '../platform/db/repository.ts';
import { daysBetween, localDate } from '../platform/time.ts';
import { ORDER_STATUSES } from '../sales/commerce-schema.ts';
import { dealKeys, leadKeys, orderKeys, pipelineKeys, quoteKeys } from '../sales/keys.ts';
import { LEAD_STATUSES } from '../sales/schema.ts';
import { responseKeys, surveyKeys } from '../surveys/keys.ts';
import { taskKeys } from '../tasks/keys.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant } from '../tenancy/records.ts';

/**
 * What the backfill rebuilds, source by source: the index queries that list a kind of record
 * (never a scan), and the events each record stands for, dated when they happened. Records keep
 * only their last state and a few timestamps, so what cannot be read back from them is not
 * invented: docs/analytics.md lists, per source, what is rebuilt and what is not.
 */
export interface SyntheticEvent {
  type: string;
  source: string;
  at: string | undefined;
  /** What makes the event unique among the record's events. */
  key: string;
  detail: Record<string, unknown>;
}

export interface Source {
  name: string;
  /** The index queries that list the records, in order. */
  queries(ctx: TenantContext): Promise<QuerySpec[]>;
  events(ctx: TenantContext, items: Item[]): Promise<SyntheticEvent[]>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const defined = (detail: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined && v !== null));
/** A send record's milestones, as the SES events that set them. */
const SES_MILESTONES: Array<[string, string, string?]> = [
  ['sentAt', 'Send'],
  ['deliveredAt', 'Delivery'],
  ['bouncedAt', 'Bounce', 'Permanent'],
  ['softBouncedAt', 'Bounce', 'Transient'],
  ['complainedAt', 'Complaint'],
  ['rejectedAt', 'Reject'],
  ['openedAt', 'Open'],
  ['clickedAt', 'Click'],
];
const ids = (items: Item[]) => items.map((item) => String(item.id));

/** `work` over `items`, `size` at a time, in order: bounded parallel reads. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

/** The members, deactivated ones included (their records stay theirs), and "unassigned". */
async function ownersOf(ctx: TenantContext): Promise<Array<string | undefined>> {
  const members = await queryAll(ctx, {
    partition: tenancyKeys.members(ctx.tenantId),
    sort: { beginsWith: 'MEMBER#' },
  });
  return [...ids(members), undefined];
}

export const SOURCES: Source[] = [
  {
    name: 'contacts',
    queries: async (ctx) => [{ index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) }],
    // Its creation, and each change its history kept: which fields changed, never their values.
    async events(ctx, contacts) {
      const changes = await inBatches(contacts, 25, (c) =>
        queryAll(ctx, {
          partition: contactKeys.partition(ctx.tenantId, String(c.id)),
          sort: { beginsWith: 'HIST#' },
        }),
      );
      return contacts.flatMap((c, i) => {
        const facts = { contactId: c.id, ownerId: c.ownerId, lifecycleStage: c.lifecycleStage ?? 'lead' };
        return [
          {
            type: 'ContactCreated',
            source: 'funnel.contacts',
            at: str(c.createdAt),
            key: String(c.id),
            detail: defined(facts),
          },
          ...(changes[i] ?? [])
            .filter((entry) => entry.action === 'updated')
            .map((entry) => ({
              type: 'ContactUpdated',
              source: 'funnel.contacts',
              at: str(entry.at),
              key: String(entry.id),
              detail: defined({ ...facts, fields: Object.keys((entry.changes ?? {}) as object) }),
            })),
        ];
      });
    },
  },
  {
    name: 'deals',
    async queries(ctx) {
      const pipelines: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryPage(
          ctx,
          { index: 'GSI1', partition: pipelineKeys.all(ctx.tenantId) },
          { limit: 100, cursor },
        );
        pipelines.push(...page.items.map((p) => String((p as Item).id)));
        cursor = page.nextCursor;
      } while (cursor);
      return pipelines.map((id) => ({
        index: 'GSI1' as const,
        partition: pipelineKeys.stageChanges(ctx.tenantId, id),
      }));
    },
    async events(ctx, changes) {
      const deals = new Map(
        (
          await getItems(
            ctx,
            [...new Set(changes.map((c) => String(c.dealId)))].map((id) => dealKeys.deal(ctx.tenantId, id)),
          )
        ).map((d) => [String(d.id), d]),
      );
      const pipelines = new Map(
        (
          await getItems(
            ctx,
            [...new Set(changes.map((c) => String(c.pipelineId)))].map((id) =>
              pipelineKeys.pipeline(ctx.tenantId, id),
            ),
          )
        ).map((p) => [String(p.id), p]),
      );
      return changes.flatMap((change) => {
        const deal = deals.get(String(change.dealId));
        if (!deal) return [];
        const facts = {
          dealId: deal.id,
          pipelineId: change.pipelineId,
          amount: deal.amount,
          currency: deal.currency,
          ownerId: deal.ownerId,
        };
        const at = str(change.at);
        if (!change.fromStageId)
          return [
            {
              type: 'DealCreated',
              source: 'funnel.sales',
              at,
              key: String(change.id),
              detail: defined({ ...facts, stageId: change.toStageId }),
            },
          ];
        const stage = (
          (pipelines.get(String(change.pipelineId))?.stages ?? []) as Array<{ id: string; outcome: string }>
        ).find((s) => s.id === change.toStageId);
        const events: SyntheticEvent[] = [
          {
            type: 'DealStageChanged',
            source: 'funnel.sales',
            at,
            key: String(change.id),
            detail: defined({
              ...facts,
              fromStageId: change.fromStageId,
              toStageId: change.toStageId,
              status: stage?.outcome ?? 'open',
              secondsInPreviousStage: change.secondsInPreviousStage,
            }),
          },
        ];
        if (stage?.outcome === 'won')
          events.push({
            type: 'DealWon',
            source: 'funnel.sales',
            at,
            key: String(change.id),
            detail: defined({ ...facts, contactIds: deal.contactIds ?? [] }),
          });
        if (stage?.outcome === 'lost')
          events.push({
            type: 'DealLost',
            source: 'funnel.sales',
            at,
            key: String(change.id),
            detail: defined(facts),
          });
        return events;
      });
    },
  },
  {
    name: 'orders',
    queries: async (ctx) =>
      ORDER_STATUSES.map((status) => ({
        index: 'GSI1' as const,
        partition: orderKeys.byStatus(ctx.tenantId, status),
      })),
    events: async (_, orders) =>
      orders.flatMap((o) => {
        const facts = {
          orderId: o.id,
          contactId: o.contactId,
          ownerId: o.ownerId,
          productIds: ((o.lines ?? []) as Array<{ productId: string }>).map((l) => l.productId),
        };
        const events: SyntheticEvent[] = [
          {
            type: 'OrderPlaced',
            source: 'funnel.sales',
            at: str(o.placedAt),
            key: String(o.id),
            detail: defined({
              ...facts,
              quoteId: o.quoteId,
              dealId: o.dealId,
              total: o.total,
              currency: o.currency,
              backordered: false,
            }),
          },
        ];
        if (o.fulfilledAt)
          events.push({
            type: 'OrderFulfilled',
            source: 'funnel.sales',
            at: str(o.fulfilledAt),
            key: String(o.id),
            detail: defined(facts),
          });
        if (o.cancelledAt)
          events.push({
            type: 'OrderCancelled',
            source: 'funnel.sales',
            at: str(o.cancelledAt),
            key: String(o.id),
            detail: defined(facts),
          });
        return events;
      }),
  },
  {
    name: 'invoices',
    queries: async (ctx) => [{ index: 'GSI1', partition: invoiceKeys.all(ctx.tenantId) }],
    events: async (ctx, invoices) => {
      const { timeZone } = await getTenant(ctx);
      const issued = invoices.filter((i) => i.issuedAt && i.number);
      const partitions = new Map(
        (await inBatches(issued, 25, (i) => paymentsAndNotices(ctx, String(i.id)))).map((p, n) => [
          String(issued[n]!.id),
          p,
        ]),
      );
      return invoices.flatMap((i) => {
        if (!i.issuedAt || !i.number) return [];
        const base = { invoiceId: i.id, number: i.number, contactId: i.contactId, currency: i.currency };
        const events: SyntheticEvent[] = [
          {
            type: 'InvoiceIssued',
            source: 'funnel.invoicing',
            at: str(i.issuedAt),
            key: String(i.id),
            detail: defined({
              ...base,
              companyId: i.companyId,
              total: i.total,
              issueDate: i.issueDate,
              dueDate: i.dueDate,
            }),
          },
        ];
        // Each payment with what was still due after it, in the order they were recorded.
        let due = Number(i.total);
        for (const payment of partitions.get(String(i.id))?.payments ?? []) {
          due -= Number(payment.amount);
          events.push({
            type: 'PaymentRecorded',
            source: 'funnel.invoicing',
            at: str(payment.paidAt),
            key: String(payment.id),
            detail: defined({
              invoiceId: i.id,
              paymentId: payment.id,
              contactId: i.contactId,
              amount: payment.amount,
              currency: payment.currency ?? i.currency,
              paidAt: payment.paidAt,
              method: payment.method,
              amountDue: due,
              status: due === 0 ? 'paid' : 'partially_paid',
            }),
          });
        }
        if (i.paidAt)
          events.push({
            type: 'InvoicePaid',
            source: 'funnel.invoicing',
            at: str(i.paidAt),
            key: String(i.id),
            detail: defined({ ...base, total: i.total, paidAt: i.paidAt }),
          });
        if (i.voidedAt)
          events.push({
            type: 'InvoiceVoided',
            source: 'funnel.invoicing',
            at: str(i.voidedAt),
            key: String(i.id),
            detail: defined({
              invoiceId: i.id,
              number: i.number,
              contactId: i.contactId,
              voidedAt: i.voidedAt,
            }),
          });
        // The notices that went out; their days overdue counted from the due date to the tenant's
        // date of the sending, as the sweep counts them.
        for (const notice of partitions.get(String(i.id))?.notices ?? []) {
          const daysOverdue = daysBetween(
            String(i.dueDate),
            localDate(new Date(String(notice.sentAt)), timeZone),
          );
          events.push({
            type: 'DunningNoticeSent',
            source: 'funnel.invoicing',
            at: str(notice.sentAt),
            key: String(notice.SK),
            detail: defined({
              invoiceId: i.id,
              number: i.number,
              contactId: i.contactId,
              levelId: notice.levelId,
              offsetDays: daysOverdue,
              recipient: notice.recipient,
              to: notice.to,
              messageId: notice.messageId,
              daysOverdue,
            }),
          });
        }
        return events;
      });
    },
  },
  {
    name: 'survey-responses',
    async queries(ctx) {
      const surveys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryPage(
          ctx,
          { index: 'GSI1', partition: surveyKeys.list(ctx.tenantId) },
          { limit: 100, cursor },
          (item) => item,
        );
        surveys.push(...page.items.map((s) => String(s.id)));
        cursor = page.nextCursor;
      } while (cursor);
      return surveys.map((id) => ({
        index: 'GSI1' as const,
        partition: responseKeys.ofSurvey(ctx.tenantId, id),
      }));
    },
    // The scores only: the answers' free text has no column in the warehouse.
    events: async (_, responses) =>
      responses.map((r) => ({
        type: 'SurveyResponded',
        source: 'funnel.surveys',
        at: str(r.submittedAt),
        key: String(r.id),
        detail: defined({
          surveyId: r.surveyId,
          responseId: r.id,
          contactId: r.contactId,
          nps: r.nps,
          csat: r.csat,
          waveId: r.waveId,
          revision: r.revision,
          channel: r.channel,
        }),
      })),
  },
  {
    name: 'leads',
    queries: async (ctx) =>
      LEAD_STATUSES.map((status) => ({
        index: 'GSI1' as const,
        partition: leadKeys.byStatus(ctx.tenantId, status),
      })),
    // Its arrival, its last assignment (the history keeps earlier owners only as text) and its
    // conversion; status moves in between are not rebuilt.
    events: async (_, leads) =>
      leads.flatMap((l) => {
        const history = (l.history ?? []) as Array<{ at: string; action: string }>;
        const events: SyntheticEvent[] = [
          {
            type: 'LeadReceived',
            source: 'funnel.sales',
            at: str(l.receivedAt) ?? str(l.createdAt),
            key: String(l.id),
            detail: defined({
              leadId: l.id,
              source: l.source,
              score: l.score,
              region: l.region,
              ownerId: l.ownerId,
            }),
          },
        ];
        const assigned = history.filter((h) => h.action === 'assigned').at(-1);
        if (assigned && l.ownerId)
          events.push({
            type: 'LeadAssigned',
            source: 'funnel.sales',
            at: assigned.at,
            key: String(l.id),
            detail: defined({ leadId: l.id, ownerId: l.ownerId, ruleId: l.assignedByRule }),
          });
        const conversion = l.conversion as
          | { contactId: string; companyId?: string; dealId: string; convertedAt: string }
          | undefined;
        if (conversion)
          events.push({
            type: 'LeadConverted',
            source: 'funnel.sales',
            at: conversion.convertedAt,
            key: String(l.id),
            detail: defined({
              leadId: l.id,
              contactId: conversion.contactId,
              companyId: conversion.companyId,
              dealId: conversion.dealId,
              ownerId: l.ownerId,
            }),
          });
        return events;
      }),
  },
  {
    name: 'activities',
    queries: async (ctx) => [{ index: 'GSI4', partition: activityKeys.all(ctx.tenantId) }],
    events: async (_, activities) =>
      activities.map((a) => ({
        type: 'ActivityLogged',
        source: 'funnel.contacts',
        at: str(a.at),
        key: String(a.id),
        detail: defined({
          activityId: a.id,
          activityType: a.type,
          contactIds: a.contactIds ?? [],
          companyId: a.companyId,
          ownerId: a.ownerId,
          at: a.at,
          outcome: (a.call as { outcome?: string } | undefined)?.outcome,
        }),
      })),
  },
  {
    name: 'tasks',
    queries: async (ctx) =>
      (await ownersOf(ctx)).map((owner) => ({
        index: 'GSI1' as const,
        partition: taskKeys.byAssignee(ctx.tenantId, owner),
      })),
    // Its creation and its closing (done or cancelled); moves in between are not rebuilt.
    events: async (_, tasks) =>
      tasks.flatMap((t) => {
        const events: SyntheticEvent[] = [
          {
            type: 'TaskCreated',
            source: 'funnel.tasks',
            at: str(t.createdAt),
            key: String(t.id),
            detail: defined({
              taskId: t.id,
              assigneeId: t.assigneeId,
              sourceType: (t.source as { type?: string } | undefined)?.type ?? 'manual',
              dueAt: t.dueAt,
              links: t.links ?? [],
            }),
          },
        ];
        if (t.closedAt && (t.status === 'done' || t.status === 'cancelled'))
          events.push({
            type: 'TaskStatusChanged',
            source: 'funnel.tasks',
            at: str(t.closedAt),
            key: String(t.id),
            detail: defined({ taskId: t.id, from: 'open', to: t.status, assigneeId: t.assigneeId }),
          });
        return events;
      }),
  },
  {
    name: 'quotes',
    queries: async (ctx) =>
      (await ownersOf(ctx)).map((owner) => ({
        index: 'GSI1' as const,
        partition: quoteKeys.byOwner(ctx.tenantId, owner),
      })),
    // The request, the first draft, the sending and the answer; revisions after sending are not.
    events: async (_, quotes) =>
      quotes.flatMap((q) => {
        const facts = { quoteId: q.id, contactId: q.contactId, ownerId: q.ownerId };
        const request = q.request as { receivedAt?: string } | undefined;
        const milestone = (type: string, at: unknown, extra: Record<string, unknown> = {}) =>
          str(at)
            ? [
                {
                  type,
                  source: 'funnel.sales',
                  at: str(at),
                  key: String(q.id),
                  detail: defined({ ...facts, ...extra }),
                },
              ]
            : [];
        return [
          ...(request ? milestone('QuoteRequested', request.receivedAt) : []),
          ...(q.status === 'requested'
            ? []
            : milestone('QuoteDrafted', request ? (q.sentAt ?? q.updatedAt) : q.createdAt, { revision: 1 })),
          ...milestone('QuoteSent', q.sentAt),
          ...milestone('QuoteAccepted', q.acceptedAt, {
            dealId: q.dealId,
            total: q.total,
            currency: q.currency,
          }),
          ...milestone('QuoteRejected', q.rejectedAt),
          ...milestone('QuoteExpired', q.expiredAt, { validUntil: q.validUntil }),
        ];
      }),
  },
  {
    name: 'email-outcomes',
    async queries(ctx) {
      const campaigns = await queryAll(ctx, { index: 'GSI1', partition: campaignKeys.all(ctx.tenantId) });
      const surveys = await queryAll(ctx, { index: 'GSI1', partition: surveyKeys.list(ctx.tenantId) });
      const waves = (
        await Promise.all(
          ids(surveys).map((id) =>
            queryAll(ctx, {
              partition: surveyKeys.partition(ctx.tenantId, id),
              sort: { beginsWith: 'WAVE#' },
            }),
          ),
        )
      ).flat();
      const mailings = [...ids(campaigns), ...waves.map((w) => String(w.id ?? w.waveId))];
      return mailings.flatMap((id) =>
        Array.from({ length: SEND_SHARDS }, (_, shard) => ({
          partition: mailingKeys.shard(ctx.tenantId, id, shard),
          sort: { beginsWith: 'SEND#' },
        })),
      );
    },
    // Each milestone SES reported, as the SES event it was (the same tags the sender sets).
    async events(ctx, sends) {
      const mailings = new Map(
        (
          await getItems(
            ctx,
            [...new Set(sends.map((s) => String(s.mailingId)))].map((id) =>
              mailingKeys.mailing(ctx.tenantId, id),
            ),
          )
        ).map((m) => [String(m.id), m]),
      );
      return sends.flatMap((send) => {
        const mailing = mailings.get(String(send.mailingId));
        if (!mailing) return [];
        const tags = {
          tenantId: [ctx.tenantId],
          category: [String(mailing.category ?? 'marketing')],
          kind: [String(mailing.kind)],
          mailingId: [String(mailing.id)],
          contactId: [String(send.contactId)],
        };
        return SES_MILESTONES.flatMap(([attribute, eventType, bounceType]) =>
          str(send[attribute])
            ? [
                {
                  type: eventType,
                  source: 'aws.ses',
                  at: str(send[attribute]),
                  key: `${String(send.mailingId)}|${String(send.contactId)}|${attribute}`,
                  detail: { eventType, mail: { tags }, ...(bounceType ? { bounce: { bounceType } } : {}) },
                },
              ]
            : [],
        );
      });
    },
  },
];

/**
 * An invoice's payments, oldest first, and its dunning notices that went out: a handful of items,
 * all in the invoice's partition, read in one query.
 */
async function paymentsAndNotices(
  ctx: TenantContext,
  invoiceId: string,
): Promise<{ payments: Item[]; notices: Item[] }> {
  const items = await queryAll(ctx, { partition: invoiceKeys.partition(ctx.tenantId, invoiceId) });
  const payments = items
    .filter((item) => String(item.SK).startsWith('PAYMENT#'))
    .sort((a, b) => String(a.recordedAt).localeCompare(String(b.recordedAt)));
  const notices = items.filter((item) => String(item.SK).startsWith('NOTICE#') && item.status === 'sent');
  return { payments, notices };
}
