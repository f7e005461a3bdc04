/**
 * What the data warehouse keeps of each domain event: one fact row per event, in a fixed set of
 * columns (this vocabulary). A catalog entry (defineEvent's `facts`) only says which payload field
 * feeds which column and which dimensions are looked up when the fact is ingested; a payload field
 * whose name is a column's (contactId → contact_id) feeds it with no declaration at all. So a new
 * event type needs no warehouse code, and nothing outside this vocabulary (names, addresses,
 * emails, phone numbers, free text) can reach the warehouse: there is no column to put it in.
 */
export const FACT_COLUMNS = {
  // What happened to whom.
  contact_id: 'string',
  company_id: 'string',
  member_id: 'string',
  owner_id: 'string',
  team: 'string',
  lead_id: 'string',
  deal_id: 'string',
  pipeline_id: 'string',
  stage_id: 'string',
  from_stage_id: 'string',
  stage_position: 'int',
  from_stage_position: 'int',
  stage_outcome: 'string',
  stage_probability: 'int',
  quote_id: 'string',
  order_id: 'string',
  invoice_id: 'string',
  payment_id: 'string',
  product_id: 'string',
  category: 'string',
  task_id: 'string',
  activity_id: 'string',
  mailing_id: 'string',
  mailing_kind: 'string',
  survey_id: 'string',
  wave_id: 'string',
  topic_id: 'string',
  // Dimensions.
  country: 'string',
  region: 'string',
  currency: 'string',
  status: 'string',
  from_status: 'string',
  outcome: 'string',
  activity_type: 'string',
  channel: 'string',
  origin: 'string',
  level: 'string',
  lifecycle_stage: 'string',
  gender: 'string',
  age_band: 'string',
  income_band: 'string',
  fields: 'array<string>',
  due_date: 'string',
  due_at: 'timestamp',
  // Measures: money in minor units of `currency`.
  amount: 'bigint',
  net_amount: 'bigint',
  amount_due: 'bigint',
  score: 'int',
  csat: 'int',
  days: 'int',
  duration_seconds: 'bigint',
  // Lines of orders and invoices, as parallel arrays (position i of each is line i).
  line_product_ids: 'array<string>',
  line_categories: 'array<string>',
  line_quantities: 'array<bigint>',
  line_amounts: 'array<bigint>',
} as const;

export type FactColumn = keyof typeof FACT_COLUMNS;
export type FactColumnType = (typeof FACT_COLUMNS)[FactColumn];

/**
 * Dimensions looked up when a fact is ingested (a bounded read per batch of facts, never a join at
 * query time), as they are at that moment, which is within minutes of the event:
 * - `customer`: country and region of the contact (its first address), or of the company;
 * - `profile`: the contact's demographic bands (gender, age band, household income band);
 * - `owner`: the team of the owner (a member);
 * - `product`: the category of the product;
 * - `order-lines` / `invoice-lines`: the lines (product, category, quantity, net amount), the net
 *   amount and, for invoices, the due date;
 * - `stages`: position, outcome and probability of the stages in their pipeline.
 */
export const ENRICHMENTS = [
  'customer',
  'profile',
  'owner',
  'product',
  'order-lines',
  'invoice-lines',
  'stages',
] as const;
export type Enrichment = (typeof ENRICHMENTS)[number];

export interface FactSpec {
  /** Payload field → column, where the names differ (`total` → `amount`). */
  columns?: Readonly<Record<string, FactColumn>>;
  /** Payload fields whose name is a column's but whose meaning is not: kept out. */
  omit?: readonly string[];
  /**
   * Payload fields that are free text in the domain but feed a dimension: the warehouse keeps
   * one of these words (compared in lower case), anything else as `other`, so nothing a person
   * typed (a name, an address, a note) reaches it.
   */
  vocabularies?: Readonly<Record<string, readonly string[]>>;
  /** When the fact happened, when a payload field says so better than the write's time. */
  occurredAt?: string;
  enrich?: readonly Enrichment[];
}

/** What a field with a vocabulary becomes when its value is not one of the words. */
export const OTHER = 'other';

/** `contactId` → `contact_id`. */
export function columnOf(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
