import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { companyKeys, contactKeys, fieldKeys } from '../contacts/keys.ts';
import type { Contact } from '../contacts/schema.ts';
import { RFM_FIELDS, scoreSortKeyOf, scoreValueOf } from '../contacts/score-fields.ts';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import { tenantPrefix } from '../platform/db/keys.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Item,
  type Page,
  type QuerySpec,
  queryAll,
  queryPage,
  stampRevision,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { ownValue } from '../platform/own.ts';
import { boughtTogetherRules } from '../sales/bought-together.ts';
import { productKeys, purchaseKeys } from '../sales/keys.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { segmentKeys } from './keys.ts';
import { type ContactData, contactData } from './recipients.ts';
import {
  type AudienceMember,
  SEGMENT_FIELDS,
  type Segment,
  type SegmentCondition,
  type SegmentCreate,
  type SegmentPreview,
  type SegmentUpdate,
} from './schema.ts';

/**
 * Segments: contacts defined by conditions that must all hold, evaluated when used.
 *
 * Evaluation never scans. One condition that an index serves drives it (the most selective kind
 * first: bought a product, a tag, a company, an owner, a country, lifecycle stages, a range of
 * last purchase dates; with none of those, the contacts-by-name index); the other conditions are
 * tested on each candidate from its contact item and the few items of its partition they need
 * (`BOUGHT#<product>`, `PURCHASE-SUMMARY`), read in batches. The cost is that of the driving
 * condition's matches, not of the address book. "Bought A but not B" reads A's buyers and one
 * item per buyer.
 */
const toSegment = (item: Item) => withoutKeys<Segment>(item);

/** A propensity score analytics wrote back (`propensity.<target>`, the model's target key). */
const PROPENSITY_FIELD = /^propensity\.[a-z0-9_-]{1,40}$/;

// Storage

async function checkConditions(
  ctx: TenantContext,
  conditions: SegmentCondition[],
  path: string,
): Promise<void> {
  const issues: FieldIssue[] = [];
  const t = ctx.tenantId;
  const references: Array<{ key: { PK: string; SK: string }; at: string; message: string }> = [];
  let customKeys: Set<string> | undefined;
  for (const [i, condition] of conditions.entries()) {
    const at = `${path}.${i}`;
    switch (condition.type) {
      case 'cross_sell':
        references.push({
          key: productKeys.product(t, condition.otherProductId),
          at: `${at}.otherProductId`,
          message: `There is no product ${condition.otherProductId}.`,
        });
        if (condition.otherProductId === condition.productId)
          issues.push({ path: `${at}.otherProductId`, message: 'Name a product other than `productId`.' });
        references.push({
          key: productKeys.product(t, condition.productId),
          at: `${at}.productId`,
          message: `There is no product ${condition.productId}.`,
        });
        break;
      case 'bought':
      case 'not_bought':
        references.push({
          key: productKeys.product(t, condition.productId),
          at: `${at}.productId`,
          message: `There is no product ${condition.productId}.`,
        });
        break;
      case 'owner':
        references.push({
          key: tenancyKeys.member(t, condition.ownerId),
          at: `${at}.ownerId`,
          message: `There is no member ${condition.ownerId}.`,
        });
        break;
      case 'company':
        references.push({
          key: companyKeys.company(t, condition.companyId),
          at: `${at}.companyId`,
          message: `There is no company ${condition.companyId}.`,
        });
        break;
      case 'last_purchase':
        if (!condition.before && !condition.onOrAfter)
          issues.push({ path: at, message: 'Give `before`, `onOrAfter` or both.' });
        else if (condition.before && condition.onOrAfter && condition.onOrAfter >= condition.before)
          issues.push({ path: `${at}.before`, message: '`before` must come after `onOrAfter`.' });
        break;
      case 'field': {
        if (condition.field.startsWith('custom.')) {
          customKeys ??= new Set(
            (await queryAll(ctx, { partition: fieldKeys.partition(t), sort: { beginsWith: 'FIELD#' } })).map(
              (item) => String(item.SK).slice('FIELD#'.length),
            ),
          );
          if (!customKeys.has(condition.field.slice('custom.'.length)))
            issues.push({
              path: `${at}.field`,
              message: `There is no custom field ${condition.field.slice(7)} (GET /v1/contact-fields lists them).`,
            });
        } else if (
          !(SEGMENT_FIELDS as readonly string[]).includes(condition.field) &&
          !(RFM_FIELDS as readonly string[]).includes(condition.field) &&
          !PROPENSITY_FIELD.test(condition.field)
        ) {
          issues.push({
            path: `${at}.field`,
            message: `Unknown field ${condition.field}; use ${[...SEGMENT_FIELDS, ...RFM_FIELDS].join(', ')}, propensity.<target> or custom.<key>.`,
          });
        }
        const needsValue = condition.op !== 'exists' && condition.op !== 'not_exists';
        if (needsValue && condition.value === undefined)
          issues.push({ path: `${at}.value`, message: `The ${condition.op} operator needs a value.` });
        if (['lt', 'lte', 'gt', 'gte'].includes(condition.op) && typeof condition.value === 'boolean')
          issues.push({ path: `${at}.value`, message: 'Order comparisons need a number or a text.' });
        break;
      }
    }
  }
  if (references.length) {
    const found = await getItems(
      ctx,
      references.map((r) => r.key),
    );
    const present = new Set(found.map((item) => `${item.PK}|${item.SK}`));
    for (const r of references)
      if (!present.has(`${r.key.PK}|${r.key.SK}`)) issues.push({ path: r.at, message: r.message });
  }
  if (issues.length) throw new ValidationError(issues);
}

