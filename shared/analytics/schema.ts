import * as z from 'zod/mini';
import { RFM_SEGMENTS } from '../contacts/score-fields.ts';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, named } from '../platform/schema.ts';

/**
 * The answers of customer analytics (docs/analytics.md). Every property carries a description and
 * an example: these numbers are read by people deciding whom to call and what to sell.
 */
const doc = (description: string, example: unknown) => z.meta({ description, examples: [example] });

const AT = '2026-03-02T04:00:00.000Z';
const Share = (description: string, example: number) => z.number().check(doc(description, example));
const Count = (description: string, example: number) => z.int().check(doc(description, example));

export const ANALYSES = ['rfm', 'basket', 'forecast', 'models'] as const;
export type Analysis = (typeof ANALYSES)[number];

export const RfmSummary = named(
  'RfmSummary',
  lazy(() =>
    z.object({
      computedAt: z.optional(
        IsoDateTime.check(
          doc('When the segmentation was computed; absent before the first computation.', AT),
        ),
      ),
      message: z.optional(
        z
          .string()
          .check(
            doc(
              'Before the first computation: how to start one (the numbers are then all zero).',
              'No RFM segmentation has been computed yet.',
            ),
          ),
      ),
      currency: z
        .string()
        .check(doc('The currency whose order amounts make up the monetary score (the tenant’s).', 'EUR')),
      customers: Count('Contacts with at least one order that was not cancelled.', 1840),
      repeatPurchaseRate: Share('The share of those customers with two orders or more, 0 to 1.', 0.38),
      segmentChanges: Count(
        'How many customers entered a segment in this run (each got ContactRfmSegmentChanged).',
        57,
      ),
      segments: z
        .array(
          z.object({
            segment: z.enum(RFM_SEGMENTS).check(doc('The segment.', 'at_risk')),
            rule: z
              .string()
              .check(
                doc('The scores that put a customer in it (the first rule that holds wins).', 'R ≤ 2, F ≥ 3'),
              ),
            customers: Count('Customers in the segment.', 212),
            share: Share('Their share of all customers, 0 to 1.', 0.115),
          }),
        )
        .check(doc('Every segment, in the order its rule is tried.', [])),
      scores: z
        .array(
          z.object({
            dimension: z
              .enum(['recency', 'frequency', 'monetary'])
              .check(
                doc(
                  'Recency: days since the last order; frequency: orders; monetary: spend in minor units of `currency`.',
                  'frequency',
                ),
              ),
            bands: z
              .array(
                z.object({
                  score: Count('The quintile score, 1 (lowest) to 5 (highest).', 5),
                  customers: Count('Customers with this score.', 368),
                  min: z.optional(z.number().check(doc('The smallest value among them.', 4))),
                  max: z.optional(z.number().check(doc('The largest value among them.', 31))),
                }),
              )
              .check(doc('What each score stands for in this tenant’s numbers.', [])),
          }),
        )
        .check(doc('How the quintiles fell: the range of values behind each score.', [])),
      cohorts: z
        .array(
          z.object({
            cohort: z
              .string()
              .check(doc('The month of the first purchase (tenant time zone), yyyy-mm.', '2025-09')),
            customers: Count('Customers whose first purchase fell in that month.', 64),
            retention: z
              .array(z.number())
              .check(
                doc(
                  'The share of the cohort that bought again in each month after the first (index 0 is the first month, always 1).',
                  [1, 0.22, 0.14],
                ),
              ),
          }),
        )
        .check(doc('Cohort retention by month of first purchase, the last twelve months.', [])),
    }),
  ),
  'The tenant’s latest RFM segmentation: segment sizes, repeat purchases, cohort retention.',
);
export type RfmSummary = z.infer<typeof RfmSummary>;

export const CohortRetention = named(
  'CohortRetention',
  lazy(() =>
    z.object({
      computedAt: RfmSummary.shape.computedAt,
      message: RfmSummary.shape.message,
      cohorts: RfmSummary.shape.cohorts,
    }),
  ),
  'Retention by month of first purchase: the table behind the heat map (`Accept: image/svg+xml`).',
);
export type CohortRetention = z.infer<typeof CohortRetention>;

