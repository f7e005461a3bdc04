import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { isTenantRoute, routeKey } from '../../shared/platform/http/route.ts';
import { newId } from '../../shared/platform/ids.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { isolationFixtures } from './fixtures/index.ts';

/**
 * Generated from the route table: for every reference a route declares (a body field naming
 * another record), a request whose field names a record that does not exist in the caller's
 * tenant (here: another tenant's record) answers 422 naming that field, and writes nothing.
 * A route that declares references needs a valid body here (the first test fails until it has
 * one); test/unit/app/references.test.ts makes sure every id-like field is declared.
 */
const withReferences = application.routes.filter((r) => r.references && isTenantRoute(r));

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let other: SignedUpTenant;
/** Records of the tenant, for the references that stay valid. */
let ids: Record<string, string>;
/** A record of each kind in the other tenant: it exists, but not for the caller. */
let foreign: Record<string, string>;

async function ok<T = any>(response: Promise<{ status: number; body: T; text: string }>): Promise<T> {
  const r = await response;
  if (r.status >= 300) throw new Error(`Fixture request failed: ${r.status} ${r.text}`);
  return r.body;
}

async function records(api: Api, label: string): Promise<Record<string, string>> {
  const member = await memberWithKey(api, 'sales');
  const company = await ok(api.post('/v1/companies', { name: `${label} Ltd` }));
  const contact = await ok(
    api.post('/v1/contacts', { firstName: label, lastName: 'Ref', email: `${label}-${newId()}@ref.example` }),
  );
  const pipeline = await ok(
    api.post('/v1/pipelines', {
      name: label,
      stages: [{ name: 'Open' }, { name: 'Won', outcome: 'won' }, { name: 'Lost', outcome: 'lost' }],
    }),
  );
  const deal = await ok(api.post('/v1/deals', { name: label, pipelineId: pipeline.id }));
  const supplier = await ok(api.post('/v1/suppliers', { name: label, email: 'ref@supplier.example' }));
  const product = await ok(
    api.post('/v1/products', {
      sku: `REF-${newId()}`,
      name: label,
      prices: [{ currency: 'EUR', unitAmount: 100 }],
      trackStock: false,
    }),
  );
  const priceList = await ok(api.post('/v1/price-lists', { name: label, currency: 'EUR' }));
  const invoice = await ok(
    api.post('/v1/invoices', {
      contactId: contact.id,
      lines: [{ description: 'Work', quantity: 1, unitAmount: 100, taxRateBps: 0 }],
    }),
  );
  const list = await ok(api.post('/v1/lists', { name: label }));
  const segment = await ok(
    api.post('/v1/segments', { name: label, conditions: [{ type: 'tag', tag: 'x' }] }),
  );
  const template = await ok(
    api.post('/v1/templates', { name: label, subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' }),
  );
  const topic = `ref-${label.toLowerCase()}`;
  await ok(api.post('/v1/topics', { id: topic, name: label }));
  const quote = await ok(
    api.post('/v1/quotes', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
  );
  const order = await ok(
    api.post('/v1/orders', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
  );
  const survey = await ok(
    api.post('/v1/surveys', { title: label, questions: [{ id: 'q', type: 'nps', text: 'Recommend us?' }] }),
  );
  return {
    member: member.memberId,
    order: order.id,
    survey: survey.id,
    company: company.id,
    contact: contact.id,
    pipeline: pipeline.id,
    deal: deal.id,
    supplier: supplier.id,
    product: product.id,
    priceList: priceList.id,
    invoice: invoice.id,
    list: list.id,
    segment: segment.id,
    template: template.id,
    topic,
    quote: quote.id,
  };
}

const audience = (r: Record<string, string>) => ({
  lists: [r.list],
  segments: [r.segment],
  excludeLists: [r.list],
  excludeSegments: [r.segment],
  contactIds: [r.contact],
});
const meeting = (r: Record<string, string>) => ({
  title: 'Review',
  start: '2031-01-01T09:00:00Z',
  end: '2031-01-01T10:00:00Z',
  attendeeMemberIds: [r.member],
});
const actions = (r: Record<string, string>) => [
  {
    type: 'create_task',
    title: 'Call back',
    assignTo: { type: 'member', memberId: r.member },
    fallbackAssigneeId: r.member,
  },
  { type: 'add_to_list', listId: r.list },
];
const conditions = (r: Record<string, string>) => [
  { type: 'owner', ownerId: r.member },
  { type: 'company', companyId: r.company },
  { type: 'bought', productId: r.product },
  { type: 'cross_sell', productId: r.product, otherProductId: r.product, minLift: 1 },
];
const invoiceLines = (r: Record<string, string>) => [
  { description: 'Chair', quantity: 1, unitAmount: 100, taxRateBps: 0, productId: r.product },
];

/** A valid body per route, naming the caller's own records; params when the route addresses one. */
const cases: Record<
  string,
  { body: (r: Record<string, string>) => unknown; params?: (api: Api) => Promise<Record<string, string>> }
> = {
  'POST /v1/api-keys': { body: (r) => ({ name: 'ref key', memberId: r.member }) },
  'POST /v1/contacts': {
    body: (r) => ({ firstName: 'A', lastName: 'B', companyId: r.company, ownerId: r.member }),
  },
  'PATCH /v1/contacts/{id}': { body: (r) => ({ companyId: r.company, ownerId: r.member }) },
  'POST /v1/contacts/{id}/merge': { body: (r) => ({ duplicateId: r.contact }) },
  'POST /v1/companies': { body: (r) => ({ name: 'Acme', ownerId: r.member }) },
  'PATCH /v1/companies/{id}': { body: (r) => ({ ownerId: r.member }) },
  'POST /v1/activities': {
    body: (r) => ({
      type: 'meeting',
      contactIds: [r.contact],
      companyId: r.company,
      dealId: r.deal,
      invoiceId: r.invoice,
      ownerId: r.member,
      meeting: meeting(r),
    }),
  },
  'PATCH /v1/activities/{id}': {
    body: (r) => ({ ownerId: r.member, meeting: meeting(r) }),
    params: async (api) => {
      const contact = await ok(api.post('/v1/contacts', { firstName: 'M', lastName: 'Eeting' }));
      const activity = await ok(
        api.post('/v1/activities', {
          type: 'meeting',
          contactIds: [contact.id],
          meeting: { title: 'Kick-off', start: '2031-01-01T09:00:00Z', end: '2031-01-01T10:00:00Z' },
        }),
      );
      return { id: activity.id };
    },
  },
  'POST /v1/tasks': {
    body: (r) => ({ title: 'T', assigneeId: r.member, links: [{ type: 'deal', id: r.deal }] }),
  },
  'PATCH /v1/tasks/{id}': { body: (r) => ({ assigneeId: r.member }) },
  'POST /v1/recurring-tasks': {
    body: (r) => ({
      title: 'T',
      rrule: 'FREQ=MONTHLY',
      startsAt: '2031-01-01T09:00',
      assigneeId: r.member,
      links: [{ type: 'invoice', id: r.invoice }],
    }),
  },
  'PATCH /v1/recurring-tasks/{id}': {
    body: (r) => ({ assigneeId: r.member, links: [{ type: 'contact', id: r.contact }] }),
  },
  'POST /v1/automation-rules': {
    body: (r) => ({ name: 'R', trigger: { type: 'event', event: 'SurveyResponded' }, actions: actions(r) }),
  },
  'PATCH /v1/automation-rules/{id}': { body: (r) => ({ actions: actions(r) }) },
  'POST /v1/leads': { body: (r) => ({ source: 'web', contactId: r.contact, ownerId: r.member }) },
  'PATCH /v1/leads/{id}': { body: (r) => ({ ownerId: r.member }) },
  'POST /v1/leads/{id}/convert': { body: (r) => ({ pipelineId: r.pipeline }) },
  'PUT /v1/lead-assignment-rules': {
    body: (r) => ({ rules: [{ id: 'r', match: {}, assign: { type: 'member', memberId: r.member } }] }),
  },
  'POST /v1/deals': {
    body: (r) => ({
      name: 'D',
      pipelineId: r.pipeline,
      ownerId: r.member,
      contactIds: [r.contact],
      companyId: r.company,
    }),
  },
  'PATCH /v1/deals/{id}': {
    body: (r) => ({ ownerId: r.member, contactIds: [r.contact], companyId: r.company }),
  },
  'POST /v1/products': {
    body: (r) => ({
      sku: `P-${newId()}`,
      name: 'P',
      prices: [{ currency: 'EUR', unitAmount: 1 }],
      supplierId: r.supplier,
    }),
  },
  'PATCH /v1/products/{id}': { body: (r) => ({ supplierId: r.supplier }) },
  'POST /v1/products/{id}/configure': { body: (r) => ({ priceListId: r.priceList }) },
  'POST /v1/quotes': {
    body: (r) => ({
      contactId: r.contact,
      dealId: r.deal,
      ownerId: r.member,
      priceListId: r.priceList,
      lines: [{ productId: r.product, quantity: 1 }],
    }),
  },
  'PATCH /v1/quotes/{id}': {
    body: (r) => ({
      dealId: r.deal,
      ownerId: r.member,
      priceListId: r.priceList,
      lines: [{ productId: r.product, quantity: 1 }],
    }),
  },
  'POST /v1/orders': {
    body: (r) => ({
      quoteId: r.quote,
      contactId: r.contact,
      dealId: r.deal,
      ownerId: r.member,
      priceListId: r.priceList,
      lines: [{ productId: r.product, quantity: 1 }],
    }),
  },
  'POST /v1/purchase-orders': {
    body: (r) => ({ supplierId: r.supplier, lines: [{ productId: r.product, quantity: 1 }] }),
  },
  'POST /v1/invoices': {
    body: (r) => ({ contactId: r.contact, companyId: r.company, lines: invoiceLines(r) }),
  },
  'PATCH /v1/invoices/{id}': {
    body: (r) => ({ contactId: r.contact, companyId: r.company, lines: invoiceLines(r) }),
  },
  'POST /v1/lists/{id}/members': { body: (r) => ({ contactIds: [r.contact] }) },
  'POST /v1/segments': { body: (r) => ({ name: 'S', conditions: conditions(r) }) },
  'PATCH /v1/segments/{id}': { body: (r) => ({ conditions: conditions(r) }) },
  'POST /v1/templates/{id}/preview': { body: (r) => ({ contactId: r.contact }) },
  'POST /v1/campaigns': {
    body: (r) => ({ name: 'C', topicId: r.topic, templateId: r.template, audience: audience(r) }),
  },
  'PATCH /v1/campaigns/{id}': {
    body: (r) => ({ topicId: r.topic, templateId: r.template, audience: audience(r) }),
  },
  'POST /v1/campaigns/{id}/test-send': { body: (r) => ({ memberId: r.member, contactId: r.contact }) },
  'POST /v1/newsletters': {
    body: (r) => ({
      name: 'N',
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', startsAt: '2031-01-06T09:00' },
      topicId: r.topic,
      templateId: r.template,
      audience: audience(r),
    }),
  },
  'PATCH /v1/newsletters/{id}': {
    body: (r) => ({ topicId: r.topic, templateId: r.template, audience: audience(r) }),
  },
  'POST /v1/surveys': {
    body: (r) => ({
      title: 'S',
      questions: [{ id: 'q', type: 'nps', text: 'Recommend us?' }],
      audience: audience(r),
      topicId: r.topic,
    }),
  },
  'PATCH /v1/surveys/{id}': { body: (r) => ({ audience: audience(r), topicId: r.topic }) },
  'POST /v1/models': { body: (r) => ({ key: 'ref', productId: r.product }) },
  'POST /v1/cases': {
    body: (r) => ({
      subject: 'Refund',
      text: 'The chair arrived broken.',
      contactId: r.contact,
      links: { orderIds: [r.order], invoiceIds: [r.invoice], dealIds: [r.deal], productIds: [r.product] },
    }),
  },
  'PATCH /v1/cases/{id}': { body: (r) => ({ assigneeId: r.member }) },
  'PUT /v1/case-settings': {
    body: (r) => ({
      week: { '1': { opens: '09:00', closes: '17:00' } },
      holidays: [],
      csatSurveyId: r.survey,
    }),
  },
  'POST /v1/surveys/{id}/paper-waves': { body: (r) => ({ contactIds: [r.contact] }) },
};

/**
 * Sets the first value a declared pattern names in a body (`lines.*.productId` is
 * `lines.0.productId`, or the first line that has one) and says its path.
 */
function setAt(node: unknown, pattern: string[], value: string, path = 'body'): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const [head, ...rest] = pattern;
  const record = node as Record<string, unknown>;
  if (head === '*') {
    if (rest.length === 0 && (node as unknown[]).length > 0) {
      (node as unknown[])[0] = value;
      return `${path}.0`;
    }
    for (const [i, element] of (node as unknown[]).entries()) {
      const found = setAt(element, rest, value, `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (record[head!] === undefined) return undefined;
  if (rest.length === 0) {
    record[head!] = value;
    return `${path}.${head}`;
  }
  return setAt(record[head!], rest, value, `${path}.${head}`);
}

const fill = (path: string, params: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));

beforeAll(async () => {
  runtime = await startTestRuntime();
  [tenant, other] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  [ids, foreign] = await Promise.all([records(tenant.api, 'Own'), records(other.api, 'Other')]);
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

const probes = withReferences.flatMap((route) =>
  Object.entries(route.references!).map(
    ([pattern, kind]) => [`${routeKey(route)} ${pattern}`, route, pattern, kind] as const,
  ),
);

describe('references to other records', () => {
  it('have a valid body for every route that declares some', () => {
    const missing = withReferences.map(routeKey).filter((key) => !cases[key]);
    expect(missing, 'add a body in test/e2e/references.test.ts').toEqual([]);
  });

  it.each(probes)(
    '%s naming a record the tenant does not have answers 422 naming the field',
    async (_, route, pattern, kind) => {
      const own = cases[routeKey(route)]!;
      const params = route.path.includes('{')
        ? await (own.params ?? isolationFixtures[route.path]!.create)(tenant.api)
        : {};
      const body = own.body(ids);
      // Another tenant's record of the same kind (for a link, the kind its `type` names).
      const named = kind.startsWith('@') ? 'deal' : kind;
      if (kind.startsWith('@')) setAt(body, pattern.replace(/[^.]+$/, kind.slice(1)).split('.'), named);
      const path = setAt(body, pattern.split('.'), foreign[named] ?? newId());
      expect(path, `the body for ${routeKey(route)} has no ${pattern}`).toBeDefined();
      const before = route.path.includes('{') ? await tenant.api.get(fill(route.path, params)) : undefined;
      const response = await tenant.api.request(route.method, fill(route.path, params), body);
      expect(response.status, response.text).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(response.text).not.toContain(other.tenantId);
      if (before?.status === 200) {
        const after = await tenant.api.get(fill(route.path, params));
        expect(after.body.version, 'nothing was written').toBe(before.body.version);
      }
    },
    60_000,
  );
});