export async function createSegment(ctx: TenantContext, input: SegmentCreate): Promise<Segment> {
  await checkConditions(ctx, input.conditions, 'body.conditions');
  const now = ctx.clock.now().toISOString();
  const segment: Segment = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      {
        ...segmentKeys.segment(ctx.tenantId, segment.id),
        entity: 'Segment',
        ...segment,
        GSI1PK: segmentKeys.all(ctx.tenantId),
        GSI1SK: `${segment.name.toLowerCase()}#${segment.id}`,
      },
      { condition: notExists },
    )
    .commit();
  return segment;
}

export async function findSegment(ctx: TenantContext, id: string): Promise<Segment | undefined> {
  const item = await getItem(ctx, segmentKeys.segment(ctx.tenantId, id));
  return item ? toSegment(item) : undefined;
}

export async function getSegment(ctx: TenantContext, id: string): Promise<Segment> {
  const segment = await findSegment(ctx, id);
  if (!segment) throw new NotFoundError('Segment', id);
  return segment;
}

export async function listSegments(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Segment>> {
  return queryPage(ctx, { index: 'GSI1', partition: segmentKeys.all(ctx.tenantId) }, page, toSegment);
}

export async function updateSegment(
  ctx: TenantContext,
  id: string,
  input: SegmentUpdate,
  ifMatch?: number | 'any',
): Promise<Segment> {
  const current = await getSegment(ctx, id);
  assertIfMatch(ifMatch, current);
  if (input.conditions) await checkConditions(ctx, input.conditions, 'body.conditions');
  const next: Segment = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.conditions !== undefined ? { conditions: input.conditions } : {}),
  };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (!stampRevision(ctx, current, next)) return current;
  await unitOfWork(ctx)
    .update(segmentKeys.segment(ctx.tenantId, id), {
      set: {
        name: next.name,
        description: next.description,
        conditions: next.conditions,
        updatedAt: next.updatedAt,
        GSI1SK: `${next.name.toLowerCase()}#${next.id}`,
      },
      bumpVersion: true,
      condition: and(exists, hasVersion(current.version)),
      onConditionFailed: () => new PreconditionFailedError(),
    })
    .commit();
  return next;
}

export async function deleteSegment(ctx: TenantContext, id: string): Promise<void> {
  await unitOfWork(ctx)
    .delete(segmentKeys.segment(ctx.tenantId, id), {
      condition: exists,
      onConditionFailed: () => new NotFoundError('Segment', id),
    })
    .commit();
}

// Evaluation