export const AnalysisRunRequest = named(
  'AnalysisRunRequest',
  lazy(() =>
    z.object({
      analyses: z
        .array(z.enum(ANALYSES))
        .check(
          z.minLength(1),
          z.maxLength(ANALYSES.length),
          doc('The analyses to recompute now, as the daily schedule does.', ['rfm', 'basket']),
        ),
    }),
  ),
);
export type AnalysisRunRequest = z.infer<typeof AnalysisRunRequest>;

export const AnalysisRun = named(
  'AnalysisRun',
  lazy(() =>
    z.object({
      id: Id.check(doc('The run.', '01JD8Y0A1B2C3D4E5F6G7H8J9K')),
      analyses: z.array(z.enum(ANALYSES)).check(doc('The analyses it recomputes.', ['rfm'])),
      requestedAt: IsoDateTime.check(doc('When it was asked for.', AT)),
    }),
  ),
  'Analyses queued to be recomputed; their results replace the latest ones when done.',
);
export type AnalysisRun = z.infer<typeof AnalysisRun>;

const Threshold = (description: string, fallback: number, example: number, max: number) =>
  z._default(
    z.coerce
      .number()
      .check(
        z.gt(0, { message: 'Must be greater than 0.' }),
        z.lte(max, { message: `Must be at most ${max}.` }),
        doc(description, example),
      ),
    fallback,
  );

export const BoughtTogetherQuery = lazy(() =>
  z.object({
    minSupport: Threshold(
      'The least share of all orders that must hold both products (0 < support ≤ 1; at least the mined floor, 0.001).',
      0.01,
      0.02,
      1,
    ),
    minConfidence: Threshold(
      'The least share of the orders with this product that must also hold the other (0 < confidence ≤ 1; at least 0.01).',
      0.1,
      0.25,
      1,
    ),
    minLift: Threshold(
      'The least lift: how many times likelier the other product is in an order with this one than in any order.',
      1,
      1.5,
      1_000_000,
    ),
    limit: z._default(
      z.coerce
        .number()
        .check(
          z.int(),
          z.minimum(1),
          z.maximum(100, { message: 'Must be at most 100.' }),
          doc('At most this many products.', 10),
        ),
      10,
    ),
  }),
);
export type BoughtTogetherQuery = z.infer<typeof BoughtTogetherQuery>;

export const BoughtTogether = named(
  'BoughtTogether',
  lazy(() =>
    z.object({
      productId: Id.check(doc('The product asked about (X in X → Y).', '01JD8X5Q7R2V3W4Y5Z6A7B8C9D')),
      computedAt: IsoDateTime.check(doc('When the rules were mined from the warehouse.', AT)),
      orders: Count('Orders with product lines the rules were mined from.', 5230),
      items: z
        .array(
          z.object({
            productId: Id.check(doc('The product bought with it (Y).', '01JD8Y0A1B2C3D4E5F6G7H8J9K')),
            name: z.optional(z.string().check(doc('Its name in the catalogue.', 'Roof box'))),
            orders: Count('Orders holding both products.', 212),
            support: Share('Orders holding both ÷ all orders.', 0.0405),
            confidence: Share('Orders holding both ÷ orders holding the product asked about.', 0.31),
            lift: Share(
              'Confidence ÷ (orders holding Y ÷ all orders): above 1, buying X makes Y likelier; 1, no relation.',
              2.7,
            ),
          }),
        )
        .check(doc('The products bought with it, strongest lift first.', [])),
    }),
  ),
  'Products bought together with one product: association rules X → Y from the orders in the warehouse.',
);
export type BoughtTogether = z.infer<typeof BoughtTogether>;

export const MODEL_TARGETS = ['product', 'category', 'churn'] as const;
export type ModelTarget = (typeof MODEL_TARGETS)[number];

