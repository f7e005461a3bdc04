import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sendMessages } from '../platform/aws/queues.ts';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, queryPage, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Backfill, BackfillRequest } from './api-schema.ts';
import { SOURCES, type SyntheticEvent } from './backfill-sources.ts';
import { enrichFacts } from './enrich.ts';
import { toFact } from './facts.ts';
import { writeFacts } from './parquet.ts';
import { BACKFILL_FILE_PREFIX, type FactRow, factsPrefix } from './schema.ts';
import { FIRST_DELIVERIES_MS, warehouseKeys, warehouseStatus } from './state.ts';

/**
 * The backfill: a tenant's history from before the warehouse received its events, rebuilt from
 * its records through their own indexes (never a scan), one page of records per queue message.
 * Each record becomes the events it stands for (a contact its creation, a deal stage change its
 * move, an order its placing, an invoice its issue and payment...), dated when they happened,
 * with deterministic ids; they go through the same mapping and enrichment as live events and are
 * written as one Parquet object per day and page, under keys that do not change between runs:
 * running it again overwrites the same objects, and queries count each event id once.
 *
 * Only history before `before` is written (at most, and by default, the earliest moment the first
 * live deliveries describe), so live facts and backfilled ones never describe the same moment twice. What it rebuilds is listed in SOURCES; the
 * dimensions looked up are today's (docs/analytics.md).
 */
const warehouseBucket = bucketName('warehouse');
const PAGE = 200;
const QUEUE = 'warehouse-backfill';

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

/**
 * Where history ends and live facts begin: the earliest moment the first live deliveries describe.
 * A tenant whose state predates `liveFactsFrom` has only the first delivery's arrival, which is
 * at most Firehose's longest buffer after what it held; one with no live facts yet, now.
 */
async function liveBoundary(ctx: TenantContext): Promise<string> {
  const status = await warehouseStatus(ctx);
  if (status.liveFactsFrom) return status.liveFactsFrom;
  if (status.firstFactsAt)
    return new Date(Date.parse(status.firstFactsAt) - FIRST_DELIVERIES_MS).toISOString();
  return ctx.clock.now().toISOString();
}

export async function startBackfill(ctx: TenantContext, request: BackfillRequest): Promise<Backfill> {
  const boundary = await liveBoundary(ctx);
  // Any later and the backfill would write again, under its own ids, events the warehouse has.
  if (request.before && Date.parse(request.before) > Date.parse(boundary))
    throw ValidationError.field(
      'body.before',
      `Live facts of the tenant start at ${boundary}; history after it is in the warehouse already.`,
    );
  const before = request.before ?? boundary;
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
