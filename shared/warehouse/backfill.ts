import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { contactKeys } from '../contacts/keys.ts';
import { invoiceKeys } from '../invoicing/keys.ts';
import { sendMessages } from '../platform/aws/queues.ts';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import {
  getItem,
  getItems,
  type Item,
  type QuerySpec,
  queryPage,
  unitOfWork,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { dealKeys, leadKeys, orderKeys, pipelineKeys } from '../sales/keys.ts';
import { LEAD_STATUSES, ORDER_STATUSES } from '../sales/schema.ts';
import { responseKeys, surveyKeys } from '../surveys/keys.ts';
import type { Backfill, BackfillRequest } from './api-schema.ts';
import { enrichFacts } from './enrich.ts';
import { toFact } from './facts.ts';
import { writeFacts } from './parquet.ts';
import { BACKFILL_FILE_PREFIX, type FactRow, factsPrefix } from './schema.ts';
import { warehouseKeys, warehouseStatus } from './state.ts';

/**
 * The backfill: a tenant's history from before the warehouse received its events, rebuilt from
 * its records through their own indexes (never a scan), one page of records per queue message.
 * Each record becomes the events it stands for (a contact its creation, a deal stage change its
 * move, an order its placing, an invoice its issue and payment...), dated when they happened,
 * with deterministic ids; they go through the same mapping and enrichment as live events and are
 * written as one Parquet object per day and page, under keys that do not change between runs:
 * running it again overwrites the same objects, and queries count each event id once.
 *
 * Only history before `before` is written (by default the first live delivery), so live facts and
 * backfilled ones never describe the same moment twice. What it rebuilds is listed in SOURCES; the
 * dimensions looked up are today's (docs/analytics.md).
 */
const warehouseBucket = bucketName('warehouse');
const PAGE = 200;
const QUEUE = 'warehouse-backfill';

interface SyntheticEvent {
  type: string;
  source: string;
  at: string | undefined;
  /** What makes the event unique among the record's events. */
  key: string;
  detail: Record<string, unknown>;
}

interface Source {
  name: string;
  /** The index queries that list the records, in order. */
  queries(ctx: TenantContext): Promise<QuerySpec[]>;
  events(ctx: TenantContext, items: Item[]): Promise<SyntheticEvent[]>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const defined = (detail: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined && v !== null));

const SOURCES: Source[] = [
  {
    name: 'contacts',
    queries: async (ctx) => [{ index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) }],
    events: async (_, items) =>
      items.map((c) => ({
        type: 'ContactCreated',
        source: 'funnel.contacts',
        at: str(c.createdAt),
        key: String(c.id),
        detail: defined({ contactId: c.id, ownerId: c.ownerId, lifecycleStage: c.lifecycleStage ?? 'lead' }),
      })),
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
      const paymentsOf = new Map(
        await Promise.all(
          invoices
            .filter((i) => i.issuedAt && Number(i.amountPaid ?? 0) > 0)
            .map(async (i) => [String(i.id), await paymentsOfInvoice(ctx, String(i.id))] as const),
        ),
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
        for (const payment of paymentsOf.get(String(i.id)) ?? []) {
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
    events: async (_, leads) =>
      leads.map((l) => ({
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
      })),
  },
];

/** An invoice's payments (a handful: they live in the invoice's partition), oldest first. */
async function paymentsOfInvoice(ctx: TenantContext, invoiceId: string): Promise<Item[]> {
  const payments: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage(
      ctx,
      { partition: invoiceKeys.partition(ctx.tenantId, invoiceId), sort: { beginsWith: 'PAYMENT#' } },
      { limit: 100, cursor },
      (item) => item,
    );
    payments.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return payments.sort((a, b) => String(a.recordedAt).localeCompare(String(b.recordedAt)));
}

export const BACKFILL_SOURCES = SOURCES.map((s) => s.name);

export interface BackfillStep {
  tenantId: string;
  backfillId: string;
  before: string;
  source: number;
  query: number;
  page: number;
  cursor?: string;
}

export async function startBackfill(ctx: TenantContext, request: BackfillRequest): Promise<Backfill> {
  const status = await warehouseStatus(ctx);
  const before = request.before ?? status.firstFactsAt ?? ctx.clock.now().toISOString();
  const backfill: Backfill = {
    id: newId(),
    status: 'running',
    before,
    progress: Object.fromEntries(SOURCES.map((s) => [s.name, { pages: 0, facts: 0, done: false }])),
    startedAt: ctx.clock.now().toISOString(),
  };
  await unitOfWork(ctx)
    .put({ ...warehouseKeys.backfill(ctx.tenantId, backfill.id), entity: 'WarehouseBackfill', ...backfill })
    .commit();
  const first: BackfillStep = {
    tenantId: ctx.tenantId,
    backfillId: backfill.id,
    before,
    source: 0,
    query: 0,
    page: 0,
  };
  await sendMessages(QUEUE, [first as unknown as Record<string, unknown>]);
  return backfill;
}

export async function getBackfill(ctx: TenantContext, id: string): Promise<Backfill> {
  const item = await getItem(ctx, warehouseKeys.backfill(ctx.tenantId, id), { consistent: true });
  if (!item) throw new NotFoundError('Backfill', id);
  const { PK: _p, SK: _s, entity: _e, ...backfill } = item;
  return backfill as unknown as Backfill;
}

function eventId(event: SyntheticEvent, tenantId: string): string {
  return `bf-${createHash('sha256').update(`${tenantId}|${event.type}|${event.key}|${event.at}`).digest('hex').slice(0, 32)}`;
}

/** One page of one source: its facts written, progress recorded, the next step queued. */
export async function backfillStep(ctx: TenantContext, step: BackfillStep): Promise<void> {
  const source = SOURCES[step.source];
  if (!source) return;
  const queries = await source.queries(ctx);
  const spec = queries[step.query];
  let next: BackfillStep | undefined;
  let written = 0;
  if (spec) {
    const page = await queryPage(ctx, spec, { limit: PAGE, cursor: step.cursor }, (item) => item);
    const events = (await source.events(ctx, page.items)).filter((e) => e.at && e.at < step.before);
    const now = ctx.clock.now();
    const mapped = events.map((event) =>
      toFact(
        {
          id: eventId(event, ctx.tenantId),
          source: event.source,
          'detail-type': event.type,
          time: event.at,
          detail: {
            ...event.detail,
            eventId: eventId(event, ctx.tenantId),
            tenantId: ctx.tenantId,
            occurredAt: event.at,
          },
        },
        now,
      ),
    );
    const facts = mapped.flatMap((m) => (m.kind === 'fact' ? [m] : []));
    await enrichFacts(facts);
    const byDay = new Map<string, FactRow[]>();
    for (const fact of facts) {
      const day = new Date(Number(fact.row.occurred_at)).toISOString().slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), fact.row]);
    }
    for (const [day, rows] of byDay) {
      await s3.send(
        new PutObjectCommand({
          Bucket: warehouseBucket,
          Key: `${factsPrefix(ctx.tenantId, day)}${BACKFILL_FILE_PREFIX}${source.name}-${step.query}-${step.page}.parquet`,
          Body: await writeFacts(rows),
          ContentType: 'application/vnd.apache.parquet',
        }),
      );
    }
    written = facts.length;
    next = page.nextCursor
      ? { ...step, page: step.page + 1, cursor: page.nextCursor }
      : { ...step, query: step.query + 1, page: 0, cursor: undefined };
  }
  const sourceDone = !next || next.query >= queries.length;
  if (sourceDone)
    next =
      step.source + 1 < SOURCES.length
        ? { ...step, source: step.source + 1, query: 0, page: 0, cursor: undefined }
        : undefined;
  await recordProgress(ctx, step, source.name, written, sourceDone, !next);
  if (next) await sendMessages(QUEUE, [JSON.parse(JSON.stringify(next)) as Record<string, unknown>]);
}

async function recordProgress(
  ctx: TenantContext,
  step: BackfillStep,
  source: string,
  facts: number,
  sourceDone: boolean,
  finished: boolean,
): Promise<void> {
  const key = warehouseKeys.backfill(ctx.tenantId, step.backfillId);
  // Progress is for people to follow: a redelivered page may count twice, its facts never do.
  const current = await getBackfill(ctx, step.backfillId);
  const progress = current.progress[source] ?? { pages: 0, facts: 0, done: false };
  const updated = { pages: progress.pages + 1, facts: progress.facts + facts, done: sourceDone };
  await unitOfWork(ctx)
    .update(key, {
      set: {
        progress: { ...current.progress, [source]: updated },
        ...(finished ? { status: 'completed', completedAt: ctx.clock.now().toISOString() } : {}),
      },
      condition: (e) => `attribute_exists(${e.name('PK')})`,
      onConditionFailed: () => new ConflictError(`Backfill ${step.backfillId} is gone.`),
    })
    .commit();
}
