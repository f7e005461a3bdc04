import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONSOLE_DIST, ensureConsoleBuilt } from '../../infra/local/console.ts';
import { CHROMIUM, launchChromium } from '../../test/support/browser.ts';
import { type Case, ms, type Row } from '../case.ts';
import { ratio, summarize } from '../stats.ts';

const PAGE = 25;
const PASSWORD = 'Bench-Console-2026';

/**
 * The console (issue 17): what its first load costs, and how long a list screen of 25 records
 * takes to show against the API call it makes, measured in the same browser in the same run.
 * - first load: the JavaScript index.html loads before anything is shown (its module script and
 *   the modules it preloads), gzipped as CloudFront serves it; the screens load later, per role;
 * - list: from a click on "Contacts" (from another screen) until 25 rows are in the table (seen
 *   by a MutationObserver, as the rows arrive), timed inside the page, interleaved with the same
 *   `GET /v1/contacts?limit=25` made by fetch there.
 */
function firstLoadBytes(): { files: string[]; gzipped: number } {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="\/app\/([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/app\/([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  const gzipped = files.reduce(
    (sum, file) => sum + gzipSync(readFileSync(join(CONSOLE_DIST, file))).byteLength,
    0,
  );
  return { files, gzipped };
}

export const consoleCase: Case = {
  id: 'console',
  title: 'Web console',
  async run({ runtime, dataSet, progress, quick }) {
    await ensureConsoleBuilt();
    const load = firstLoadBytes();
    const kb = load.gzipped / 1024;
    const rows: Row[] = [
      {
        measure: `first load: ${load.files.length} JavaScript file(s), gzipped`,
        funnel: `${kb.toFixed(1)} KB`,
        metric: 'console.firstLoad.gzipKB',
      },
    ];
    const metrics: Record<string, number> = { 'console.firstLoad.gzipKB': kb };
    if (!existsSync(CHROMIUM))
      return {
        id: 'console',
        title: 'Web console',
        rows,
        metrics,
        skipped: `the list screen needs Debian's chromium at ${CHROMIUM}`,
      };

    const { main } = await dataSet();
    const member = (await main.api.send('GET', `/v1/members/${main.members[0]}`)).json as { email: string };
    await runtime.settle();
    await runtime.cognito.setPassword(member.email, PASSWORD);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${runtime.urls.console}calendar`);
      await page.getByLabel('Email').fill(member.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Calendar', level: 1 }).waitFor();
      // The page's own session for the API side: the same origin, the same kind of token.
      await page.evaluate(
        `fetch('/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ${JSON.stringify(member.email)}, password: ${JSON.stringify(PASSWORD)} }) }).then((r) => r.json()).then((s) => { window.__benchToken = s.idToken; })`,
      );
      const apiCall = `(async () => {
        const started = performance.now();
        const response = await fetch('/v1/contacts?limit=${PAGE}', { headers: { authorization: 'Bearer ' + window.__benchToken } });
        const body = await response.json();
        if (body.items.length !== ${PAGE}) throw new Error('expected ${PAGE} contacts, got ' + body.items.length);
        return performance.now() - started;
      })()`;
      const screen = `(async () => {
        const nav = document.querySelector('nav[aria-label="Main"]');
        const link = (name) => [...nav.querySelectorAll('a')].find((a) => a.textContent === name);
        // Watched as the DOM changes, not once a frame: polling on animation frames would add up
        // to a frame (16.7 ms) to every reading, more than the API call itself takes here.
        const until = (check) => new Promise((resolve) => {
          if (check()) return resolve();
          const observer = new MutationObserver(() => {
            if (check()) {
              observer.disconnect();
              resolve();
            }
          });
          observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        });
        link('Calendar').click();
        await until(() => document.querySelector('h1')?.textContent === 'Calendar' && !document.querySelector('.loading'));
        const started = performance.now();
        link('Contacts').click();
        await until(() => document.querySelectorAll('table tbody tr').length >= ${PAGE});
        return performance.now() - started;
      })()`;
      const warmup = quick ? 5 : 20;
      const pairs = quick ? 20 : 100;
      const api: number[] = [];
      const shown: number[] = [];
      await progress.run(
        'console: 25 contacts on screen vs their API call',
        warmup + pairs,
        async (phase) => {
          for (let i = 0; i < warmup + pairs; i++) {
            const a = (await page.evaluate(apiCall)) as number;
            const s = (await page.evaluate(screen)) as number;
            if (i >= warmup) {
              api.push(a);
              shown.push(s);
            }
            phase.tick();
          }
        },
      );
      const apiStats = summarize(api);
      const screenStats = summarize(shown);
      const p50 = ratio(screenStats.p50, apiStats.p50);
      metrics['console.list.p50.ratio'] = p50;
      rows.push({
        measure: `${PAGE} contacts shown p50 vs GET /v1/contacts`,
        funnel: ms(screenStats.p50),
        floor: ms(apiStats.p50),
        ratio: p50,
        metric: 'console.list.p50.ratio',
      });
      return {
        id: 'console',
        title: 'Web console',
        rows,
        metrics,
        details: { firstLoad: load, api: apiStats, screen: screenStats },
      };
    } finally {
      await browser.close();
    }
  },
};
