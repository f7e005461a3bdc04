import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_PATH, SECURITY_HEADERS } from '../console-site.ts';

/**
 * The console on one machine: the files of its Vite build (web/dist) at /app, as CloudFront
 * serves them from S3 in AWS, with the same security headers and the same single-page fallback
 * (a path without a file extension answers index.html; the router takes it from there).
 */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CONSOLE_DIST = join(ROOT, 'web', 'dist');
const FINGERPRINT = '.source-fingerprint';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export function consoleRoutes(dist = CONSOLE_DIST) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== CONSOLE_PATH && !url.pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    if (url.pathname === CONSOLE_PATH) {
      res.writeHead(301, { location: `${CONSOLE_PATH}/` }).end();
      return true;
    }
    const relative = decodeURIComponent(url.pathname.slice(CONSOLE_PATH.length + 1));
    let file = normalize(join(dist, relative));
    if (!file.startsWith(dist + sep) && file !== dist) {
      res.writeHead(404).end();
      return true;
    }
    if (!extname(file) || relative === '') file = join(dist, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      const missing = !existsSync(join(dist, 'index.html'));
      res.writeHead(missing ? 503 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(missing ? 'The console is not built: run `npm run build:console`.' : 'Not found');
      return true;
    }
    const immutable = relative.startsWith('assets/');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  };
}

/** Every file the build reads: the console's sources and the typed client's. */
function sources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(ROOT, 'web', 'src'));
  walk(join(ROOT, 'packages', 'client', 'src'));
  for (const file of [
    'web/index.html',
    'web/vite.config.ts',
    'web/package.json',
    'package-lock.json',
    'infra/local/console.ts',
  ])
    files.push(join(ROOT, file));
  return files.filter((f) => existsSync(f)).sort();
}

function fingerprint(): string {
  const hash = createHash('sha256');
  for (const file of sources()) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

/**
 * Builds the console when its sources changed since the last build (or it was never built), so
 * `npm start` on a fresh clone and `npm test` both serve the current console. A few seconds once;
 * nothing when the build is current.
 */
export async function ensureConsoleBuilt(log: (line: string) => void = () => undefined): Promise<void> {
  const current = fingerprint();
  const marker = join(CONSOLE_DIST, FINGERPRINT);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === current) return;
  log('Building the console (web/)...');
  const { build } = await import('vite');
  // A production build whatever NODE_ENV the caller runs with (vitest sets `test`, which would
  // otherwise give React's development build).
  const environment = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: join(ROOT, 'web'),
      configFile: join(ROOT, 'web', 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    if (environment === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = environment;
  }
  writeFileSync(marker, current);
}
