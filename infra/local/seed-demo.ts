import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { REPO_ROOT } from './runtime.ts';

/**
 * `npm run seed:demo`: a year of a small company's activity for the demo tenant of a running
 * `npm start`, written through the API, day after day, with the local clock (POST /_local/clock)
 * set to each day so every record and event carries its own date: contacts with countries and
 * demographics, products in categories, leads, deals through the pipeline, activities, tasks,
 * quotes, orders of several lines, invoices paid on time or late (the dunning sweep runs every
 * day), monthly campaigns (some to the SES mailbox simulator, which bounces and complains), and
 * survey answers. The generator is seeded: two runs make the same history. Reports, analytics and
 * dashboards all read this data set. It takes several minutes.
 */
const { values } = parseArgs({
  options: {
    api: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    key: { type: 'string' },
    days: { type: 'string', default: '365' },
    seed: { type: 'string', default: '42' },
  },
});
const API = values.api!;
const DAYS = Number(values.days);
if (!Number.isInteger(DAYS) || DAYS < 1 || DAYS > 730) throw new Error('--days takes 1 to 730.');

function demoKey(): string {
  if (values.key) return values.key;
  if (process.env.DEMO_API_KEY) return process.env.DEMO_API_KEY;
  const file = join(REPO_ROOT, '.funnel', 'demo-tenant.json');
  if (!existsSync(file))
    throw new Error('No demo tenant: start the CRM with `npm start` first (or pass --key <admin API key>).');
  return (JSON.parse(readFileSync(file, 'utf8')) as { apiKey: string }).apiKey;
}
const KEY = demoKey();

const generator = xoroshiro128plus(Number(values.seed));
/** A whole number from `min` to `max`, both included, from the seeded generator. */
const int = (min: number, max: number) => uniformInt(generator, min, max);
const chance = (p: number) => int(0, 9999) < p * 10_000;
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;

