import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { localDate } from '../../shared/platform/time.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import type { Api } from '../support/api.ts';
import {
  DESKTOP,
  expectAccessible,
  expectNoHorizontalScroll,
  hasChromium,
  launchChromium,
  PHONE,
  screenshot,
  signIn,
} from '../support/browser.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The console in a real browser, one journey per role, against the whole local runtime: the
 * console served at /app, sign-in through the Cognito stand-in, the API, the bus, the scheduler
 * and the local SES with its mail viewer. axe-core checks every screen the journeys visit.
 */
const PASSWORD = 'Correct-Horse-42';
/** A journey is many round trips through the whole runtime; on a busy 2-core machine it needs minutes. */
const JOURNEY_MS = 240_000;
const TZ = 'Europe/Paris';

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let browser: Browser;
const people: Record<string, { id: string; email: string }> = {};

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

async function mailsTo(address: string): Promise<Mail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: Mail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

async function created<T = any>(
  call: Promise<{ status: number; body: T; text: string }>,
  status = 201,
): Promise<T> {
  const response = await call;
  expect(response.status, response.text).toBe(status);
  return response.body;
}

/** A member of the tenant who can sign in with PASSWORD (as an operator would set it). */
async function member(role: string, name: string): Promise<{ id: string; email: string }> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@acme.example`;
  const added = await created(tenant.api.post('/v1/members', { name, email, role }));
  await runtime.settle();
  await runtime.cognito.setPassword(email, PASSWORD);
  return { id: added.id, email };
}

async function session(
  who: string,
  path?: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: TZ });
  context.setDefaultTimeout(60_000);
  const page = await signIn(context, runtime.urls.api, people[who]!.email, PASSWORD, path);
  return { context, page };
}

const admin = (): Api => tenant.api;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime, { name: 'Acme Furniture' });
  await runtime.settle();
  const me = (await tenant.api.get('/v1/me')).body;
  await runtime.cognito.setPassword(me.email, PASSWORD);
  people.admin = { id: me.id, email: me.email };
  people.sales = await member('sales', 'Sam Sales');
  people.marketing = await member('marketing', 'Mia Marketing');
  people.finance = await member('finance', 'Fay Finance');
  if (hasChromium) browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe.skipIf(!hasChromium)('the console in Debian’s chromium', () => {
  it(
    'sales: creates a contact, logs a call, moves a deal (a conflict shown and resolved), builds a quote with the configurator',
    async () => {
      const pipeline = await created(
        admin().post('/v1/pipelines', {
          name: 'New business',
          stages: [
            { name: 'Qualify' },
            { name: 'Propose' },
            { name: 'Won', outcome: 'won' },
            { name: 'Lost', outcome: 'lost' },
          ],
        }),
      );
      const [qualify, propose] = pipeline.stages as Array<{ id: string; name: string }>;
      await created(
        admin().post('/v1/products', {
          sku: 'CHAIR-1',
          name: 'Office chair',
          prices: [{ currency: 'EUR', unitAmount: 20_000 }],
          taxRateBps: 2000,
          leadTimeDays: 7,
          minOrderQuantity: 5,
          optionGroups: [
            {
              id: 'colour',
              name: 'Colour',
              choices: [
                { id: 'grey', name: 'Grey' },
                {
                  id: 'red',
                  name: 'Red',
                  priceDeltas: [{ currency: 'EUR', amount: 1500 }],
                  extraLeadTimeDays: 3,
                },
              ],
            },
            {
              id: 'arms',
              name: 'Arm rests',
              required: false,
              choices: [
                { id: 'none', name: 'None' },
                { id: 'padded', name: 'Padded' },
              ],
            },
          ],
          rules: [
            {
              id: 'red-padded',
              type: 'requires',
              description: 'Red chairs come with padded arm rests.',
              when: { group: 'colour', choice: 'red' },
              choices: [{ group: 'arms', choice: 'padded' }],
            },
          ],
        }),
      );
      const { context, page } = await session('sales', 'contacts');
      await expectAccessible(page, 'contacts');

      await page.getByRole('link', { name: 'New contact' }).click();
      await page.getByLabel('First name').fill('Grace');
      await page.getByLabel('Last name').fill('Hopper');
      await page.getByLabel('Email').fill(`grace-${Date.now()}@navy.example`);
      await page.getByLabel('Phone').fill('+33 6 12 34 56 78');
      await page.getByRole('button', { name: 'Create contact' }).click();
      await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
      const contactId = page.url().split('/').at(-1)!;

      await page.getByRole('button', { name: 'Log a call' }).click();
      await page.getByLabel('Purpose').fill('Discuss the chair order');
      await page.getByLabel('Outcome').selectOption('connected');
      await page.getByRole('button', { name: 'Save the call' }).click();
      await expect
        .poll(() => page.getByRole('cell', { name: 'Discuss the chair order' }).count(), { timeout: 60_000 })
        .toBeGreaterThan(0);
      await expectAccessible(page, 'contact page');
      await screenshot(page, 'contact');

      const deal = await created(
        admin().post('/v1/deals', {
          name: 'Chairs for Grace',
          pipelineId: pipeline.id,
          stageId: qualify!.id,
          amount: 500_000,
          currency: 'EUR',
          contactIds: [contactId],
          ownerId: people.sales!.id,
        }),
      );
      await page.getByRole('link', { name: 'Pipeline' }).click();
      // Sign-up made the tenant a default pipeline too: the board shows the one chosen.
      await page.locator('select#pipeline').selectOption(pipeline.id);
      const card = page.locator(`[data-deal="${deal.id}"]`);
      await card.waitFor();
      await card.dragTo(page.locator(`section[data-stage="${propose!.id}"]`));
      await expect
        .poll(async () => (await admin().get(`/v1/deals/${deal.id}`)).body.stageId, { timeout: 60_000 })
        .toBe(propose!.id);
      await expectAccessible(page, 'pipeline');
      await screenshot(page, 'pipeline');

      // Someone else changes the deal while it is on screen: the next move meets a 412.
      await created(admin().patch(`/v1/deals/${deal.id}`, { amount: 650_000 }), 200);
      await page.getByLabel('Stage of Chairs for Grace').selectOption(qualify!.id);
      await page.getByText('“Chairs for Grace” was changed by someone else meanwhile.').waitFor();
      await page.getByRole('button', { name: 'Move it to Qualify anyway' }).click();
      await expect
        .poll(async () => (await admin().get(`/v1/deals/${deal.id}`)).body, { timeout: 60_000 })
        .toMatchObject({
          stageId: qualify!.id,
          amount: 650_000,
        });

      await page.getByRole('link', { name: 'Quotes' }).click();
      await page.getByRole('link', { name: 'New quote' }).click();
      await page.getByLabel('Customer’s last name or email').fill('Hop');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.getByRole('button', { name: /Grace Hopper/ }).click();
      await page
        .getByRole('combobox', { name: 'Product', exact: true })
        .selectOption({ label: 'Office chair (CHAIR-1)' });
      await page.getByRole('radio', { name: 'Red' }).check();
      await page.getByText('Red chairs come with padded arm rests', { exact: false }).waitFor();
      await page.getByRole('radio', { name: 'Padded' }).check();
      await page.getByText(/lead time 10 days/).waitFor();
      await page.getByLabel('Quantity').fill('3');
      await page.getByText('At least 5 (the minimum order quantity).').waitFor();
      await page.getByLabel('Quantity').fill('6');
      await page.getByRole('button', { name: 'Add to the quote' }).click();
      await expectAccessible(page, 'quote builder');
      await screenshot(page, 'quote-builder');
      await page.getByRole('button', { name: 'Create the quote' }).click();
      await page.getByRole('heading', { name: 'Quotes', level: 1 }).waitFor();
      const quotes = (await admin().get(`/v1/quotes?contactId=${contactId}`)).body.items;
      expect(quotes).toHaveLength(1);
      expect(quotes[0].lines[0]).toMatchObject({ quantity: 6 });
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'marketing: builds a segment with a live count, schedules a campaign, and sees it sent in the mail viewer',
    async () => {
      await created(admin().post('/v1/topics', { id: 'news', name: 'News' }));
      await created(
        admin().post('/v1/templates', {
          name: 'Spring news',
          subject: 'Spring is here, {{firstName | "friend"}}',
          html: '<p>Hello {{firstName | "friend"}}</p>',
          text: 'Hello {{firstName | "friend"}}',
        }),
      );
      const addresses: string[] = [];
      for (const firstName of ['Ada', 'Bob', 'Cy']) {
        const email = `${firstName.toLowerCase()}-${Date.now()}@customers.example`;
        addresses.push(email);
        await created(
          admin().post('/v1/contacts', {
            firstName,
            lastName: 'Spring',
            email,
            tags: ['spring'],
            marketingConsent: { status: 'granted', source: 'signup form' },
          }),
        );
      }
      const { context, page } = await session('marketing', 'segments');
      await page.getByRole('link', { name: 'New segment' }).click();
      await page.getByLabel('Name').fill('Spring buyers');
      await page.getByLabel('Has all these tags').fill('spring');
      await page.getByText('3 contacts').waitFor();
      expect(
        await page.getByRole('list', { name: 'Preview of the segment' }).getByRole('listitem').count(),
      ).toBe(3);
      await expectAccessible(page, 'segment builder');
      await screenshot(page, 'segment-builder');

      await page.getByRole('link', { name: 'Campaigns' }).click();
      await page.getByRole('button', { name: 'New campaign' }).click();
      await page.getByLabel('Campaign name').fill('Spring launch');
      await page.getByLabel('Segment').selectOption({ label: 'Spring buyers' });
      await page.getByLabel('Topic').selectOption({ label: 'News' });
      await page.getByLabel('Template').selectOption({ label: 'Spring news' });
      await page.getByRole('button', { name: 'Create the campaign' }).click();
      await page.getByRole('heading', { name: 'Spring launch', level: 1 }).waitFor();
      const campaignId = page.url().split('/').at(-1)!;
      await page.getByLabel(`Send at (${TZ})`).fill(localDateTime(new Date(Date.now() + 3_600_000), TZ));
      await page.getByRole('button', { name: 'Schedule' }).click();
      await page.getByText('scheduled', { exact: true }).first().waitFor();
      await expectAccessible(page, 'campaign');

      // The hour passes: the one-time schedule fires and the sending pipeline mails the segment.
      await runtime.scheduler.runNow(`campaign-send-${campaignId}`);
      await runtime.settle();
      for (const address of addresses)
        expect((await mailsTo(address)).map((m) => m.subject)).toEqual([
          expect.stringMatching(/^Spring is here, /),
        ]);
      const viewer = await context.newPage();
      await viewer.goto(runtime.urls.mailViewer);
      await viewer.getByText('Spring is here, Ada').first().waitFor();

      await page.reload();
      await page.getByRole('heading', { name: 'Results' }).waitFor();
      await expect
        .poll(() => page.getByRole('region', { name: 'Results' }).innerText(), { timeout: 60_000 })
        .toMatch(/delivered\s*3/);
      await screenshot(page, 'campaign');
      await page.getByRole('link', { name: 'Campaigns' }).click();
      await page.getByRole('link', { name: 'Spring launch' }).waitFor();
      await expectAccessible(page, 'campaign calendar');
      await screenshot(page, 'campaign-calendar');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'finance: records a payment and sees the collections task close',
    async () => {
      const customer = await created(
        admin().post('/v1/contacts', {
          firstName: 'Paula',
          lastName: 'Payer',
          email: `paula-${Date.now()}@customers.example`,
        }),
      );
      const today = localDate(new Date(), TZ);
      const shift = (days: number) => localDate(new Date(Date.now() + days * 86_400_000), TZ);
      const draft = await created(
        admin().post('/v1/invoices', {
          contactId: customer.id,
          lines: [{ description: 'Consulting', quantity: 5, unitAmount: 25_000, taxRateBps: 0 }],
          issueDate: shift(-31),
          dueDate: shift(-1),
        }),
      );
      const issued = await created(admin().post(`/v1/invoices/${draft.id}/issue`), 200);
      const sweep = await fetch(`${runtime.urls.api}/_local/schedules/dunning-sweep/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ asOf: new Date().toISOString() }),
      });
      expect(sweep.status).toBe(200);
      const overdue = (await admin().get(`/v1/invoices/${draft.id}`)).body;
      expect(overdue.collectionsTaskId, `a collections task for the invoice due ${today}`).toBeDefined();

      const { context, page } = await session('finance', 'invoices');
      await page.getByRole('link', { name: issued.number }).click();
      await page.getByRole('heading', { name: `Invoice ${issued.number}` }).waitFor();
      expect(await page.getByTestId('collections-task').innerText()).toContain('open');
      await page.getByLabel('Amount (EUR)').fill('abc');
      await page.getByRole('button', { name: 'Record the payment' }).click();
      await page.getByText('Enter an amount such as 120.50.').waitFor();
      await page.getByLabel('Amount (EUR)').fill('1250.00');
      await page.getByLabel('Reference').fill(`SEPA-${issued.number}`);
      await page.getByRole('button', { name: 'Record the payment' }).click();
      await page.getByText('paid', { exact: true }).first().waitFor();
      await runtime.settle();
      await page.reload();
      await expect
        .poll(() => page.getByTestId('collections-task').innerText(), { timeout: 60_000 })
        .toContain('done');
      await expectAccessible(page, 'invoice');
      await screenshot(page, 'invoice');
      for (const [screen, heading] of [
        ['aging', 'Receivables aging'],
        ['dunning', 'Dunning policy'],
      ] as const) {
        await page.getByRole('link', { name: heading }).click();
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await expectAccessible(page, heading);
        await screenshot(page, screen);
      }
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'admin: invites a member, who reads the invitation in the mail store and signs in with their own password',
    async () => {
      const { context, page } = await session('admin', 'members');
      const email = `nora-${Date.now()}@acme.example`;
      await page.getByLabel('Name').fill('Nora New');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Role', { exact: true }).selectOption('support');
      await page.getByRole('button', { name: 'Invite' }).click();
      await page.getByText(`Nora New is invited`).waitFor();
      await expectAccessible(page, 'members');
      await screenshot(page, 'members');
      await runtime.settle();

      const [invitation] = await mailsTo(email);
      expect(invitation?.subject).toBe('You are invited to Funnel CRM');
      const temporary = /temporary password: (\S+)/.exec(invitation!.body.text ?? '')?.[1];
      expect(temporary).toBeDefined();
      const link = /Sign in at (\S+)/.exec(invitation!.body.text ?? '')?.[1];
      expect(link).toBe(`${runtime.urls.api}/app/`);

      const nora = await browser.newContext({ viewport: PHONE });
      nora.setDefaultTimeout(60_000);
      const noraPage = await nora.newPage();
      await noraPage.goto(link!);
      await noraPage.getByLabel('Email').fill(email);
      await noraPage.getByLabel('Password', { exact: true }).fill(temporary!);
      await noraPage.getByRole('button', { name: 'Sign in' }).click();
      await noraPage.getByRole('heading', { name: 'Choose your password' }).waitFor();
      await noraPage.getByLabel('New password').fill('short');
      await noraPage.getByRole('button', { name: 'Save the password' }).click();
      await noraPage.getByText(/not long enough/i).waitFor();
      await noraPage.getByLabel('New password').fill('Nora-Chooses-77');
      await noraPage.getByRole('button', { name: 'Save the password' }).click();
      await noraPage.getByText('Nora New').waitFor();
      await noraPage.getByText('(support)').waitFor();
      await nora.close();

      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'a member turns on two-step sign-in with an authenticator app; signing in then asks for its code, which works once',
    async () => {
      people.support = await member('support', 'Sue Support');
      const { context, page } = await session('support', 'today');
      await page.getByRole('link', { name: 'Security' }).click();
      await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
      await expectAccessible(page, 'Two-step sign-in setup');
      await screenshot(page, 'two-step-setup');
      const secret = (await page.locator('code.secret').innerText()).replaceAll(/\s/g, '');
      const app = new TOTP({ secret: Secret.fromBase32(secret) });
      /** The code of the current 30 s step, or of the next one when `after` already used this one. */
      const codeAfter = (after = -1) => {
        const step = Math.max(Math.floor(Date.now() / 30_000), after + 1);
        return { step, code: app.generate({ timestamp: step * 30_000 }) };
      };

      const first = codeAfter();
      const wrong = String((Number(first.code) + 500_000) % 1_000_000).padStart(6, '0');
      await page.getByLabel('Code from the app').fill(wrong);
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByText('This code does not match').waitFor();
      await page.getByLabel('Code from the app').fill(first.code);
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByText('Two-step sign-in is on').waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Funnel CRM' }).waitFor();
      await context.close();

      // The password alone no longer yields a session, through the console or the API.
      const byPassword = await fetch(`${runtime.urls.api}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: people.support.email, password: PASSWORD }),
      });
      const challenge = (await byPassword.json()) as Record<string, unknown>;
      expect(challenge.status).toBe('mfa_required');
      expect(challenge.idToken).toBeUndefined();
      expect(byPassword.headers.get('set-cookie')).toBeNull();

      const again = await browser.newContext({ viewport: PHONE, locale: 'en-GB', timezoneId: TZ });
      again.setDefaultTimeout(60_000);
      const phone = await again.newPage();
      await phone.goto(`${runtime.urls.api}/app/today`);
      await phone.getByLabel('Email').fill(people.support.email);
      await phone.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await phone.getByRole('button', { name: 'Sign in' }).click();
      await phone.getByRole('heading', { name: 'Enter the code from your authenticator app' }).waitFor();
      await expectAccessible(phone, 'Sign-in code at 390 px');
      // The code that turned the app on was used once: it does not sign in.
      await phone.getByLabel('Code', { exact: true }).fill(first.code);
      await phone.getByRole('button', { name: 'Verify' }).click();
      await phone.getByText('This code is not the one your authenticator app shows now').waitFor();
      await phone.getByLabel('Code', { exact: true }).fill(codeAfter(first.step).code);
      await phone.getByRole('button', { name: 'Verify' }).click();
      await phone.getByRole('heading', { name: 'Today', level: 1 }).waitFor();

      await phone.getByRole('link', { name: 'Security' }).click();
      await phone.getByRole('button', { name: 'Turn two-step sign-in off' }).click();
      await phone.getByText('Two-step sign-in is off').waitFor();
      await again.close();
      const afterOff = await fetch(`${runtime.urls.api}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: people.support.email, password: PASSWORD }),
      });
      expect(((await afterOff.json()) as Record<string, unknown>).status).toBe('signed_in');
    },
    JOURNEY_MS,
  );

  it(
    'shows every screen an admin is offered accessibly, and the main ones at 390 px without sideways scrolling',
    async () => {
      const { context, page } = await session('admin', 'today');
      const nav = page.getByRole('navigation', { name: 'Main' });
      const links = await nav.getByRole('link').allInnerTexts();
      expect(links.length).toBeGreaterThan(20);
      const open = async (name: string) => {
        await nav.getByRole('link', { name, exact: true }).click();
        await page.getByRole('heading', { name, level: 1 }).waitFor();
        await page.waitForSelector('.loading', { state: 'detached' });
      };
      for (const name of links) {
        await open(name);
        await expectAccessible(page, name);
        if (['Today', 'Calendar', 'Contacts', 'Settings', 'Audit log', 'API keys'].includes(name))
          await screenshot(page, name.toLowerCase().replaceAll(' ', '-'));
      }
      await page.setViewportSize(PHONE);
      for (const name of ['Today', 'Contacts', 'Pipeline', 'Segments', 'Campaigns', 'Invoices', 'Members']) {
        await page.getByRole('button', { name: 'Menu' }).click();
        await open(name);
        await expectNoHorizontalScroll(page, name);
        await expectAccessible(page, `${name} at 390 px`);
      }
      await screenshot(page, 'members-phone');
      await context.close();
    },
    2 * JOURNEY_MS,
  );

  it(
    'offers a role only its screens, and shows the API’s 403 when another is opened anyway',
    async () => {
      const { context, page } = await session('sales', 'today');
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Pipeline' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      expect(await nav.getByRole('link', { name: 'Invoices' }).count()).toBe(0);
      await page.goto(`${runtime.urls.api}/app/audit`);
      await page.getByText('Your role does not give access to this').waitFor();
      expect(await page.getByRole('alert').innerText()).toContain(
        'The sales role may not read the audit trail',
      );
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'keeps a draft through an expired session, and throttles wrong passwords',
    async () => {
      const { context, page } = await session('sales', 'contacts/new');
      await page.getByLabel('First name').fill('Draft');
      await page.getByLabel('Last name').fill('Kept');
      // The session ends: the API refuses the token and the refresh cookie is gone.
      await context.clearCookies();
      await page.route('**/v1/contacts', (route) =>
        route.fulfill({
          status: 401,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:funnel:problem:unauthorized',
            title: 'Authentication required',
            status: 401,
          }),
        }),
      );
      await page.getByRole('button', { name: 'Create contact' }).click();
      await page.getByText('Your session has ended').waitFor();
      await page.unroute('**/v1/contacts');
      await page.getByLabel('Email').fill(people.sales!.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByLabel('First name').inputValue(), { timeout: 60_000 }).toBe('Draft');
      expect(await page.getByLabel('Last name').inputValue()).toBe('Kept');
      await context.close();

      const stranger = await browser.newContext();
      stranger.setDefaultTimeout(60_000);
      const signInPage = await stranger.newPage();
      await signInPage.goto(`${runtime.urls.api}/app/`);
      await signInPage.getByLabel('Email').fill(people.finance!.email);
      for (let attempt = 1; attempt <= 6; attempt++) {
        await signInPage.getByLabel('Password', { exact: true }).fill(`Wrong-password-${attempt}`);
        await signInPage.getByRole('button', { name: 'Sign in' }).click();
        await signInPage
          .getByText(attempt <= 5 ? 'The email or password is wrong.' : 'Too many wrong passwords', {
            exact: false,
          })
          .waitFor();
      }
      await expectAccessible(signInPage, 'sign-in');
      await screenshot(signInPage, 'sign-in');
      await stranger.close();
    },
    JOURNEY_MS,
  );

  it(
    'searches contacts by last name and by email, reads the next page, and shows what the search found each time',
    async () => {
      // 27 contacts with a last name nobody else has: a first page of 25 and a second of 2.
      const okonkwo = Array.from({ length: 27 }, (_, i) => String(i + 1).padStart(2, '0'));
      for (let i = 0; i < okonkwo.length; i += 9)
        await Promise.all(
          okonkwo.slice(i, i + 9).map((n) =>
            created(
              admin().post('/v1/contacts', {
                firstName: `Ada${n}`,
                lastName: 'Okonkwo',
                email: `okonkwo-${n}@search.example`,
              }),
            ),
          ),
        );
      await runtime.settle();
      const { context, page } = await session('sales', 'calendar');
      const rows = page.locator('table tbody tr');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
      await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
      // The screen arrives with its first page already in it: the loader read it.
      await expect.poll(() => rows.count()).toBeGreaterThan(0);
      expect(await page.locator('.loading').count()).toBe(0);

      await page.getByLabel('Search by').selectOption('name');
      await page.getByRole('searchbox', { name: 'Search' }).fill('Okon');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      // Until the search's page arrives the screen still shows the unfiltered one (25 rows too).
      const found = async () => {
        const texts = await rows.allInnerTexts();
        return { rows: texts.length, others: texts.filter((row) => !row.includes('Okonkwo')) };
      };
      await expect.poll(found).toEqual({ rows: 25, others: [] });
      await page.getByRole('button', { name: 'Show more' }).click();
      await expect.poll(found).toEqual({ rows: 27, others: [] });
      expect(await page.getByRole('button', { name: 'Show more' }).count()).toBe(0);

      // A new search replaces the rows; it does not keep the read-ahead page of the last one.
      await page.getByLabel('Search by').selectOption('email');
      await page.getByRole('searchbox', { name: 'Search' }).fill('okonkwo-07@search.example');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain('Ada07 Okonkwo');

      await page.getByRole('searchbox', { name: 'Search' }).fill('nobody@search.example');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByText('Nobody matches that search.').waitFor();
      expect(await rows.count()).toBe(0);

      // Back to the last search through the browser's history: the loader reads it again.
      await page.goBack();
      await expect.poll(() => rows.count()).toBe(1);
      expect(page.url()).toContain('okonkwo-07');
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'shows a meeting late on the 25-hour day the clocks go back under that day of the week',
    async () => {
      // The next last Sunday of October in Paris (clocks back at 03:00 summer time): 25 hours long.
      const now = new Date();
      const lastSundayOfOctober = (year: number) => {
        const day = new Date(Date.UTC(year, 9, 31, 12));
        day.setUTCDate(31 - day.getUTCDay());
        return day;
      };
      let sunday = lastSundayOfOctober(now.getUTCFullYear());
      if (sunday.getTime() < now.getTime()) sunday = lastSundayOfOctober(now.getUTCFullYear() + 1);
      const date = sunday.toISOString().slice(0, 10);
      const contact = await created(admin().post('/v1/contacts', { firstName: 'Late', lastName: 'Sunday' }));
      // 23:30 in Paris winter time: past the first 24 hours of that day.
      await created(
        admin().post('/v1/activities', {
          type: 'meeting',
          ownerId: people.sales!.id,
          contactIds: [contact.id],
          meeting: { title: 'Long day wrap-up', start: `${date}T22:30:00Z`, end: `${date}T23:00:00Z` },
        }),
      );
      const { context, page } = await session('sales', 'calendar');
      await page.getByRole('heading', { name: 'Calendar', level: 1 }).waitFor();
      const day = 86_400_000;
      const thisMonday =
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
        ((now.getUTCDay() + 6) % 7) * day;
      const weeks = Math.round((sunday.getTime() - 6 * day - thisMonday) / (7 * day));
      await page.locator('section.day').first().waitFor();
      for (let i = 0; i < weeks; i++) {
        const first = await page.locator('section.day h2').first().innerText();
        await page.getByRole('button', { name: 'Next week' }).click();
        await expect.poll(() => page.locator('section.day h2').first().innerText()).not.toBe(first);
      }
      // The meeting is under that Sunday, not under no day (a day taken as 24 hours ends at 23:00).
      const meeting = page.locator('section.day', { hasText: 'Long day wrap-up' });
      await meeting.waitFor();
      expect(await meeting.locator('h2').innerText()).toMatch(/Sunday/);
      await context.close();
    },
    JOURNEY_MS,
  );

  it(
    'filters invoices by status in the address: a shared link opens filtered, and going back restores the filter',
    async () => {
      const customer = await created(
        admin().post('/v1/contacts', {
          firstName: 'Fiona',
          lastName: 'Filter',
          email: `fiona-${Date.now()}@customers.example`,
        }),
      );
      const invoice = (description: string) =>
        created(
          admin().post('/v1/invoices', {
            contactId: customer.id,
            lines: [{ description, quantity: 1, unitAmount: 10_000, taxRateBps: 0 }],
          }),
        );
      await invoice('Still a draft');
      const issued = await created(admin().post(`/v1/invoices/${(await invoice('Sent')).id}/issue`), 200);
      await runtime.settle();

      // A link someone shared, to the drafts: the screen opens with them, already filtered.
      const { context, page } = await session('finance', 'invoices?status=draft');
      await page.getByRole('heading', { name: 'Invoices', level: 1 }).waitFor();
      const rows = page.locator('table tbody tr');
      const numbers = async () => (await rows.allInnerTexts()).map((row) => row.split('\t')[0]!.trim());
      await expect.poll(() => rows.count()).toBeGreaterThan(0);
      expect(await page.getByLabel('Status').inputValue()).toBe('draft');
      expect(new Set(await numbers())).toEqual(new Set(['Draft']));

      await page.getByLabel('Status').selectOption('open');
      await expect.poll(numbers).toContain(issued.number);
      expect(await numbers()).not.toContain('Draft');
      expect(new URL(page.url()).searchParams.get('status')).toBe('open');

      await page.goBack();
      await expect.poll(async () => new Set(await numbers())).toEqual(new Set(['Draft']));
      expect(await page.getByLabel('Status').inputValue()).toBe('draft');
      await context.close();
    },
    JOURNEY_MS,
  );
});

