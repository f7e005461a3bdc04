import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { DESKTOP, hasChromium, launchChromium, signIn } from '../support/browser.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The console shows what the API holds, and writes only what the user changed: a segment opened
 * keeps the conditions its builder cannot edit, a draft never overwrites a colleague's change, an
 * empty page of a filtered list is not an empty list, and screens say what they could not read.
 * One browser for the file, as in console.test.ts.
 */
const PASSWORD = 'Correct-Horse-42';
const TZ = 'Europe/Paris';
const JOURNEY_MS = 180_000;

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let browser: Browser;
let admin: { id: string; email: string };

async function created(call: Promise<{ status: number; body: any; text: string }>, status = 201) {
  const response = await call;
  expect(response.status, response.text).toBe(status);
  return response.body;
}

async function session(path: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: TZ });
  context.setDefaultTimeout(30_000);
  const page = await signIn(context, runtime.urls.api, admin.email, PASSWORD, path);
  return { context, page };
}

/** The segment drafts this tab keeps in its sessionStorage. */
const segmentDrafts = (page: Page) =>
  page.evaluate(
    'Object.keys(sessionStorage).filter((key) => key.startsWith("funnel.draft.segment."))',
  ) as Promise<string[]>;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime, { name: 'Acme Integrity' });
  await runtime.settle();
  const me = (await tenant.api.get('/v1/me')).body;
  await runtime.cognito.setPassword(me.email, PASSWORD);
  admin = { id: me.id, email: me.email };
  if (hasChromium) browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe.skipIf(!hasChromium)('the console keeps what the API holds', () => {
  it(
    'opening a segment changes nothing; a change keeps the conditions the builder cannot edit',
    async () => {
      const conditions = [
        { type: 'tag', tag: 'vip', present: false },
        { type: 'owner', ownerId: admin.id },
        { type: 'tag', tag: 'spring', present: true },
        { type: 'lifecycle_stage', stages: ['customer'] },
      ];
      const segment = await created(tenant.api.post('/v1/segments', { name: 'Not VIP, mine', conditions }));
      const { context, page } = await session(`segments/${segment.id}`);
      await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Not VIP, mine');
      expect(await page.getByLabel('Has all these tags').inputValue()).toBe('spring');
      await page.getByText('Does not have the tag “vip”').waitFor();
      // Well past the builder's 500 ms autosave: opening it saved nothing.
      await page.waitForTimeout(2_000);
      const opened = (await tenant.api.get(`/v1/segments/${segment.id}`)).body;
      expect(opened.version).toBe(segment.version);
      expect(opened.conditions).toEqual(conditions);
      expect(await segmentDrafts(page)).toEqual([]);

      await page.getByRole('checkbox', { name: 'prospect' }).check();
      await expect
        .poll(async () => (await tenant.api.get(`/v1/segments/${segment.id}`)).body.conditions)
        .toEqual(
          expect.arrayContaining([
            { type: 'tag', tag: 'vip', present: false },
            { type: 'owner', ownerId: admin.id },
            { type: 'tag', tag: 'spring', present: true },
            { type: 'lifecycle_stage', stages: ['customer', 'prospect'] },
          ]),
        );
      expect((await tenant.api.get(`/v1/segments/${segment.id}`)).body.conditions).toHaveLength(4);
      // Saved: no draft is left to be preferred to the server's segment next time.
      await expect.poll(() => segmentDrafts(page)).toEqual([]);
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'a change left unsaved is saved with the version it was made on: a colleague’s change meanwhile is a conflict, not overwritten',
    async () => {
      const segment = await created(
        tenant.api.post('/v1/segments', {
          name: 'Spring buyers',
          conditions: [{ type: 'tag', tag: 'spring', present: true }],
        }),
      );
      const { context, page } = await session(`segments/${segment.id}`);
      await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Spring buyers');
      // The save of the user's change does not get through (the network drops it).
      await page.route(`**/v1/segments/${segment.id}`, (route) =>
        route.request().method() === 'PATCH' ? route.abort() : route.fallback(),
      );
      await page.getByLabel('Name').fill('Spring buyers (mine)');
      await page.getByText('Could not reach the server').waitFor();
      await page.unroute(`**/v1/segments/${segment.id}`);

      await created(
        tenant.api.patch(
          `/v1/segments/${segment.id}`,
          { name: 'Spring buyers (theirs)' },
          { headers: { 'if-match': `"${segment.version}"` } },
        ),
        200,
      );
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
      await page.getByRole('link', { name: 'Spring buyers (theirs)' }).click();
      await page.getByText('“Spring buyers (theirs)” was changed by someone else meanwhile.').waitFor();
      expect((await tenant.api.get(`/v1/segments/${segment.id}`)).body.name).toBe('Spring buyers (theirs)');

      await page.getByRole('button', { name: 'Keep theirs' }).click();
      await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Spring buyers (theirs)');
      expect(await segmentDrafts(page)).toEqual([]);
      await page.waitForTimeout(1_500);
      expect((await tenant.api.get(`/v1/segments/${segment.id}`)).body.name).toBe('Spring buyers (theirs)');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'reads on past a page with no items: a contact’s call behind a page of deal entries is shown',
    async () => {
      const contact = await created(
        tenant.api.post('/v1/contacts', { firstName: 'Busy', lastName: 'Timeline' }),
      );
      await created(
        tenant.api.post('/v1/activities', {
          type: 'call',
          contactIds: [contact.id],
          call: {
            direction: 'outbound',
            at: new Date(Date.now() - 3_600_000).toISOString(),
            purpose: 'The important call',
            outcome: 'connected',
          },
        }),
      );
      await runtime.settle();
      const pipeline = await created(
        tenant.api.post('/v1/pipelines', {
          name: 'Busy',
          stages: [{ name: 'Qualify' }, { name: 'Won', outcome: 'won' }, { name: 'Lost', outcome: 'lost' }],
        }),
      );
      // 26 deals of the contact, newer than the call: the first page of its activities has none.
      for (let i = 0; i < 26; i += 13)
        await Promise.all(
          Array.from({ length: 13 }, (_, j) =>
            created(
              tenant.api.post('/v1/deals', {
                name: `Deal ${i + j}`,
                pipelineId: pipeline.id,
                stageId: pipeline.stages[0].id,
                amount: 1000,
                currency: 'EUR',
                contactIds: [contact.id],
              }),
            ),
          ),
        );
      await runtime.settle();
      const first = (await tenant.api.get(`/v1/contacts/${contact.id}/activities?limit=25`)).body;
      expect(first.items).toEqual([]);
      expect(first.nextCursor).toBeDefined();

      const { context, page } = await session(`contacts/${contact.id}`);
      const activities = page.getByRole('region', { name: 'Activities' });
      await activities.getByRole('cell', { name: 'The important call' }).waitFor();
      expect(await activities.getByText('No calls, meetings or notes yet.').count()).toBe(0);
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'a valid payment clears the error a malformed amount left',
    async () => {
      const customer = await created(
        tenant.api.post('/v1/contacts', { firstName: 'Paula', lastName: 'Payer' }),
      );
      const draft = await created(
        tenant.api.post('/v1/invoices', {
          contactId: customer.id,
          lines: [{ description: 'Desk', quantity: 1, unitAmount: 100_000, taxRateBps: 0 }],
        }),
      );
      const issued = await created(tenant.api.post(`/v1/invoices/${draft.id}/issue`), 200);
      await runtime.settle();
      const { context, page } = await session(`invoices/${issued.id}`);
      const amount = page.getByLabel('Amount (EUR)');
      await amount.fill('abc');
      await page.getByRole('button', { name: 'Record the payment' }).click();
      await page.getByText('Enter an amount such as 120.50.').waitFor();
      await amount.fill('10.00');
      await page.getByRole('button', { name: 'Record the payment' }).click();
      await page
        .getByRole('region', { name: 'Payments' })
        .getByRole('cell', { name: /10\.00/ })
        .waitFor();
      expect(await page.getByText('Enter an amount such as 120.50.').count()).toBe(0);
      expect(await amount.getAttribute('aria-invalid')).toBe('false');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'Back puts the previous search back in the search box, not only in the list',
    async () => {
      await created(tenant.api.post('/v1/contacts', { firstName: 'Bea', lastName: 'Backward' }));
      await created(tenant.api.post('/v1/contacts', { firstName: 'Tim', lastName: 'Tracer' }));
      await runtime.settle();
      const { context, page } = await session('contacts');
      const box = page.getByRole('searchbox', { name: 'Search' });
      await box.fill('Backward');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('link', { name: 'Bea Backward' }).waitFor();
      await box.fill('Tracer');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('link', { name: 'Tim Tracer' }).waitFor();
      await page.goBack();
      await page.getByRole('link', { name: 'Bea Backward' }).waitFor();
      await expect.poll(() => box.inputValue()).toBe('Backward');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'shows a lead’s owner who is not a seller by name, not as unassigned',
    async () => {
      const marketer = await created(
        tenant.api.post('/v1/members', {
          name: 'Mia Marketing',
          email: `mia-${Date.now()}@acme.example`,
          role: 'marketing',
        }),
      );
      await created(
        tenant.api.post('/v1/leads', {
          source: 'web',
          ownerId: marketer.id,
          person: { firstName: 'Owned', lastName: 'ByMia', email: `owned-${Date.now()}@x.example` },
        }),
      );
      await runtime.settle();
      const { context, page } = await session('leads');
      const owner = page.locator('select[aria-label^="Owner of the lead"]').first();
      await owner.waitFor();
      expect(await owner.inputValue()).toBe(marketer.id);
      expect(await owner.locator('option:checked').textContent()).toBe('Mia Marketing');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'totals a stage once per currency',
    async () => {
      const pipeline = await created(
        tenant.api.post('/v1/pipelines', {
          name: 'Two currencies',
          stages: [{ name: 'Qualify' }, { name: 'Won', outcome: 'won' }, { name: 'Lost', outcome: 'lost' }],
        }),
      );
      for (const [amount, currency] of [
        [100_000, 'JPY'],
        [1_000, 'EUR'],
        [1_500, 'EUR'],
      ] as const)
        await created(
          tenant.api.post('/v1/deals', {
            name: `${amount} ${currency}`,
            pipelineId: pipeline.id,
            stageId: pipeline.stages[0].id,
            amount,
            currency,
          }),
        );
      await runtime.settle();
      const { context, page } = await session('pipeline');
      await page.locator('select#pipeline').selectOption(pipeline.id);
      const column = page.locator(`section[data-stage="${pipeline.stages[0].id}"]`);
      await column.locator('li.deal').first().waitFor();
      const totals = await column.locator('p.muted').first().innerText();
      expect(totals).toContain('¥100,000');
      expect(totals).toContain('€25.00');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'shows a stock read that failed with its request id; “Not tracked” only for products without stock',
    async () => {
      for (const [sku, name, trackStock] of [
        ['TRK-1', 'Tracked thing', true],
        ['SVC-1', 'A service', false],
      ] as const)
        await created(
          tenant.api.post('/v1/products', {
            sku,
            name,
            prices: [{ currency: 'EUR', unitAmount: 1000 }],
            taxRateBps: 0,
            trackStock,
          }),
        );
      await runtime.settle();
      const { context, page } = await session('today');
      await page.route('**/v1/products/*/stock', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'about:blank',
            title: 'Unavailable',
            status: 503,
            requestId: 'req-stock-1',
          }),
        }),
      );
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stock' }).click();
      const tracked = page.getByRole('row', { name: /Tracked thing/ });
      await tracked.waitFor();
      expect(await tracked.innerText()).toContain('Request id: req-stock-1');
      expect(await tracked.innerText()).not.toContain('Not tracked');
      expect(await page.getByRole('row', { name: /A service/ }).innerText()).toContain('Not tracked');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'signing out is not a session that ended',
    async () => {
      const { context, page } = await session('today');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await page.getByText('Your session has ended').count()).toBe(0);
      await context.close();
    },
    JOURNEY_MS,
  );
});
