import type { SettleOptions } from '../infra/local/runtime.ts';
import { verifyTenantByMail } from '../infra/local/verify-by-mail.ts';
import { Client, type Response } from './http.ts';
import { inParallel, type Progress } from './progress.ts';

/**
 * The data set the cases run against, made by the harness itself through the public API (sign-up,
 * members, companies, contacts, invoices issued and partly paid, tasks), so every item has the
 * shape, indexes, history and outbox events the product gives it, and the consumers have run.
 * It is generated from a fixed seed: two runs measure the same data.
 */
export interface Sizes {
  /** The measured tenant has these counts; the other tenants a quarter of them. */
  tenants: number;
  members: number;
  companies: number;
  contacts: number;
  invoices: number;
  tasks: number;
}

export const FULL: Sizes = {
  tenants: 3,
  members: 5,
  companies: 40,
  contacts: 500,
  invoices: 100,
  tasks: 100,
};
export const QUICK: Sizes = { tenants: 2, members: 3, companies: 10, contacts: 150, invoices: 30, tasks: 30 };

/** The counts of tenant `t`: the first is the measured one, the others are smaller neighbours. */
export function sizesOf(sizes: Sizes, t: number): Omit<Sizes, 'tenants'> {
  const scale = (n: number) => (t === 0 ? n : Math.max(2, Math.ceil(n / 4)));
  return {
    members: scale(sizes.members),
    companies: scale(sizes.companies),
    contacts: scale(sizes.contacts),
    invoices: scale(sizes.invoices),
    tasks: scale(sizes.tasks),
  };
}

export interface LoadedContact {
  id: string;
  tags: string[];
  ownerId: string;
}

export interface TenantData {
  tenantId: string;
  adminId: string;
  adminKey: string;
  /** The API as the tenant's admin. */
  api: Client;
  /** Sales members: the contacts' owners and the tasks' assignees. */
  members: string[];
  companies: string[];
  contacts: LoadedContact[];
  invoices: string[];
  tasks: string[];
}

export interface DataSet {
  sizes: Sizes;
  tenants: TenantData[];
  /** The tenant the cases measure; the others make the table multi-tenant, as in production. */
  main: TenantData;
  /** Tags in use, the most common first. */
  tags: string[];
}

const TAGS = [
  'customer',
  'newsletter',
  'vip',
  'partner',
  'event-2026',
  'webinar',
  'churn-risk',
  'upsell',
  'reseller',
  'press',
  'investor',
  'beta',
];
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton'];
const STAGES = ['lead', 'prospect', 'customer', 'former'] as const;
const COUNTRIES = ['FR', 'DE', 'GB', 'US', 'ES'];

/** A small seeded generator (mulberry32): the same data set on every run. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    /** Skewed towards the first items, as tag use is in a real address book. */
    skewed: <T>(items: readonly T[]): T => items[Math.floor(next() ** 2 * items.length)]!,
  };
}

const CONCURRENCY = 8;
/** Issuing takes the tenant's next invoice number from one counter item: more would only conflict. */
const INVOICE_CONCURRENCY = 4;

/** Sign-up; members; companies; contacts; invoices created and issued; tasks (payments come on top). */
export function requestCount(sizes: Sizes): number {
  let total = 0;
  for (let t = 0; t < sizes.tenants; t++) {
    const s = sizesOf(sizes, t);
    total += 1 + s.members + s.companies + s.contacts + 2 * s.invoices + s.tasks;
  }
  return total;
}

/** What the data set needs of the local runtime: the API, the mail store (to verify tenants), settling. */
export interface BenchRuntime {
  urls: { api: string; mailViewer: string };
  settle(options?: SettleOptions): Promise<void>;
}