/** A contact the driving index yielded; indexes over contact items give the item itself. */
export interface Candidate {
  contactId: string;
  contactItem?: Item;
}

/** The partitions to read, in order, and how their items name a contact. */
export interface Driver {
  specs: QuerySpec[];
  candidate(item: Item): Candidate;
}

const byContactItem = (item: Item): Candidate => ({ contactId: String(item.id), contactItem: item });
const byContactId = (item: Item): Candidate => ({ contactId: String(item.contactId) });

/** The condition an index serves best, or every contact by name when none does. */
export function driverOf(ctx: TenantContext, conditions: SegmentCondition[]): Driver {
  const t = ctx.tenantId;
  const find = <T extends SegmentCondition['type']>(
    type: T,
    accept: (c: Extract<SegmentCondition, { type: T }>) => boolean = () => true,
  ) =>
    conditions.find(
      (c): c is Extract<SegmentCondition, { type: T }> => c.type === type && accept(c as never),
    );
  const bought = find('bought') ?? find('cross_sell');
  if (bought)
    return {
      specs: [{ index: 'GSI6', partition: purchaseKeys.buyersOf(t, bought.productId) }],
      candidate: byContactId,
    };
  const tag = find('tag', (c) => c.present);
  if (tag)
    return { specs: [{ index: 'GSI2', partition: contactKeys.byTag(t, tag.tag) }], candidate: byContactId };
  const company = find('company');
  if (company)
    return {
      specs: [{ index: 'GSI4', partition: contactKeys.byCompany(t, company.companyId) }],
      candidate: byContactItem,
    };
  const owner = find('owner');
  if (owner)
    return {
      specs: [{ index: 'GSI3', partition: contactKeys.byOwner(t, owner.ownerId) }],
      candidate: byContactItem,
    };
  const region = find('region');
  if (region)
    return {
      specs: [
        {
          index: 'GSI2',
          partition: contactKeys.byCountry(t, region.country),
          ...(region.region ? { sort: { beginsWith: `${region.region.toLowerCase()}#` } } : {}),
        },
      ],
      candidate: byContactId,
    };
  const stages = find('lifecycle_stage');
  if (stages)
    return {
      specs: [...new Set(stages.stages)].map((stage) => ({
        index: 'GSI2',
        partition: contactKeys.byStage(t, stage),
      })),
      candidate: byContactItem,
    };
  const rfm = find('field', (c) => c.field === 'rfm.segment' && c.op === 'eq' && typeof c.value === 'string');
  if (rfm)
    return {
      specs: [{ index: 'GSI2', partition: contactKeys.byRfmSegment(t, String(rfm.value).toLowerCase()) }],
      candidate: byContactId,
    };
  const purchase = find('last_purchase');
  if (purchase)
    return {
      specs: [
        {
          index: 'GSI5',
          partition: purchaseKeys.byLastPurchase(t),
          sort: { between: [purchase.onOrAfter ?? '0000-00-00', purchase.before ?? '9999-12-31#~'] },
        },
      ],
      candidate: byContactId,
    };
  return { specs: [{ index: 'GSI1', partition: contactKeys.byName(t) }], candidate: byContactItem };
}

/** The sort keys of the contact's partition that testing these conditions reads. */
export function sortKeysFor(conditions: SegmentCondition[]): string[] {
  const keys = new Set<string>();
  for (const c of conditions) {
    if (c.type === 'bought' || c.type === 'not_bought') keys.add(`BOUGHT#${c.productId}`);
    if (c.type === 'cross_sell') {
      keys.add(`BOUGHT#${c.productId}`);
      keys.add(`BOUGHT#${c.otherProductId}`);
    }
    if (c.type === 'last_purchase' || c.type === 'never_purchased') keys.add('PURCHASE-SUMMARY');
    const score = c.type === 'field' ? scoreSortKeyOf(c.field) : undefined;
    if (score) keys.add(score);
  }
  return [...keys];
}

function fieldValue(contact: Contact, field: string): unknown {
  if (field.startsWith('custom.')) return ownValue(contact.customFields, field.slice('custom.'.length));
  let current: unknown = contact;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = ownValue(current as Record<string, unknown>, part);
  }
  return current;
}

