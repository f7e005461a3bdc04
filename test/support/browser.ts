import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Debian's chromium driven by playwright-core (never a downloaded browser), with the flags this
 * machine's closed network needs. Without /usr/bin/chromium the browser suites are skipped and
 * say so, except in CI (CI=true), where .ci/run installs it and a missing browser is a failure.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * Screenshots for docs/console.md: written there by `npm run docs:screenshots`
 * (UPDATE_SCREENSHOTS=1), to a temporary folder otherwise, so a test run leaves the tree clean.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? resolve(fileURLToPath(new URL('../../docs/console', import.meta.url)))
  : join(tmpdir(), 'funnel-console-screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** axe-core over the page as it is now: no serious or critical violation (WCAG 2.x A and AA). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const grave = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(grave, `accessibility of ${screen}`).toEqual([]);
}

/** Nothing on the page is wider than the viewport (lists become cards at phone widths). */
export async function expectNoHorizontalScroll(page: Page, screen: string): Promise<void> {
  // Evaluated in the page, which has a DOM (this file's types have none).
  const { scroll, width } = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })',
  )) as { scroll: number; width: number };
  expect(scroll, `${screen} fits ${width} px`).toBeLessThanOrEqual(width);
}

/** Signs in through the sign-in form and waits for the console. */
export async function signIn(
  context: BrowserContext,
  baseUrl: string,
  email: string,
  password: string,
  path = 'today',
) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/app/${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}
