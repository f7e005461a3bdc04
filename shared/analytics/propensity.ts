import { createHash } from 'node:crypto';
import { deletePropensityScores, writePropensityScores } from '../contacts/scores.ts';
import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  queryAll,
  queryEach,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { productKeys, purchaseKeys } from '../sales/keys.ts';
import { NotComputedError } from './errors.ts';
import { analyticsKeys } from './keys.ts';
import type { Model, ModelCreate, ModelDefinition, ModelList, ModelTarget, ModelTraining } from './schema.ts';
import { compiler, historyStart, num, rowsOf, tenantSettings } from './warehouse.ts';

/**
 * Propensity to buy (docs/analytics.md, "Propensity"). For a product and a horizon H, the model
 * learns from the past: features of each contact as of H days ago (recency, frequency, spend,
 * products held, tenure, engagement, demographics, all from the warehouse in one query), and
 * whether the contact bought the product in the H days since. Contacts who held the product
 * already at that moment are left out. Logistic regression (ml-logistic-regression) is fitted on
 * 80 % of the contacts, chosen by a hash of their id, and measured on the other 20 %: AUC by the
 * Wilcoxon rank sum (simple-statistics), a calibration table, the strongest coefficients. Then
 * every contact's features as of now are scored and written back as `propensity.<key>`.
 */
export const MIN_CLASS = 20;
/** The most contacts fitted on; a larger population is sampled by a hash of the contact id. */
export const MAX_SAMPLE = 50_000;
const STEPS = 400;
const TOP_PRODUCTS = 10;
const TOP_REGIONS = 10;

interface FeatureRow {
  contactId: string;
  recencyDays: number;
  orders: number;
  spent: number;
  tenureDays: number;
  opens: number;
  surveys: number;
  activities: number;
  held: string[];
  /** Categories of the products held. */
  categories: string[];
  gender: string | null;
  ageBand: string | null;
  incomeBand: string | null;
  region: string | null;
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String).filter((v) => v && v !== 'null') : [];
const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Every contact the warehouse knows before `asOf`, with its features as of then. */
async function features(ctx: TenantContext, asOf: Date, currency: string): Promise<FeatureRow[]> {
  const sql = compiler();
  const from = historyStart(asOf);
  const facts = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: [
      'ContactCreated',
      'ContactUpdated',
      'OrderPlaced',
      'EmailOpened',
      'SurveyResponded',
      'ActivityLogged',
      'OrderCancelled',
    ],
    columns: [
      'contact_id',
      'order_id',
      'amount',
      'currency',
      'line_product_ids',
      'line_categories',
      'line_quantities',
      'line_amounts',
      'gender',
      'age_band',
      'income_band',
      'region',
    ],
    from,
    to: asOf,
    also: ['contact_id IS NOT NULL'],
  });
  const at = sql.timestamp(asOf);
  const latest = (column: string) =>
    sql.argMax(column, `CASE WHEN ${column} IS NOT NULL THEN occurred_at END`);
  const rows = await rowsOf(
    sql,
    // Orders cancelled by the cutoff never happened, as for RFM, basket and buyers(): they count
    // neither as orders, spend or products held, nor make a contact a customer (churn's population).
    `WITH facts AS (${facts}),
     cancelled AS (SELECT DISTINCT order_id FROM facts WHERE event_type = 'OrderCancelled' AND order_id IS NOT NULL),
     f AS (
       SELECT facts.* FROM facts
       LEFT JOIN cancelled AS c ON facts.event_type = 'OrderPlaced' AND c.order_id = facts.order_id
       WHERE facts.event_type <> 'OrderCancelled' AND c.order_id IS NULL),
     placed AS (SELECT * FROM f WHERE event_type = 'OrderPlaced'),
     held AS (
       SELECT contact_id, array_agg(DISTINCT line_product) AS products,
              array_agg(DISTINCT line_category) FILTER (WHERE line_category IS NOT NULL AND line_category <> '') AS categories
       FROM ${sql.lines('placed', ['contact_id'])} WHERE line_product IS NOT NULL AND line_product <> ''
       GROUP BY contact_id),
     people AS (
       SELECT contact_id, min(occurred_at) AS first_at,
              max(CASE WHEN event_type = 'OrderPlaced' THEN occurred_at END) AS last_order_at,
              sum(CASE WHEN event_type = 'OrderPlaced' THEN 1 ELSE 0 END) AS orders,
              sum(CASE WHEN event_type = 'OrderPlaced' AND currency = ${sql.p(currency)} THEN amount ELSE 0 END) AS spent,
              sum(CASE WHEN event_type = 'EmailOpened' THEN 1 ELSE 0 END) AS opens,
              sum(CASE WHEN event_type = 'SurveyResponded' THEN 1 ELSE 0 END) AS surveys,
              sum(CASE WHEN event_type = 'ActivityLogged' THEN 1 ELSE 0 END) AS activities,
              ${latest('gender')} AS gender, ${latest('age_band')} AS age_band,
              ${latest('income_band')} AS income_band, ${latest('region')} AS region
       FROM f GROUP BY contact_id)
     SELECT people.*, ${sql.days('people.first_at', at)} AS tenure_days,
            ${sql.days('people.last_order_at', at)} AS recency_days, held.products, held.categories
     FROM people LEFT JOIN held ON held.contact_id = people.contact_id
     ORDER BY people.contact_id`,
  );
  const history = Math.round((asOf.getTime() - from.getTime()) / 86_400_000);
  return rows.map((row) => ({
    contactId: String(row.contact_id),
    recencyDays: row.recency_days === null ? history : num(row.recency_days),
    orders: num(row.orders),
    spent: num(row.spent),
    tenureDays: num(row.tenure_days),
    opens: num(row.opens),
    surveys: num(row.surveys),
    activities: num(row.activities),
    held: list(row.products),
    categories: list(row.categories),
    gender: text(row.gender),
    ageBand: text(row.age_band),
    incomeBand: text(row.income_band),
    region: text(row.region),
  }));
}