function compare(actual: unknown, op: string, expected: unknown): boolean {
  const present = actual !== undefined && actual !== null && actual !== '';
  if (op === 'exists') return present;
  if (op === 'not_exists') return !present;
  if (op === 'ne') return String(actual ?? '').toLowerCase() !== String(expected).toLowerCase();
  if (!present) return false;
  if (op === 'eq') return String(actual).toLowerCase() === String(expected).toLowerCase();
  if (op === 'contains') return String(actual).toLowerCase().includes(String(expected).toLowerCase());
  const [a, b] =
    typeof expected === 'number' ? [Number(actual), expected] : [String(actual), String(expected)];
  if (op === 'lt') return a < b;
  if (op === 'lte') return a <= b;
  if (op === 'gt') return a > b;
  return a >= b;
}

/**
 * The lifts of the bought-together rules that `cross_sell` conditions name (`X>Y` → lift), read
 * once per evaluation from the latest basket analysis; empty when no condition needs them.
 */
export type RuleLifts = ReadonlyMap<string, number>;

export async function ruleLiftsFor(ctx: TenantContext, conditions: SegmentCondition[]): Promise<RuleLifts> {
  const wanted = new Set(
    conditions.flatMap((c) => (c.type === 'cross_sell' ? [`${c.productId}>${c.otherProductId}`] : [])),
  );
  if (!wanted.size) return new Map();
  const mined = await boughtTogetherRules(ctx);
  return new Map(
    (mined?.rules ?? [])
      .map((r) => [`${r.productId}>${r.otherProductId}`, r.lift] as const)
      .filter(([key]) => wanted.has(key)),
  );
}

function holds(condition: SegmentCondition, data: ContactData, contact: Contact, lifts: RuleLifts): boolean {
  switch (condition.type) {
    case 'cross_sell':
      return (
        (lifts.get(`${condition.productId}>${condition.otherProductId}`) ?? 0) >= condition.minLift &&
        data.items.has(`BOUGHT#${condition.productId}`) &&
        !data.items.has(`BOUGHT#${condition.otherProductId}`)
      );
    case 'tag':
      return contact.tags.includes(condition.tag) === condition.present;
    case 'lifecycle_stage':
      return condition.stages.includes(contact.lifecycleStage);
    case 'owner':
      return contact.ownerId === condition.ownerId;
    case 'company':
      return contact.companyId === condition.companyId;
    case 'region':
      return contact.addresses.some(
        (a) =>
          a.country === condition.country &&
          (!condition.region || (a.region ?? '').toLowerCase() === condition.region.toLowerCase()),
      );
    case 'consent':
      return condition.statuses.includes(contact.marketingConsent?.status ?? 'unknown');
    case 'bought':
      return data.items.has(`BOUGHT#${condition.productId}`);
    case 'not_bought':
      return !data.items.has(`BOUGHT#${condition.productId}`);
    case 'last_purchase': {
      const date = data.items.get('PURCHASE-SUMMARY')?.lastPurchaseDate as string | undefined;
      if (!date) return false;
      return (
        (!condition.before || date < condition.before) &&
        (!condition.onOrAfter || date >= condition.onOrAfter)
      );
    }
    case 'never_purchased':
      return !data.items.has('PURCHASE-SUMMARY');
    case 'field': {
      const score = scoreSortKeyOf(condition.field);
      const actual = score
        ? scoreValueOf(condition.field, data.items.get(score))
        : fieldValue(contact, condition.field);
      return compare(actual, condition.op, condition.value);
    }
  }
}

/** Whether the contact (with the items `sortKeysFor` named) meets every condition. */
export function inSegment(conditions: SegmentCondition[], data: ContactData, lifts: RuleLifts): boolean {
  const contact = data.contact;
  return contact !== undefined && conditions.every((c) => holds(c, data, contact, lifts));
}