/** The API's answers, read ad hoc by a script that only drives it. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Answer = any;

async function call<T = Answer>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 400)}`);
  return (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
}
const post = <T = Answer>(path: string, body?: unknown) => call<T>('POST', path, body ?? {});
const patch = <T = Answer>(path: string, body: unknown) => call<T>('PATCH', path, body, { 'if-match': '*' });

const DAY_MS = 86_400_000;
const setClock = (at: Date) => call('POST', '/_local/clock', { now: at.toISOString() });
const settle = () => call('POST', '/_local/settle');

const PLACES = [
  { country: 'FR', regions: ['Île-de-France', 'Auvergne-Rhône-Alpes', 'Bretagne', 'Occitanie'], weight: 5 },
  { country: 'DE', regions: ['Bayern', 'Berlin', 'Hessen'], weight: 3 },
  { country: 'ES', regions: ['Cataluña', 'Madrid'], weight: 2 },
  { country: 'IT', regions: ['Lombardia', 'Lazio'], weight: 2 },
  { country: 'BE', regions: ['Bruxelles', 'Vlaanderen'], weight: 1 },
  { country: 'NL', regions: ['Noord-Holland'], weight: 1 },
];
const WEIGHTED_PLACES = PLACES.flatMap((p) => Array.from({ length: p.weight }, () => p));
const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Edsger',
  'Frances',
  'John',
  'Radia',
  'Tim',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Dijkstra',
  'Allen',
  'Backus',
  'Perlman',
  'Berners',
];
const CATALOGUE = [
  {
    category: 'SUVs',
    items: [
      ['Explorer', 3_500_000],
      ['Ranger', 2_900_000],
      ['Summit', 4_200_000],
    ],
  },
  {
    category: 'Sedans',
    items: [
      ['Commuter', 2_100_000],
      ['Executive', 3_300_000],
      ['City', 1_600_000],
    ],
  },
  {
    category: 'Accessories',
    items: [
      ['Roof box', 45_000],
      ['Bike rack', 32_000],
      ['Winter tyres', 80_000],
    ],
  },
  {
    category: 'Services',
    items: [
      ['Maintenance plan', 60_000],
      ['Extended warranty', 120_000],
      ['Insurance', 95_000],
    ],
  },
] as const;
const INCOME = ['under_25k', '25k_50k', '50k_100k', '100k_200k', 'over_200k'] as const;
const OUTCOMES = [
  'connected',
  'connected',
  'connected',
  'no_answer',
  'voicemail',
  'busy',
  'wrong_number',
] as const;

interface Deal {
  id: string;
  stage: number;
  ownerId: string;
  contactId: string;
  amount: number;
}
interface Invoice {
  id: string;
  total: number;
  payOn?: number;
}

async function main() {
  const health = await fetch(`${API}/health`).catch(() => undefined);
  if (!health?.ok) throw new Error(`Nothing answers at ${API}: start the CRM with \`npm start\` first.`);
  const tenant = await call<{ timeZone: string }>('GET', '/v1/tenant');
  const today = new Date();
  const start = new Date(today.getTime() - DAYS * DAY_MS);
  const morning = (day: number) =>
    new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + day, 8, 0, 0));
  console.log(
    `Seeding ${DAYS} days of the demo tenant (${tenant.timeZone}) at ${API}, from ${morning(0).toISOString().slice(0, 10)}.`,
  );
  await setClock(morning(0));
  try {
    // The company: members in two teams, a catalogue in categories, a pipeline, a list, a survey.
    const sales: string[] = [];
    for (const [i, name] of ['Sam', 'Sofia', 'Omar', 'Ines', 'Luca', 'Mei'].entries())
      sales.push(
        (
          await post('/v1/members', {
            name: `${name} Seller`,
            email: `${name.toLowerCase()}@demo.example`,
            role: 'sales',
            team: i < 3 ? 'North' : 'South',
          })
        ).id,
      );
    await post('/v1/members', { name: 'Fiona Finance', email: 'fiona@demo.example', role: 'finance' });
    await post('/v1/members', { name: 'Mark Marketing', email: 'mark@demo.example', role: 'marketing' });
    const products: Array<{ id: string; price: number }> = [];
    for (const group of CATALOGUE)
      for (const [name, price] of group.items)
        products.push({
          id: (
            await post('/v1/products', {
              sku: `${group.category.slice(0, 3).toUpperCase()}-${name.replace(/\W/g, '').toUpperCase()}`,
              name,
              category: group.category,
              prices: [{ currency: 'EUR', unitAmount: price }],
              taxRateBps: 2000,
              trackStock: false,
            })
          ).id,
          price,
        });
    const pipeline = await post('/v1/pipelines', {
      name: 'New business',
      stages: [
        { name: 'New', probability: 10 },
        { name: 'Qualified', probability: 25 },
        { name: 'Proposal', probability: 50 },
        { name: 'Negotiation', probability: 75 },
        { name: 'Won', outcome: 'won' },
        { name: 'Lost', outcome: 'lost' },
      ],
    });
    const stages: string[] = pipeline.stages.map((s: { id: string }) => s.id);
    const [WON, LOST] = [stages[4]!, stages[5]!];
    const list = await post('/v1/lists', { name: 'Customers and prospects' });
    await post('/v1/topics', { id: 'news', name: 'News and offers' });
    const template = await post('/v1/templates', {
      name: 'Monthly news',
      subject: 'News for {{firstName | "you"}}',
      html: '<p>Hello {{firstName | "there"}}, here is what is new this month.</p>',
      text: 'Hello {{firstName | "there"}}, here is what is new this month.',
    });
    const survey = await post('/v1/surveys', {
      title: 'How are we doing?',
      questions: [
        { id: 'recommend', type: 'nps', text: 'How likely are you to recommend us?' },
        { id: 'satisfied', type: 'csat', text: 'How satisfied are you with your last purchase?' },
      ],
    });
    await patch(`/v1/surveys/${survey.id}`, { status: 'active' });

    const contacts: Array<{ id: string; ownerId: string; income: (typeof INCOME)[number] }> = [];
    const incomeOf = new Map<string, string>();
    const deals: Deal[] = [];
    const invoices: Invoice[] = [];
    const tasks: string[] = [];
    const counts = {
      contacts: 0,
      deals: 0,
      orders: 0,
      invoices: 0,
      activities: 0,
      campaigns: 0,
      responses: 0,
      cases: 0,
    };

    const newContact = async () => {
      const place = pick(WEIGHTED_PLACES);
      const first = pick(FIRST);
      const last = pick(LAST);
      const n = contacts.length;
      const simulated = chance(0.04) ? pick(['bounce', 'complaint']) : undefined;
      const ownerId = pick(sales);
      const income = pick(INCOME);
      const contact = await post('/v1/contacts', {
        firstName: first,
        lastName: last,
        email: simulated
          ? `${simulated}+demo${n}@simulator.amazonses.com`
          : `${first}.${last}.${n}@customers.example`.toLowerCase(),
        ownerId,
        lifecycleStage: chance(0.5) ? 'customer' : 'prospect',
        addresses: [{ country: place.country, region: pick(place.regions), city: 'Demo' }],
        demographics: {
          birthYear: int(1950, 2004),
          gender: pick(['female', 'male', 'female', 'male', 'non_binary', 'undisclosed'] as const),
          householdIncomeBand: income,
        },
        ...(chance(0.8) ? { marketingConsent: { status: 'granted', source: 'website form' } } : {}),
      });
      contacts.push({ id: contact.id, ownerId, income });
      incomeOf.set(contact.id, income);
      counts.contacts++;
      await post(`/v1/lists/${list.id}/members`, { contactIds: [contact.id] });
      return contact.id as string;
    };
    for (let i = 0; i < 25; i++) await newContact();
    const suvs = products.slice(0, CATALOGUE[0].items.length);

    const order = async (contactId: string, ownerId: string) => {
      const lines = Array.from({ length: int(1, 4) }, () => ({
        productId: pick(products).id,
        quantity: int(1, 3),
      }));
      // A pattern for the propensity models to find: the well-off buy SUVs more often.
      const wellOff = ['100k_200k', 'over_200k'].includes(incomeOf.get(contactId) ?? '');
      if (wellOff && chance(0.6)) lines[0] = { productId: pick(suvs).id, quantity: 1 };
      const placed = await post('/v1/orders', { contactId, lines, ownerId });
      counts.orders++;
      if (chance(0.9)) {
        const invoice = await post(`/v1/orders/${placed.id}/invoice`, { issue: true });
        counts.invoices++;
        // Most pay within the 30 days, some late (the dunning levels), a few never.
        const delay = chance(0.6)
          ? int(5, 29)
          : chance(0.7)
            ? int(31, 55)
            : chance(0.7)
              ? int(56, 100)
              : undefined;
        invoices.push({
          id: invoice.id,
          total: invoice.total,
          ...(delay !== undefined ? { payOn: dayIndex + delay } : {}),
        });
      }
      if (chance(0.85)) await post(`/v1/orders/${placed.id}/fulfil`, {}).catch(() => undefined);
    };

    let dayIndex = 0;
    for (; dayIndex < DAYS; dayIndex++) {
      const day = morning(dayIndex);
      await setClock(day);
      const weekday = day.getUTCDay() % 6 !== 0;
      const busy = weekday ? 1 : 0.2;
      if (dayIndex % 30 === 0)
        process.stdout.write(`  ${day.toISOString().slice(0, 10)}: ${JSON.stringify(counts)}\n`);

      for (let i = 0; i < int(0, 2) * busy; i++) await newContact();
      if (chance(0.5 * busy)) {
        const lead = await post('/v1/leads', {
          source: pick(['website', 'trade show', 'referral', 'partner']),
          score: int(10, 90),
          region: pick(pick(PLACES).regions),
          person: { firstName: pick(FIRST), lastName: pick(LAST) },
        });
        if (chance(0.3))
          await post(`/v1/leads/${lead.id}/convert`, {
            pipelineId: pipeline.id,
            amount: int(10, 80) * 100_000,
            currency: 'EUR',
          }).catch(() => undefined);
      }
      if (chance(0.7 * busy)) {
        const customer = pick(contacts);
        const deal = await post('/v1/deals', {
          name: `Deal ${deals.length + 1}`,
          pipelineId: pipeline.id,
          amount: int(10, 90) * 100_000,
          currency: 'EUR',
          // Most have a close date, for the weighted pipeline; some slip past it.
          ...(chance(0.85)
            ? {
                expectedCloseDate: new Date(day.getTime() + int(10, 150) * DAY_MS).toISOString().slice(0, 10),
              }
            : {}),
          ownerId: customer.ownerId,
          contactIds: [customer.id],
        });
        deals.push({
          id: deal.id,
          stage: 0,
          ownerId: customer.ownerId,
          contactId: customer.id,
          amount: deal.amount,
        });
        counts.deals++;
      }
      for (const deal of deals.filter((d) => d.stage < 4)) {
        if (!chance(0.12)) continue;
        const next = chance(0.08) ? 5 : deal.stage === 3 ? (chance(0.5) ? 4 : 5) : deal.stage + 1;
        await patch(`/v1/deals/${deal.id}`, { stageId: stages[next] });
        deal.stage = next;
        if (stages[next] === WON) await order(deal.contactId, deal.ownerId);
        if (stages[next] === LOST || stages[next] === WON) deal.stage = 9;
      }
      if (chance(0.6 * busy)) {
        const customer = pick(contacts);
        await order(customer.id, customer.ownerId);
      }
      if (chance(0.3 * busy)) {
        const customer = pick(contacts);
        const quote = await post('/v1/quotes', {
          contactId: customer.id,
          lines: [{ productId: pick(products).id, quantity: int(1, 2) }],
        });
        await post(`/v1/quotes/${quote.id}/send`, {}).catch(() => undefined);
        // Half are accepted, a quarter rejected, the rest left open.
        const fate = chance(0.5) ? 'accept' : chance(0.5) ? 'reject' : 'open';
        if (fate === 'accept') await post(`/v1/quotes/${quote.id}/accept`, {}).catch(() => undefined);
        if (fate === 'reject')
          await post(`/v1/quotes/${quote.id}/reject`, { reason: 'Too expensive' }).catch(() => undefined);
      }
      for (let i = 0; i < int(2, 8) * busy; i++) {
        const customer = pick(contacts);
        const kind = pick(['call', 'call', 'call', 'meeting', 'note'] as const);
        const at = new Date(day.getTime() + int(1, 9) * 3_600_000).toISOString();
        await post('/v1/activities', {
          type: kind,
          contactIds: [customer.id],
          ownerId: customer.ownerId,
          ...(kind === 'call' ? { call: { direction: 'outbound', at, outcome: pick(OUTCOMES) } } : {}),
          ...(kind === 'meeting'
            ? {
                meeting: {
                  title: 'Review',
                  start: at,
                  end: new Date(Date.parse(at) + 3_600_000).toISOString(),
                },
              }
            : {}),
          ...(kind === 'note' ? { note: { body: 'Follow-up notes.', at } } : {}),
        });
        counts.activities++;
      }
      for (let i = 0; i < int(0, 3) * busy; i++)
        tasks.push(
          (
            await post('/v1/tasks', {
              title: pick(['Call back', 'Send brochure', 'Prepare quote', 'Check delivery']),
              assigneeId: pick(sales),
              dueAt: new Date(day.getTime() + int(1, 10) * DAY_MS).toISOString(),
            })
          ).id,
        );
      for (const task of tasks.splice(0, int(0, 3)))
        await patch(`/v1/tasks/${task}`, { status: 'done' }).catch(() => undefined);
      for (const invoice of invoices.filter((i) => i.payOn === dayIndex)) {
        await post(`/v1/invoices/${invoice.id}/payments`, {
          amount: invoice.total,
          reference: `PAY-${invoice.id}`,
        }).catch(() => undefined);
        delete invoice.payOn;
      }
      if (day.getUTCDate() === 3) {
        const campaign = await post('/v1/campaigns', {
          name: `News ${day.toISOString().slice(0, 7)}`,
          audience: { lists: [list.id] },
          topicId: 'news',
          templateId: template.id,
        });
        await post(`/v1/campaigns/${campaign.id}/send`);
        counts.campaigns++;
      }
      if (day.getUTCDay() === 2) {
        const who = Array.from({ length: 4 }, () => pick(contacts).id);
        const wave = await post(`/v1/surveys/${survey.id}/paper-waves`, { contactIds: [...new Set(who)] });
        for (const invitation of wave.invitations) {
          await post('/v1/survey-responses', {
            code: invitation.code,
            answers: { recommend: pick([10, 9, 9, 8, 7, 6, 3, 10, 9]), satisfied: pick([5, 4, 4, 3, 5, 2]) },
          }).catch(() => undefined);
          counts.responses++;
        }
      }
      // Customers write in; most get an answer the same morning (an SLA met), the rest wait past
      // the first-response target (a breach the case's timer records as the days pass).
      for (let i = 0; i < int(0, 2) * busy; i++) {
        const customer = pick(contacts);
        const opened = await post('/v1/cases', {
          subject: pick(['Delivery delayed', 'Invoice question', 'Wrong size', 'How do I fit it?']),
          text: 'Could you help me with my last order?',
          contactId: customer.id,
          priority: pick(['normal', 'normal', 'high', 'low'] as const),
        });
        await patch(`/v1/cases/${opened.id}`, { assigneeId: customer.ownerId ?? pick(sales) });
        if (chance(0.75))
          await post(`/v1/cases/${opened.id}/messages`, { text: 'Thanks for writing; it is on its way.' });
        counts.cases++;
      }
      await call('POST', '/_local/schedules/dunning-sweep/run', {
        asOf: new Date(day.getTime() + 3_600_000).toISOString(),
      });
      await settle();
    }
    console.log(`Done: ${JSON.stringify(counts)}. Reports: ${API}/v1/reports`);
    await setClock(new Date());
    await analyse(products[CATALOGUE[0].items.length * 2]!.id);
  } finally {
    await call('DELETE', '/_local/clock');
    await settle();
  }
}

/**
 * Customer analytics on the seeded history: models for the SUV category, the roof box and churn,
 * then every analysis run once (the daily schedule would do it overnight), so RFM, cohorts,
 * bought-together, the forecast with its weighted pipeline and the models answer at once.
 */
async function analyse(roofBox: string) {
  const models = [
    { key: 'suv', target: 'category', category: 'SUVs', horizonDays: 120 },
    { key: 'roof_box', target: 'product', productId: roofBox, horizonDays: 120 },
    { key: 'churn_90', target: 'churn', horizonDays: 90 },
  ];
  for (const model of models)
    await post('/v1/models', model).catch((error: Error) =>
      console.log(`  model ${model.key}: ${error.message}`),
    );
  await post('/v1/analytics/runs', { analyses: ['rfm', 'basket', 'forecast', 'models'] });
  await settle();
  const rfm = await call('GET', '/v1/analytics/rfm');
  const forecast = await call('GET', '/v1/analytics/forecast');
  console.log(
    `Analytics: ${rfm.customers} customers in RFM segments, ${forecast.tenant.history.length} months of sales ` +
      `(${forecast.tenant.projection.length ? 'projected' : forecast.tenant.message}), ` +
      `${forecast.pipeline?.tenant.total.deals ?? 0} open deals weighted. Models: ${API}/v1/models`,
  );
}

await main();