export const ModelCreate = named(
  'PropensityModelCreate',
  lazy(() =>
    z.object({
      key: z
        .string()
        .check(
          z.regex(/^[a-z0-9_-]{1,40}$/, { message: 'Lower-case letters, digits, _ and -, at most 40.' }),
          doc(
            'The name its scores go under on contacts: segments read them as `propensity.<key>`.',
            'roof_box',
          ),
        ),
      target: z._default(
        z
          .enum(MODEL_TARGETS)
          .check(
            doc(
              'What it predicts: a purchase of `productId`, a purchase of any product of `category`, or `churn` (no purchase at all within `horizonDays`, among customers).',
              'product',
            ),
          ),
        'product',
      ),
      productId: z.optional(
        Id.check(
          doc(
            'With target `product`: the product whose next purchase the model predicts.',
            '01JD8X5Q7R2V3W4Y5Z6A7B8C9D',
          ),
        ),
      ),
      category: z.optional(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(100),
            doc('With target `category`: the product category whose next purchase it predicts.', 'SUVs'),
          ),
      ),
      horizonDays: z._default(
        z
          .int()
          .check(
            z.minimum(30),
            z.maximum(365, { message: 'Must be at most 365.' }),
            doc('How far ahead it predicts: a purchase (or, for churn, none) within this many days.', 90),
          ),
        90,
      ),
      alertAt: z.optional(
        z
          .number()
          .check(
            z.gt(0, { message: 'Must be greater than 0.' }),
            z.lte(1, { message: 'Must be at most 1.' }),
            doc(
              'With target `churn`: a contact whose score rises to this or above gets `ContactChurnRiskRaised`, for automation rules (default 0.7).',
              0.7,
            ),
          ),
      ),
    }),
  ),
);
export type ModelCreate = z.infer<typeof ModelCreate>;

const Training = lazy(() =>
  z.object({
    status: z
      .enum(['trained', 'insufficient_data'])
      .check(
        doc('`insufficient_data`: too few buyers or non-buyers to fit; no scores were written.', 'trained'),
      ),
    trainedAt: IsoDateTime.check(doc('When it was fitted.', AT)),
    message: z.optional(z.string().check(doc('Why it was not fitted, with the counts.', 'Only 4 buyers.'))),
    trainingSize: Count('Contacts it was fitted on (80 % of the sample).', 4000),
    testSize: Count('Contacts held out to measure it (20 %).', 1000),
    positives: Count('Contacts in the sample who bought the product within the horizon.', 412),
    negatives: Count('Contacts in the sample who did not.', 4588),
    auc: z.optional(
      Share(
        'Area under the ROC curve on the held-out contacts: 0.5 is chance, 1 a perfect ranking; below 0.6, do not act on it.',
        0.81,
      ),
    ),
    calibration: z
      .array(
        z.object({
          from: Share('The lowest predicted probability of the band.', 0.2),
          to: Share('The highest predicted probability of the band.', 0.3),
          contacts: Count('Held-out contacts in the band.', 100),
          predicted: Share('Their mean predicted probability.', 0.25),
          observed: Share('The share of them who actually bought.', 0.23),
        }),
      )
      .check(doc('Held-out contacts in ten bands of predicted probability: predicted against observed.', [])),
    topFeatures: z
      .array(
        z.object({
          feature: z.string().check(doc('The feature (see docs/analytics.md).', 'income_band=over_200k')),
          weight: Share('Its coefficient on standardised features: the sign says which way it pushes.', 1.42),
        }),
      )
      .check(doc('The features that weigh most, strongest first.', [])),
    scored: Count('Contacts whose scores were written back.', 18250),
    alerts: z.optional(
      Count(
        'Churn models: contacts whose score rose to `alertAt` or above in this fitting (each got ContactChurnRiskRaised).',
        14,
      ),
    ),
  }),
);