export async function loadDataSet(runtime: BenchRuntime, sizes: Sizes, progress: Progress): Promise<DataSet> {
  const random = seeded(20_260_101);
  const today = new Date();
  const tenants: TenantData[] = [];
  let total = requestCount(sizes);
  await progress.run('Loading the data set', total, async (phase) => {
    for (let t = 0; t < sizes.tenants; t++) {
      const size = sizesOf(sizes, t);
      const tenant = await signUp(runtime, t);
      phase.tick(1, `tenant ${t + 1}/${sizes.tenants}`);
      const { api } = tenant;
      tenant.members = await inParallel(range(size.members), CONCURRENCY, async (i) => {
        const member = await api.expect(201, 'POST', '/v1/members', {
          name: `${random.pick(FIRST)} Seller ${i}`,
          email: `seller-${i}@tenant-${t}.example`,
          role: 'sales',
        });
        phase.tick();
        return String(member.json.id);
      });
      tenant.companies = await inParallel(range(size.companies), CONCURRENCY, async (i) => {
        const company = await api.expect(201, 'POST', '/v1/companies', {
          name: `Company ${i} of tenant ${t}`,
          domain: `company-${i}.tenant-${t}.example`,
          ownerId: random.pick(tenant.members),
          industry: random.pick(['Software', 'Retail', 'Energy', 'Health']),
          addresses: [{ city: 'Lyon', country: random.pick(COUNTRIES) }],
        });
        phase.tick();
        return String(company.json.id);
      });
      tenant.contacts = await inParallel(range(size.contacts), CONCURRENCY, async (i) => {
        const body = contactBody(random, tenant, `${i}.tenant-${t}`);
        const contact = await api.expect(201, 'POST', '/v1/contacts', body);
        phase.tick();
        return { id: String(contact.json.id), tags: body.tags, ownerId: body.ownerId };
      });
      tenant.invoices = await inParallel(range(size.invoices), INVOICE_CONCURRENCY, async () => {
        const issued = addDays(today, -5 - random.int(80));
        const draft = await api.expect(201, 'POST', '/v1/invoices', {
          contactId: random.pick(tenant.contacts).id,
          lines: range(1 + random.int(3)).map((l) => ({
            description: `Service ${l + 1}`,
            quantity: 1 + random.int(5),
            unitAmount: 1_000 + random.int(200_000),
            taxRateBps: 2000,
          })),
          issueDate: issued,
          dueDate: addDaysToDate(issued, 30),
        });
        const invoice = await issueInvoice(api, String(draft.json.id));
        phase.tick(2);
        if (random.next() < 0.6) {
          await api.expect(201, 'POST', `/v1/invoices/${draft.json.id}/payments`, {
            amount: invoice.json.total,
            method: 'bank_transfer',
          });
          phase.setTotal(++total);
          phase.tick();
        }
        return String(draft.json.id);
      });
      tenant.tasks = await inParallel(range(size.tasks), CONCURRENCY, async (i) => {
        const task = await api.expect(201, 'POST', '/v1/tasks', {
          title: `Call back about offer ${i}`,
          assigneeId: random.pick(tenant.members),
          dueAt: new Date(today.getTime() + (1 + random.int(30 * 24)) * 3600_000).toISOString(),
          priority: random.pick(['low', 'normal', 'high']),
          links: [{ type: 'contact', id: random.pick(tenant.contacts).id }],
        });
        phase.tick();
        return String(task.json.id);
      });
      tenants.push(tenant);
    }
  });
  const counts = new Map<string, number>();
  for (const contact of tenants[0]!.contacts)
    for (const tag of contact.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return {
    sizes,
    tenants,
    main: tenants[0]!,
    tags: [...counts].sort((a, b) => b[1] - a[1]).map(([tag]) => tag),
  };
}

/** Signs a tenant up and verifies it as its admin would (links from the mail store), so it may send. */
export async function signUp(runtime: BenchRuntime, n: number | string): Promise<TenantData> {
  const apiUrl = runtime.urls.api;
  const response = await new Client(apiUrl).expect(201, 'POST', '/v1/tenants', {
    name: `Bench Tenant ${n}`,
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    sender: { name: `Bench ${n}`, email: `hello@tenant-${n}.example` },
    postalAddress: { lines: ['1 Rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR' },
    financeEmail: `finance@tenant-${n}.example`,
    admin: { name: 'Ada Admin', email: `admin@tenant-${n}.example` },
    // Daily jobs (the dunning sweep) run half a day from now: never by themselves during a run.
    settings: { dailyJobHour: (parisHour() + 12) % 24 },
  });
  const { tenant, admin, apiKey } = response.json;
  await verifyTenantByMail(runtime, admin.email, tenant.sender.email);
  return {
    tenantId: tenant.id,
    adminId: admin.id,
    adminKey: apiKey.key,
    api: new Client(apiUrl, apiKey.key),
    members: [],
    companies: [],
    contacts: [],
    invoices: [],
    tasks: [],
  };
}

/** A contact as a sales team enters one: owner, company, tags, often a phone and an address. */
/**
 * Issues a draft invoice as a client would: invoices issued at once by one tenant compete for its
 * next number, and after a few rounds the API answers 409 and asks the caller to retry.
 */
export async function issueInvoice(api: Client, invoiceId: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await api.send('POST', `/v1/invoices/${invoiceId}/issue`);
    if (response.status === 200) return response;
    if (response.status !== 409 || attempt === 5)
      throw new Error(`POST /v1/invoices/${invoiceId}/issue answered ${response.status}: ${response.text}`);
    await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
  }
}

export function contactBody(random: ReturnType<typeof seeded>, tenant: TenantData, unique: string) {
  const first = random.pick(FIRST);
  const last = random.pick(LAST);
  const tags = [...new Set(range(1 + random.int(3)).map(() => random.skewed(TAGS)))];
  return {
    firstName: first,
    lastName: last,
    email: `${first}.${last}.${unique}@example.com`.toLowerCase(),
    ownerId: random.pick(tenant.members),
    ...(random.next() < 0.7 ? { companyId: random.pick(tenant.companies) } : {}),
    lifecycleStage: random.pick(STAGES),
    tags,
    ...(random.next() < 0.5
      ? { phones: [{ number: `+3361${String(random.int(1e7)).padStart(7, '0')}` }] }
      : {}),
    ...(random.next() < 0.4
      ? { addresses: [{ city: 'Paris', region: 'Île-de-France', country: random.pick(COUNTRIES) }] }
      : {}),
  };
}

function parisHour(): number {
  const hour = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hour: 'numeric',
    hourCycle: 'h23',
  });
  return Number(hour.format(new Date()));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function addDays(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

function addDaysToDate(date: string, days: number): string {
  return addDays(new Date(`${date}T12:00:00Z`), days);
}