/** Contacts who bought the target in [from, to): the product, a product of the category, or anything. */
async function buyers(
  ctx: TenantContext,
  target: { productId?: string | undefined; category?: string | undefined },
  from: Date,
  to: Date,
): Promise<Set<string>> {
  const sql = compiler();
  const placed = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderPlaced'],
    columns: [
      'contact_id',
      'order_id',
      'line_product_ids',
      'line_categories',
      'line_quantities',
      'line_amounts',
    ],
    from,
    to,
    also: ['contact_id IS NOT NULL'],
  });
  const cancelled = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderCancelled'],
    columns: ['order_id'],
    from,
    to,
  });
  const line = target.productId
    ? `line_product = ${sql.p(target.productId)}`
    : target.category
      ? `line_category = ${sql.p(target.category)}`
      : undefined;
  const rows = await rowsOf(
    sql,
    `WITH placed AS (${placed}), cancelled AS (${cancelled}),
     kept AS (SELECT p.* FROM placed AS p LEFT JOIN cancelled AS c ON c.order_id = p.order_id WHERE c.order_id IS NULL)
     ${line ? `SELECT DISTINCT contact_id FROM ${sql.lines('kept', ['contact_id'])} WHERE ${line}` : 'SELECT DISTINCT contact_id FROM kept'}`,
  );
  return new Set(rows.map((r) => String(r.contact_id)));
}

/** The columns of the design matrix: named, and computed from a row. */
interface Encoding {
  names: string[];
  encode(row: FeatureRow): number[];
}