/** What a model is as defined; its fitting is added once a run has fitted it. */
const modelFields = {
  id: Id.check(doc('The model.', '01JD8Y0A1B2C3D4E5F6G7H8J9K')),
  key: z.string().check(doc('Its scores are `propensity.<key>` on contacts.', 'roof_box')),
  target: z.enum(MODEL_TARGETS).check(doc('What it predicts (a product, a category, churn).', 'product')),
  productId: lazy(() =>
    z.optional(
      Id.check(
        doc('The product it predicts a purchase of (target `product`).', '01JD8X5Q7R2V3W4Y5Z6A7B8C9D'),
      ),
    ),
  ),
  category: lazy(() =>
    z.optional(z.string().check(doc('The category it predicts a purchase of (target `category`).', 'SUVs'))),
  ),
  horizonDays: Count('A purchase (or, for churn, none) within this many days is what it predicts.', 90),
  alertAt: lazy(() =>
    z.optional(Share('Churn models: the score at which a contact gets `ContactChurnRiskRaised`.', 0.7)),
  ),
  createdAt: IsoDateTime.check(doc('When it was defined.', AT)),
};

export const Model = named(
  'PropensityModel',
  lazy(() =>
    z.object({
      ...modelFields,
      training: Training.check(
        z.meta({ description: 'Its latest fitting and how well it did on held-out contacts.' }),
      ),
    }),
  ),
  'A propensity model: fitted on the warehouse, its scores written back to contacts.',
);
export type Model = z.infer<typeof Model>;
export type ModelTraining = z.infer<typeof Training>;

export const ModelDefinition = named(
  'PropensityModelDefinition',
  lazy(() => z.object(modelFields)),
  'A propensity model as defined; it is fitted by the next analysis run.',
);
export type ModelDefinition = z.infer<typeof ModelDefinition>;

export const ModelList = named(
  'PropensityModelList',
  lazy(() =>
    z.object({
      items: z
        .array(
          z.object({
            ...ModelDefinition.shape,
            training: z.optional(
              Training.check(z.meta({ description: 'Its latest fitting; absent before the first.' })),
            ),
          }),
        )
        .check(doc('Every model of the tenant, oldest first (at most 100).', [])),
    }),
  ),
  'The tenant’s propensity models, with their latest training.',
);
export type ModelList = z.infer<typeof ModelList>;

export const ForecastQuery = lazy(() =>
  z.object({
    horizon: z._default(
      z.coerce
        .number()
        .check(
          z.int(),
          z.minimum(1),
          z.maximum(12, { message: 'Must be at most 12: the forecast reaches a year ahead.' }),
          doc('Months ahead to answer, 1 to 12.', 6),
        ),
      6,
    ),
    ownerId: z.optional(
      Id.check(
        doc('Only this owner’s forecast (the tenant’s is always there).', '01JD8X5Q7R2V3W4Y5Z6A7B8C9D'),
      ),
    ),
  }),
);
export type ForecastQuery = z.infer<typeof ForecastQuery>;

const Money = (description: string, example: number) =>
  z.number().check(doc(`${description} In minor units of the forecast's currency.`, example));

const SeriesForecast = lazy(() =>
  z.object({
    history: z
      .array(
        z.object({
          month: z.string().check(doc('A past month (tenant time zone), yyyy-mm.', '2026-05')),
          booked: Money('Sales booked that month (orders not cancelled).', 1_250_000),
        }),
      )
      .check(doc('Booked sales per month, up to the last complete month.', [])),
    projection: z
      .array(
        z.object({
          month: z.string().check(doc('A month ahead, yyyy-mm.', '2026-07')),
          forecast: Money('The projected booked sales.', 1_310_000),
          lower: Money('The lower end of the 95 % prediction interval.', 1_120_000),
          upper: Money('The upper end of the 95 % prediction interval.', 1_500_000),
        }),
      )
      .check(doc('The projection, month by month, up to the horizon asked for.', [])),
    backtest: z
      .array(
        z.object({
          month: z.string().check(doc('A recent month, yyyy-mm.', '2026-04')),
          actual: Money('What was booked.', 1_190_000),
          forecast: Money('What the method projected for it from the months before only.', 1_230_000),
        }),
      )
      .check(doc('The last six months forecast one month ahead, against what happened.', [])),
    mape: z.optional(
      Share(
        'Mean absolute percentage error of the backtest, 0.08 = 8 %: how far to trust the projection.',
        0.08,
      ),
    ),
    message: z.optional(
      z.string().check(doc('Why there is no projection.', 'At least 3 months of history are needed.')),
    ),
  }),
);
export type SeriesForecast = z.infer<typeof SeriesForecast>;

