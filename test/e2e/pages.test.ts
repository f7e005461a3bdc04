import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { AnyRoute } from '../../shared/platform/http/route.ts';
import { isPageRoute } from '../../shared/platform/pages/errors.tsx';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import type { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Every page the CRM serves to a browser, found through the route declarations (a route whose
 * response is text/html), visited through the local runtime with data a hostile tenant or contact
 * could have typed: each goes through the page shell (headers, escaping, language), and its
 * errors are friendly pages, or problem+json for a client that asks for JSON.
 */
const HOSTILE = `<script>alert("pwned")</script> & 'Co'`;

/** The API reference is Swagger UI, a developer tool that needs its own scripts; its headers are tested below. */
const NOT_SHELL_PAGES = new Set(['getDocsPage']);

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let api: Api;

interface Visit {
  path: string;
  method?: 'GET' | 'POST';
  form?: string;
  /** Print views are for members: they need the API key. */
  member?: boolean;
}

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

const people: Record<'hostile' | 'french', { id: string; email: string }> = {} as never;
const links: Record<string, string> = {};
let invoiceId: string;
let print: string;

async function mailsTo(address: string): Promise<Mail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: Mail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

const pathOf = (url: string) => new URL(url).pathname;
const linkIn = (text: string, pattern: RegExp) => pathOf(pattern.exec(text)![1]!);

async function ok<T = any>(response: Promise<{ status: number; text: string; body: T }>, status = 201) {
  const answer = await response;
  expect(answer.status, answer.text).toBe(status);
  return answer.body;
}

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime, { name: `Acme ${HOSTILE}` });
  api = tenant.api;
  await ok(api.post('/v1/topics', { id: 'news', name: `News ${HOSTILE}` }));
  const list = await ok(api.post('/v1/lists', { name: 'Everyone' }));
  const company = await ok(api.post('/v1/companies', { name: `Corp ${HOSTILE}` }));
  const person = async (firstName: string, extra: Record<string, unknown> = {}) => {
    const email = `${Math.random().toString(36).slice(2, 10)}@customers.example`;
    const created = await ok(
      api.post('/v1/contacts', {
        firstName,
        lastName: 'Doe',
        email,
        lifecycleStage: 'customer',
        marketingConsent: { status: 'granted', source: 'signup form' },
        addresses: [{ type: 'home', lines: [HOSTILE], city: 'Paris', postalCode: '75002', country: 'FR' }],
        ...extra,
      }),
    );
    return { id: created.id as string, email };
  };
  people.hostile = await person(HOSTILE, { companyId: company.id });
  people.french = await person('Élodie', { locale: 'fr-FR' });
  await ok(
    api.post(`/v1/lists/${list.id}/members`, { contactIds: [people.hostile.id, people.french.id] }),
    200,
  );

  const invoice = await ok(
    api.post('/v1/invoices', {
      contactId: people.hostile.id,
      lines: [{ description: HOSTILE, quantity: 1, unitAmount: 164_550, taxRateBps: 2000 }],
      notes: HOSTILE,
    }),
  );
  invoiceId = invoice.id;

  const survey = await ok(
    api.post('/v1/surveys', {
      title: `Survey ${HOSTILE}`,
      intro: HOSTILE,
      questions: [
        { id: 'recommend', type: 'nps', text: HOSTILE },
        {
          id: 'channel',
          type: 'single_choice',
          text: 'Channel',
          choices: [
            { id: 'x', label: HOSTILE },
            { id: 'y', label: 'Other' },
          ],
        },
      ],
      audience: { lists: [list.id] },
      topicId: 'news',
      schedule: {
        startsAt: localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris'),
        rrule: 'FREQ=MONTHLY;INTERVAL=3',
      },
    }),
  );
  await ok(api.patch(`/v1/surveys/${survey.id}`, { status: 'active' }), 200);
  const paper = await ok(
    api.post(`/v1/surveys/${survey.id}/paper-waves`, { contactIds: [people.hostile.id, people.french.id] }),
  );
  print = pathOf(paper.printUrl);
  await runtime.settle();
  const schedule = runtime.scheduler.list().find((s) => s.name.startsWith(`survey-wave-${survey.id}-`))!;
  await runtime.scheduler.runNow(schedule.name);
  await runtime.settle();
  for (const [who, contact] of Object.entries(people)) {
    const [mail] = await mailsTo(contact.email);
    const text = mail!.body.text!;
    links[`${who}.survey`] = linkIn(text, /(https?:\/\/\S+\/v1\/survey-forms\/[\w.-]+)/);
    links[`${who}.unsubscribe`] = linkIn(text, /(https?:\/\/\S+\/v1\/unsubscribe\/[\w.-]+)/);
    links[`${who}.preferences`] = linkIn(text, /(https?:\/\/\S+\/v1\/preferences\/[\w.-]+)/);
    const selfService = await ok(api.post(`/v1/contacts/${contact.id}/self-service-link`));
    links[`${who}.selfService`] = pathOf(selfService.url);
  }
  // A tenant that has not confirmed its admin's address yet: the verification link in its mail.
  const pendingAdmin = `pending-${Math.random().toString(36).slice(2, 10)}@acme.example`;
  await signUpOverHttp(
    runtime,
    { name: `Acme ${HOSTILE}`, admin: { name: HOSTILE, email: pendingAdmin } },
    { verify: false },
  );
  const [verification] = await mailsTo(pendingAdmin);
  links.verification = linkIn(verification!.body.text!, /(https?:\/\/\S+\/v1\/tenant-verification\/[\w.-]+)/);
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
});

