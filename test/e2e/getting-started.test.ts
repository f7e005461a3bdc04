import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideSnippets } from '../../functions/http/getting-started.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { startTestRuntime } from '../support/runtime.ts';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the getting-started guide of the reference', () => {
  it('runs, snippet after snippet, from sign-up to a verified webhook signature', async () => {
    const snippets = guideSnippets();
    expect(snippets).toHaveLength(5);
    // Beside the project's node_modules, so the guide's `import 'standardwebhooks'` resolves.
    const dir = join(process.cwd(), 'node_modules', '.cache', 'getting-started');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `guide-${process.pid}.mjs`);
    writeFileSync(file, snippets.join('\n'));
    const port = await freePort();
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          FUNNEL_URL: runtime.urls.api,
          PORT: String(port),
          WEBHOOK_URL: `http://127.0.0.1:${port}/funnel`,
        },
      });
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^201 \/v1\/contacts\/[0-9A-Z]{26}$/);
      expect(lines.at(-1)).toMatch(/^verified \S+/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