describe('sign-in through the token endpoint, and the authorizer', () => {
  const signInOverHttp = async (email: string, password: string) => {
    const response = await fetch(`${runtime.urls.api}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, any>,
      cookie: response.headers.get('set-cookie'),
    };
  };

  it(
    'maps a console session and an API key of the same member to the same tenant, member and role',
    async () => {
      const finance = await member('finance', 'Fern Finance');
      const session = await signInOverHttp(finance.email, PASSWORD);
      expect(session.status).toBe(200);
      expect(session.cookie).toMatch(
        /^funnel_session=[^;]+; Path=\/v1\/session; HttpOnly; Secure; SameSite=Strict; Max-Age=2592000$/,
      );
      expect(JSON.stringify(session.body)).not.toContain(session.cookie!.split(';')[0]!.split('=')[1]!);
      const key = await created(admin().post('/v1/api-keys', { name: 'Fern laptop', memberId: finance.id }));
      const withToken = admin().as(session.body.idToken);
      const withKey = admin().as(key.key);
      expect((await withToken.get('/v1/me')).body).toEqual((await withKey.get('/v1/me')).body);
      // The role rules apply to both alike.
      expect((await withToken.get('/v1/audit')).status).toBe(403);
      expect((await withKey.get('/v1/audit')).status).toBe(403);
      expect((await withToken.get('/v1/invoices/aging')).status).toBe(200);

      // A role change applies to the session at once (the authorizer reads the member).
      const current = (await admin().get(`/v1/members/${finance.id}`)).body;
      await created(
        admin().patch(
          `/v1/members/${finance.id}`,
          { role: 'readonly' },
          { headers: { 'if-match': `"${current.version}"` } },
        ),
        200,
      );
      expect((await withToken.get('/v1/me')).body.role).toBe('readonly');

      // A forged or tampered token is refused; so is the session of a deactivated member.
      const [header, payload, signature] = (session.body.idToken as string).split('.');
      const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      forged['custom:member_id'] = people.admin!.id;
      const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      const refused = await admin().as(tampered).get('/v1/me');
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toBe('The session token is not valid.');
      await created(admin().delete(`/v1/members/${finance.id}`), 200);
      await runtime.settle();
      expect((await withToken.get('/v1/me')).status).toBe(401);
      expect((await signInOverHttp(finance.email, PASSWORD)).body.detail).toBe(
        'This account is deactivated. Ask an admin of your company.',
      );
    },
    JOURNEY_MS,
  );

  it(
    'refreshes from the cookie only, and signing out revokes it',
    async () => {
      const session = await signInOverHttp(people.marketing!.email, PASSWORD);
      const cookie = session.cookie!.split(';')[0]!;
      const refresh = () =>
        fetch(`${runtime.urls.api}/v1/session/refresh`, { method: 'POST', headers: { cookie } }).then(
          (r) => r.status,
        );
      expect(await refresh()).toBe(200);
      expect((await fetch(`${runtime.urls.api}/v1/session/refresh`, { method: 'POST' })).status).toBe(401);
      const out = await fetch(`${runtime.urls.api}/v1/session`, { method: 'DELETE', headers: { cookie } });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      expect(await refresh()).toBe(401);
    },
    JOURNEY_MS,
  );
});