/** How to reach each page with real data. A new page route fails the suite until it is added here. */
const visits: Record<string, () => Visit> = {
  getSelfServiceForm: () => ({ path: links['hostile.selfService']! }),
  submitSelfServiceForm: () => ({
    path: links['hostile.selfService']!,
    method: 'POST',
    form: 'firstName=&lastName=Doe&email=not-an-email',
  }),
  printInvoice: () => ({ path: `/v1/invoices/${invoiceId}/print`, member: true }),
  getUnsubscribePage: () => ({ path: links['hostile.unsubscribe']! }),
  unsubscribe: () => ({
    path: links['hostile.unsubscribe']!,
    method: 'POST',
    form: 'List-Unsubscribe=One-Click',
  }),
  getPreferencesPage: () => ({ path: links['hostile.preferences']! }),
  savePreferences: () => ({ path: links['hostile.preferences']!, method: 'POST', form: 'topic=news' }),
  printSurveyWave: () => ({ path: print, member: true }),
  getSurveyForm: () => ({ path: links['hostile.survey']! }),
  submitSurveyForm: () => ({ path: links['hostile.survey']!, method: 'POST', form: 'recommend=11' }),
  getTenantVerificationForm: () => ({ path: links.verification! }),
  confirmTenantVerification: () => ({ path: links.verification!, method: 'POST', form: 'confirm=yes' }),
};