const PipelineAmount = lazy(() =>
  z.object({
    deals: Count('Open deals.', 12),
    amount: Money('Their amounts.', 4_800_000),
    weighted: Money(
      'Their amounts times their win probability (the deal’s, by default its stage’s).',
      1_950_000,
    ),
  }),
);

const WeightedPipeline = lazy(() =>
  z.object({
    months: z
      .array(
        z.object({
          month: z.string().check(doc('An expected close month (yyyy-mm), from this month on.', '2026-07')),
          ...PipelineAmount.shape,
        }),
      )
      .check(
        doc(
          'Open deals by expected close month, this month and the next eleven (months with none left out).',
          [],
        ),
      ),
    overdue: PipelineAmount.check(
      z.meta({
        description: 'Open deals whose expected close date has passed: due a new date or a decision.',
      }),
    ),
    later: PipelineAmount.check(
      z.meta({ description: 'Open deals expected to close after the twelve months.' }),
    ),
    unscheduled: PipelineAmount.check(z.meta({ description: 'Open deals with no expected close date.' })),
    total: PipelineAmount.check(z.meta({ description: 'All open deals in the forecast’s currency.' })),
  }),
);
export type WeightedPipeline = z.infer<typeof WeightedPipeline>;

export const PipelineForecast = lazy(() =>
  z.object({
    computedAt: IsoDateTime.check(doc('When the open deals were read.', AT)),
    otherCurrencies: Count('Open deals in other currencies, left out (not converted).', 0),
    tenant: WeightedPipeline.check(z.meta({ description: 'The whole tenant’s open pipeline.' })),
    owners: z
      .array(
        z.object({
          ownerId: Id.check(doc('The member who owns the deals.', '01JD8X5Q7R2V3W4Y5Z6A7B8C9D')),
          ...WeightedPipeline.shape,
        }),
      )
      .check(doc('The same per owner (deals with no owner only count for the tenant).', [])),
  }),
);
export type PipelineForecast = z.infer<typeof PipelineForecast>;

export const SalesForecast = named(
  'SalesForecast',
  lazy(() =>
    z.object({
      computedAt: z.optional(
        IsoDateTime.check(doc('When it was computed; absent before the first computation.', AT)),
      ),
      message: z.optional(
        z
          .string()
          .check(
            doc(
              'Before the first computation: how to start one.',
              'No sales forecast has been computed yet.',
            ),
          ),
      ),
      currency: z
        .string()
        .check(doc('The currency of all amounts (the tenant’s; orders in others are left out).', 'EUR')),
      tenant: SeriesForecast.check(
        z.meta({ description: 'The whole tenant’s booked sales and their projection.' }),
      ),
      owners: z
        .array(
          z.object({
            ownerId: Id.check(doc('The member who owns the orders.', '01JD8X5Q7R2V3W4Y5Z6A7B8C9D')),
            ...SeriesForecast.shape,
          }),
        )
        .check(doc('The same per owner (the 50 who booked most).', [])),
      pipeline: z.optional(
        PipelineForecast.check(
          z.meta({
            description:
              'Beside the projection of booked sales: the open pipeline weighted by win probability, per expected close month. Absent before the first computation.',
          }),
        ),
      ),
    }),
  ),
  'Booked sales by month, projected by a linear trend with monthly seasonality, with a 95 % interval and its backtest.',
);
export type SalesForecast = z.infer<typeof SalesForecast>;