/** One page of the driver's candidates from `position` (which partition, and where in it). */
export async function driverPage(
  ctx: TenantContext,
  driver: Driver,
  position: { part: number; cursor?: string | undefined },
  limit: number,
): Promise<{ candidates: Candidate[]; next?: { part: number; cursor?: string } }> {
  const spec = driver.specs[position.part];
  if (!spec) return { candidates: [] };
  const page = await queryPage(ctx, spec, { limit, cursor: position.cursor }, (item) =>
    driver.candidate(item),
  );
  const next = page.nextCursor
    ? { part: position.part, cursor: page.nextCursor }
    : position.part + 1 < driver.specs.length
      ? { part: position.part + 1 }
      : undefined;
  return { candidates: page.items, ...(next ? { next } : {}) };
}

/** Loads what the conditions need for these candidates and keeps those in the segment. */
export async function matching(
  ctx: TenantContext,
  conditions: SegmentCondition[],
  candidates: Candidate[],
  extraSortKeys: string[] = [],
): Promise<ContactData[]> {
  const known = new Map(candidates.filter((c) => c.contactItem).map((c) => [c.contactId, c.contactItem!]));
  const data = await contactData(
    ctx,
    candidates.map((c) => c.contactId),
    [...new Set([...sortKeysFor(conditions), ...extraSortKeys])],
    known,
  );
  const lifts = await ruleLiftsFor(ctx, conditions);
  return [...data.values()].filter((d) => inSegment(conditions, d, lifts));
}

const PREVIEW_BUDGET = 2000;
const PREVIEW_PAGE = 250;
const SAMPLE = 10;

async function countPartition(ctx: TenantContext, spec: QuerySpec): Promise<number> {
  if (!spec.partition.startsWith(tenantPrefix(ctx.tenantId)))
    throw new Error('Refusing to count another tenant.');
  const sortName = `${spec.index}SK`;
  const names: Record<string, string> = { '#pk': `${spec.index}PK` };
  const values: Record<string, unknown> = { ':pk': spec.partition };
  let condition = '#pk = :pk';
  const sort = spec.sort;
  if (sort && 'beginsWith' in sort) {
    names['#sk'] = sortName;
    values[':sk'] = sort.beginsWith;
    condition += ' AND begins_with(#sk, :sk)';
  } else if (sort && 'between' in sort) {
    names['#sk'] = sortName;
    values[':from'] = sort.between[0];
    values[':to'] = sort.between[1];
    condition += ' AND #sk BETWEEN :from AND :to';
  }
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const result = await ctx.db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: spec.index,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return count;
}

export const memberOf = (contact: Contact): AudienceMember => ({
  id: contact.id,
  firstName: contact.firstName,
  lastName: contact.lastName,
  ...(contact.email ? { email: contact.email } : {}),
});

/**
 * How many contacts the segment holds now, with a sample. Up to 2,000 candidates of the driving
 * condition are examined; beyond that the count is extrapolated from the share that matched
 * (`exact: false`), since counting a very large segment exactly does not fit in a request.
 */
export async function previewSegment(ctx: TenantContext, id: string): Promise<SegmentPreview> {
  const segment = await getSegment(ctx, id);
  const driver = driverOf(ctx, segment.conditions);
  const matched = new Map<string, AudienceMember>();
  const examined = new Set<string>();
  let position: { part: number; cursor?: string } | undefined = { part: 0 };
  while (position && examined.size < PREVIEW_BUDGET) {
    const page = await driverPage(ctx, driver, position, PREVIEW_PAGE);
    const fresh = page.candidates.filter((c) => !examined.has(c.contactId));
    for (const c of fresh) examined.add(c.contactId);
    for (const data of await matching(ctx, segment.conditions, fresh))
      matched.set(data.id, memberOf(data.contact!));
    position = page.next;
  }
  const sample = [...matched.values()].slice(0, SAMPLE);
  if (!position) return { count: matched.size, exact: true, examined: examined.size, sample };
  let total = 0;
  for (const spec of driver.specs) total += await countPartition(ctx, spec);
  const estimate = Math.round((matched.size / Math.max(1, examined.size)) * total);
  return { count: Math.max(estimate, matched.size), exact: false, examined: examined.size, sample };
}