/** The same route with a token or id that leads nowhere. */
function broken(route: AnyRoute): Visit {
  const path = route.path
    .replace('{token}', 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature')
    .replace(/\{\w+\}/g, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  const post = route.method === 'POST';
  return {
    path,
    method: post ? 'POST' : 'GET',
    member: route.access !== 'public',
    ...(post ? { form: 'a=b' } : {}),
  };
}

async function visit(page: Visit, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(page.path, runtime.urls.api), {
    method: page.method ?? 'GET',
    headers: {
      ...(page.member ? { authorization: `Bearer ${tenant.adminKey}` } : {}),
      ...(page.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    ...(page.form ? { body: page.form } : {}),
  });
  return { response, html: await response.text() };
}

function expectShell(response: Response, html: string) {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const csp = response.headers.get('content-security-policy') ?? '';
  for (const directive of [
    "default-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ])
    expect(csp).toContain(directive);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('script-src');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-robots-tag')).toContain('noindex');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(html).toMatch(/^<!doctype html>\n<html lang="(en|fr)-[A-Z]{2}">/);
  expect(html).toContain('<meta name="robots" content="noindex, nofollow"/>');
  // The one stylesheet is the one the policy allows by its hash; nothing else could apply.
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  expect(html).not.toMatch(/\sstyle="/);
  expect(html).not.toMatch(/<script/i);
}

const pageRoutes = application.routes.filter((r) => isPageRoute(r) && !NOT_SHELL_PAGES.has(r.operationId));

describe('every page route', () => {
  it('has a visit in this suite', () => {
    expect(pageRoutes.map((r) => r.operationId).filter((id) => !visits[id])).toEqual([]);
  });

  it.each(pageRoutes.map((r) => [r.operationId, r] as const))(
    '%s goes through the shell, its hostile data escaped',
    async (operationId) => {
      const { response, html } = await visit(visits[operationId]!());
      expect(response.status, html).toBeLessThan(500);
      expectShell(response, html);
      // The tenant's name is on every page; typed as HTML, it is shown as text.
      expect(html).toContain('Acme &lt;script>alert(&quot;pwned&quot;)&lt;/script> &amp; ');
    },
    60_000,
  );

  it.each(pageRoutes.map((r) => [r.operationId, r] as const))(
    '%s answers a link that leads nowhere with a friendly page, or problem+json when asked',
    async (_, route) => {
      const page = await visit(broken(route), { 'accept-language': 'fr-BE,fr;q=0.9' });
      expect(page.response.status).toBe(404);
      expectShell(page.response, page.html);
      expect(page.html).toContain('<html lang="fr-BE">');
      expect(page.html).toMatch(/Ce lien ne fonctionne pas|Cette page n’existe pas/);

      const json = await visit(broken(route), { accept: 'application/json' });
      expect(json.response.status).toBe(404);
      expect(json.response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(json.html)).toMatchObject({ status: 404, requestId: expect.any(String) });
    },
    60_000,
  );
});

/** Debian's chromium, driven by playwright-core; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';

describe('the look of the pages', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    `passes an axe accessibility audit (WCAG 2.1 AA: labels, contrast, landmarks) on a phone (needs Debian's chromium at ${CHROMIUM}; skipped without it)`,
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-background-networking'],
      });
      try {
        // axe runs as a script: the pages' policy allows none, so this context bypasses it.
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
        await context.setExtraHTTPHeaders({ authorization: `Bearer ${tenant.adminKey}` });
        const page = await context.newPage();
        const paths = [
          links['french.survey']!,
          links['french.selfService']!,
          links['french.preferences']!,
          links['french.unsubscribe']!,
          `/v1/invoices/${invoiceId}/print`,
          print,
          '/v1/survey-forms/not-a-token',
        ];
        for (const path of paths) {
          await page.goto(new URL(path, runtime.urls.api).toString());
          const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
          expect(
            audit.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            path,
          ).toEqual([]);
          // Nothing is wider than the phone: no sideways scrolling.
          expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(
            390,
          );
        }
      } finally {
        await browser.close();
      }
    },
    300_000,
  );
});

describe('a page route that fails before its page', () => {
  it('is a friendly page to a browser and a problem to a client, with the same status', async () => {
    // Over the body limit: refused before the form is read.
    const bad = {
      path: links['french.survey']!,
      method: 'POST' as const,
      form: `a=${'x'.repeat(1_100_000)}`,
    };
    const asBrowser = await visit(bad, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(asBrowser.response.status).toBe(413);
    expectShell(asBrowser.response, asBrowser.html);
    expect(asBrowser.html).toContain('Reference for support: ');
    const asClient = await visit(bad, { accept: 'application/problem+json' });
    expect(asClient.response.status).toBe(413);
    expect(asClient.response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('gives the API reference, which needs its own scripts, the same framing and sniffing rules', async () => {
    const docs = await fetch(new URL('/docs', runtime.urls.api));
    expect(docs.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(docs.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('pages in the reader’s language', () => {
  it('show a French contact the survey, the preferences and the self-service form in French', async () => {
    const survey = await visit({ path: links['french.survey']! });
    expect(survey.html).toContain('<html lang="fr-FR">');
    expect(survey.html).toContain('Envoyer mes réponses');
    expect(survey.html).toContain('Pas du tout probable');
    const preferences = await visit({ path: links['french.preferences']! });
    expect(preferences.html).toContain('Je souhaite recevoir');
    const form = await visit({ path: links['french.selfService']! });
    expect(form.html).toContain('Enregistrer mes coordonnées');
    expect(form.html).toContain('<option value="fr-FR" selected>français (France)</option>');
  });

  it('print each paper letter in its recipient’s language', async () => {
    const { html } = await visit({ path: print, member: true });
    expect(html).toMatch(/<section class="letter" lang="fr-FR">[\s\S]*Cochez une case\./);
    expect(html).toMatch(/<section class="letter" lang="en-US">[\s\S]*Tick one\./);
  });

  it('lets a contact choose the language of what they receive, on their self-service form', async () => {
    const path = links['hostile.selfService']!;
    const saved = await visit({
      path,
      method: 'POST',
      form: `firstName=Grace&lastName=Doe&email=${encodeURIComponent(people.hostile.email)}&locale=fr-CA&consent=granted`,
    });
    expect(saved.response.status, saved.html).toBe(200);
    expect(saved.html).toContain('<html lang="fr-CA">');
    expect((await api.get(`/v1/contacts/${people.hostile.id}`)).body.locale).toBe('fr-CA');
  });

  it('refuse an unknown locale with the supported ones, for a tenant and for a contact', async () => {
    const tenantLocale = await api.patch('/v1/tenant', { locale: 'de-DE' });
    expect(tenantLocale.status).toBe(400);
    expect(tenantLocale.body.errors).toEqual([
      { path: 'body.locale', message: expect.stringContaining('en-US, en-GB, en-IE, en-CA, en-AU, fr-FR') },
    ]);
    const contactLocale = await api.post('/v1/contacts', { firstName: 'Hans', lastName: 'Ng', locale: 'de' });
    expect(contactLocale.status).toBe(400);
    expect(contactLocale.body.errors[0].path).toBe('body.locale');
  });
});

describe('rotating the link keys', () => {
  it('keeps links of recent mail working through the overlap, and retires them at once when asked', async () => {
    const old = links['french.unsubscribe']!;
    const sales = await ok(
      api.post('/v1/members', { name: 'Sam', email: `sam-${Date.now()}@acme.example`, role: 'sales' }),
    );
    const salesKey = await ok(api.post('/v1/api-keys', { name: 'Sam', memberId: sales.id }));
    expect((await api.as(salesKey.key).post('/v1/tenant/link-keys/rotate', {})).status).toBe(403);

    const rotated = await ok(api.post('/v1/tenant/link-keys/rotate', {}), 200);
    expect(rotated).toMatchObject({ generation: 2, previousGeneration: 1 });
    const overlapDays = (Date.parse(rotated.previousValidUntil) - Date.parse(rotated.rotatedAt)) / 86_400_000;
    expect(overlapDays).toBe(30);
    expect((await api.get('/v1/tenant')).body.linkKeys).toEqual(rotated);
    expect((await visit({ path: old })).response.status).toBe(200);
    const fresh = pathOf((await ok(api.post(`/v1/contacts/${people.french.id}/self-service-link`))).url);
    expect(fresh).not.toBe(links['french.selfService']);

    await ok(api.post('/v1/tenant/link-keys/rotate', { retirePrevious: 'now' }), 200);
    const retired = await visit({ path: old });
    expect(retired.response.status).toBe(410);
    expectShell(retired.response, retired.html);
    expect(retired.html).toContain('Ce lien ne fonctionne plus');
    // Links signed before the second rotation (generation 2) are the ones just retired.
    expect((await visit({ path: fresh })).response.status).toBe(410);
    const newest = pathOf((await ok(api.post(`/v1/contacts/${people.french.id}/self-service-link`))).url);
    expect((await visit({ path: newest })).response.status).toBe(200);
    const audit = (await api.get('/v1/audit')).body.items.map((e: { action: string }) => e.action);
    expect(audit.filter((a: string) => a === 'tenant.link-keys.rotated')).toHaveLength(2);
  });
});