function encodingFor(rows: FeatureRow[], productId: string | undefined): Encoding {
  const top = (values: Array<string | null>, n: number) => {
    const counts = new Map<string, number>();
    for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, n)
      .map(([v]) => v);
  };
  const products = top(
    rows.flatMap((r) => r.held.filter((p) => p !== productId)),
    TOP_PRODUCTS,
  );
  // A categorical feature keeps its most frequent values (one-hot columns), the rest count as none.
  const categorical = (name: string, of: (r: FeatureRow) => string | null, limit: number) => ({
    name,
    of,
    values: top(rows.map(of), limit),
  });
  const categoricals: Array<{ name: string; of: (r: FeatureRow) => string | null; values: string[] }> = [
    categorical('gender', (r) => r.gender, 10),
    categorical('age_band', (r) => r.ageBand, 20),
    categorical('income_band', (r) => r.incomeBand, 10),
    categorical('region', (r) => r.region, TOP_REGIONS),
  ];
  const numeric: Array<[string, (r: FeatureRow) => number]> = [
    ['recency_days', (r) => r.recencyDays],
    ['orders', (r) => r.orders],
    ['spend', (r) => Math.log1p(Math.max(0, r.spent))],
    ['products_held', (r) => r.held.length],
    ['tenure_days', (r) => r.tenureDays],
    ['email_opens', (r) => r.opens],
    ['survey_responses', (r) => r.surveys],
    ['activities', (r) => r.activities],
  ];
  return {
    names: [
      ...numeric.map(([name]) => name),
      ...products.map((p) => `holds=${p}`),
      ...categoricals.flatMap((c) => c.values.map((v) => `${c.name}=${v}`)),
    ],
    encode: (r) => [
      ...numeric.map(([, of]) => of(r)),
      ...products.map((p) => (r.held.includes(p) ? 1 : 0)),
      ...categoricals.flatMap((c) => c.values.map((v) => (c.of(r) === v ? 1 : 0))),
    ],
  };
}

/** A stable number in [0, 1) from the contact id: the split and the sample do not move between runs. */
const bucketOf = (contactId: string) =>
  createHash('sha256').update(contactId).digest().readUInt32BE(0) / 2 ** 32;

const round = (value: number, places = 4) => Math.round(value * 10 ** places) / 10 ** places;

/** Fits, measures on the held-out contacts, and answers a scorer for any row. */
async function fitModel(
  rows: FeatureRow[],
  labels: Set<string>,
  encoding: Encoding,
  words: { positives: string; negatives: string },
): Promise<
  | { ok: false; training: Omit<ModelTraining, 'trainedAt' | 'scored'> }
  | {
      ok: true;
      training: Omit<ModelTraining, 'trainedAt' | 'scored'>;
      score: (rows: FeatureRow[]) => number[];
    }
> {
  const sample =
    rows.length > MAX_SAMPLE
      ? [...rows].sort((a, b) => bucketOf(a.contactId) - bucketOf(b.contactId)).slice(0, MAX_SAMPLE)
      : rows;
  const train = sample.filter((r) => bucketOf(`split:${r.contactId}`) >= 0.2);
  const test = sample.filter((r) => bucketOf(`split:${r.contactId}`) < 0.2);
  const positives = sample.filter((r) => labels.has(r.contactId)).length;
  const negatives = sample.length - positives;
  const trainPositives = train.filter((r) => labels.has(r.contactId)).length;
  const trainNegatives = train.length - trainPositives;
  const counts = { trainingSize: train.length, testSize: test.length, positives, negatives };
  if (trainPositives < MIN_CLASS || trainNegatives < MIN_CLASS)
    return {
      ok: false,
      training: {
        status: 'insufficient_data',
        message: `Fitting needs at least ${MIN_CLASS} ${words.positives} and ${MIN_CLASS} ${words.negatives} among the training contacts; there are ${trainPositives} ${words.positives} and ${trainNegatives} ${words.negatives}.`,
        ...counts,
        calibration: [],
        topFeatures: [],
      },
    };
  const [{ default: LogisticRegression }, { Matrix }, stats] = await Promise.all([
    import('ml-logistic-regression'),
    import('ml-matrix'),
    import('simple-statistics'),
  ]);
  const raw = train.map((r) => encoding.encode(r));
  const columns = encoding.names.map((_, j) => raw.map((x) => x[j]!));
  const means = columns.map((c) => stats.mean(c));
  const deviations = columns.map((c) => stats.standardDeviation(c) || 1);
  const design = (row: FeatureRow) => [
    1,
    ...encoding.encode(row).map((v, j) => (v - means[j]!) / deviations[j]!),
  ];
  const model = new LogisticRegression({ numSteps: STEPS, learningRate: 0.5 / train.length });
  model.train(
    new Matrix(train.map(design)),
    Matrix.columnVector(train.map((r) => (labels.has(r.contactId) ? 1 : 0))),
  );
  // With two classes, the first one-vs-all classifier gives the probability of class 1 (bought).
  const classifier = model.classifiers[0]!;
  const score = (scored: FeatureRow[]) =>
    scored.length ? classifier.testScores(new Matrix(scored.map(design))) : [];
  const predicted = score(test);
  const positive = test.flatMap((r, i) => (labels.has(r.contactId) ? [predicted[i]!] : []));
  const negative = test.flatMap((r, i) => (labels.has(r.contactId) ? [] : [predicted[i]!]));
  // AUC = (R₊ − n₊(n₊+1)/2) ÷ (n₊ n₋), R₊ the rank sum of the buyers' scores (Mann–Whitney U).
  const auc =
    positive.length && negative.length
      ? (stats.wilcoxonRankSum(positive, negative) - (positive.length * (positive.length + 1)) / 2) /
        (positive.length * negative.length)
      : undefined;
  const calibration = Array.from({ length: 10 }, (_, band) => {
    const inBand = test.flatMap((r, i) => {
      const p = predicted[i]!;
      return p >= band / 10 && (p < (band + 1) / 10 || (band === 9 && p <= 1))
        ? [{ p, bought: labels.has(r.contactId) }]
        : [];
    });
    return {
      from: band / 10,
      to: (band + 1) / 10,
      contacts: inBand.length,
      predicted: inBand.length ? round(stats.mean(inBand.map((x) => x.p))) : 0,
      observed: inBand.length ? round(inBand.filter((x) => x.bought).length / inBand.length) : 0,
    };
  }).filter((band) => band.contacts > 0);
  const weights = classifier.weights.to1DArray().slice(1);
  const topFeatures = encoding.names
    .map((feature, j) => ({ feature, weight: round(weights[j]!) }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, 10);
  return {
    ok: true,
    training: {
      status: 'trained',
      ...counts,
      ...(auc === undefined ? {} : { auc: round(auc) }),
      calibration,
      topFeatures,
    },
    score,
  };
}

// Models: definitions and their latest training, in the tenant's ANALYTICS partition.

/** The default score at which a churn model announces ContactChurnRiskRaised. */
export const DEFAULT_ALERT_AT = 0.7;

type StoredModel = ModelDefinition & { training?: ModelTraining };

/** The first products of a category, from the catalogue (GSI1), a page at a time. */
async function categoryHasBuyers(ctx: TenantContext, category: string): Promise<boolean> {
  for await (const product of queryEach(ctx, { index: 'GSI1', partition: productKeys.all(ctx.tenantId) })) {
    if (product.entity !== 'Product' || product.category !== category) continue;
    const bought = await queryPage(
      ctx,
      { index: 'GSI6', partition: purchaseKeys.buyersOf(ctx.tenantId, String(product.id)) },
      { limit: 1 },
    );
    if (bought.items.length) return true;
  }
  return false;
}

/** The target must have had buyers to learn from: 400 naming it otherwise. */
async function checkTarget(ctx: TenantContext, input: ModelCreate): Promise<void> {
  const t = ctx.tenantId;
  if (input.target === 'product') {
    if (!input.productId) throw ValidationError.field('body.productId', 'A product model names its product.');
    const product = await getItem(ctx, productKeys.product(t, input.productId));
    if (!product) throw ValidationError.field('body.productId', `There is no product ${input.productId}.`);
    const bought = await queryPage(
      ctx,
      { index: 'GSI6', partition: purchaseKeys.buyersOf(t, input.productId) },
      { limit: 1 },
    );
    if (!bought.items.length)
      throw ValidationError.field(
        'body.productId',
        `Nobody has bought ${String(product.name)} (${input.productId}) yet: a model needs buyers to learn from.`,
      );
  }
  if (input.target === 'category') {
    if (!input.category) throw ValidationError.field('body.category', 'A category model names its category.');
    if (!(await categoryHasBuyers(ctx, input.category)))
      throw ValidationError.field(
        'body.category',
        `Nobody has bought a product of the category ${input.category} yet: a model needs buyers to learn from.`,
      );
  }
  if (input.target !== 'product' && input.productId)
    throw ValidationError.field('body.productId', `A ${input.target} model takes no product.`);
  if (input.target !== 'category' && input.category)
    throw ValidationError.field('body.category', `A ${input.target} model takes no category.`);
  if (input.target !== 'churn' && input.alertAt !== undefined)
    throw ValidationError.field('body.alertAt', 'Only churn models raise alerts.');
}

export async function createModel(ctx: TenantContext, input: ModelCreate): Promise<ModelDefinition> {
  const t = ctx.tenantId;
  await checkTarget(ctx, input);
  const existing = await listModelItems(ctx);
  if (existing.some((m) => m.key === input.key))
    throw new ConflictError(`A model with key ${input.key} exists already.`, { key: input.key });
  if (await getItem(ctx, analyticsKeys.modelDeletion(t, input.key), { consistent: true }))
    throw new ConflictError(
      `The scores of the deleted model ${input.key} are still being removed from contacts; try again in a few minutes.`,
      { key: input.key },
    );
  const model: ModelDefinition = {
    id: newId(),
    key: input.key,
    target: input.target,
    ...(input.productId ? { productId: input.productId } : {}),
    ...(input.category ? { category: input.category } : {}),
    horizonDays: input.horizonDays,
    ...(input.target === 'churn' ? { alertAt: input.alertAt ?? DEFAULT_ALERT_AT } : {}),
    createdAt: ctx.clock.now().toISOString(),
  };
  await unitOfWork(ctx)
    .put(
      { ...analyticsKeys.model(t, model.id), entity: 'PropensityModel', ...model },
      { condition: notExists },
    )
    .commit();
  return model;
}

/** Models made before targets existed predicted a product. */
const withTarget = (model: StoredModel): StoredModel => ({ ...model, target: model.target ?? 'product' });

async function listModelItems(ctx: TenantContext): Promise<StoredModel[]> {
  return (
    await queryAll(
      ctx,
      { partition: analyticsKeys.partition(ctx.tenantId), sort: { beginsWith: 'MODEL#' } },
      100,
    )
  ).map((item) => withTarget(withoutKeys<StoredModel>(item)));
}

export async function listModels(ctx: TenantContext): Promise<ModelList> {
  return { items: (await listModelItems(ctx)).sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
}

export async function getModel(ctx: TenantContext, id: string): Promise<Model> {
  const item = await getItem(ctx, analyticsKeys.model(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Model', id);
  const model = withTarget(withoutKeys<StoredModel>(item));
  if (!model.training) throw new NotComputedError(`Model ${id} has not been trained yet.`, 'models');
  return model as Model;
}

export const FORGET_QUEUE = 'analytics-runs';

/**
 * Deletes the model and queues the removal of its scores from contacts (segments would otherwise
 * still read `propensity.<key>`). Until that is done, a tombstone keeps the key from being reused.
 */
export async function deleteModel(ctx: TenantContext, id: string): Promise<void> {
  const t = ctx.tenantId;
  const item = await getItem(ctx, analyticsKeys.model(t, id), { consistent: true });
  if (!item) throw new NotFoundError('Model', id);
  const key = String(item.key);
  await unitOfWork(ctx)
    .delete(analyticsKeys.model(t, id), {
      condition: exists,
      onConditionFailed: () => new NotFoundError('Model', id),
    })
    .put({
      ...analyticsKeys.modelDeletion(t, key),
      entity: 'PropensityModelDeletion',
      modelId: id,
      key,
      deletedAt: ctx.clock.now().toISOString(),
    })
    .commit();
  await sendMessages(FORGET_QUEUE, [{ tenantId: t, id: `forget-${id}`, analyses: [], forgetModel: key }]);
}

/** Removes a deleted model's scores from every contact, then its tombstone; repeatable. */
export async function forgetModelScores(ctx: TenantContext, key: string): Promise<number> {
  const removed = await deletePropensityScores(ctx, key);
  await unitOfWork(ctx).delete(analyticsKeys.modelDeletion(ctx.tenantId, key)).commit();
  return removed;
}

class ModelDeletedMeanwhile extends Error {}

const LABELS: Record<ModelTarget, { positives: string; negatives: string }> = {
  product: { positives: 'buyers', negatives: 'non-buyers' },
  category: { positives: 'buyers', negatives: 'non-buyers' },
  churn: { positives: 'customers who stopped buying', negatives: 'customers who bought again' },
};

/** Fits every model of the tenant and writes the scores of those that could be fitted. */
export async function runModels(
  ctx: TenantContext,
  runId: string,
): Promise<Array<{ id: string; status: string; scored: number }>> {
  const { currency } = await tenantSettings(ctx);
  const now = ctx.clock.now();
  const results = [];
  const current = await features(ctx, now, currency);
  for (const model of await listModelItems(ctx)) {
    const cutoff = new Date(now.getTime() - model.horizonDays * 86_400_000);
    const known = await features(ctx, cutoff, currency);
    // Who the question is about: contacts who do not hold the target yet, or, for churn, customers.
    const inScope = (r: FeatureRow) =>
      model.target === 'churn'
        ? r.orders > 0
        : model.target === 'category'
          ? !r.categories.includes(model.category!)
          : !r.held.includes(model.productId!);
    const past = known.filter(inScope);
    const bought = await buyers(ctx, model, cutoff, now);
    // Churn is the absence of a purchase: its positives are the customers who did not buy again.
    const labels =
      model.target === 'churn'
        ? new Set(past.filter((r) => !bought.has(r.contactId)).map((r) => r.contactId))
        : bought;
    const encoding = encodingFor(past, model.productId);
    const fitted = await fitModel(past, labels, encoding, LABELS[model.target]);
    let scored = 0;
    let alerts: number | undefined;
    if (fitted.ok) {
      const population = model.target === 'churn' ? current.filter((r) => r.orders > 0) : current;
      const scores = fitted.score(population);
      const written = await writePropensityScores(
        ctx,
        model.key,
        model.id,
        population.map((r, i) => ({ contactId: r.contactId, score: round(scores[i]!) })),
        model.target === 'churn' ? { runId, alertAt: model.alertAt ?? DEFAULT_ALERT_AT } : undefined,
      );
      scored = written.written;
      alerts = written.alerts;
    }
    const training: ModelTraining = {
      ...fitted.training,
      trainedAt: now.toISOString(),
      scored,
      ...(alerts === undefined ? {} : { alerts }),
    };
    await unitOfWork(ctx)
      .update(analyticsKeys.model(ctx.tenantId, model.id), {
        set: { training },
        condition: exists,
        onConditionFailed: () => new ModelDeletedMeanwhile(),
      })
      .commit()
      // A model deleted while it was being fitted stays deleted.
      .catch((error: unknown) => {
        if (!(error instanceof ModelDeletedMeanwhile)) throw error;
      });
    results.push({ id: model.id, status: training.status, scored });
  }
  return results;
}
