// `npm start`: the local runtime from its ahead-of-time build (infra/local/build.js), made now
// when the sources changed since the last one (npm ci made the first), then run.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from './build.js';

let dir;
try {
  dir = await ensureBuilt();
} catch (error) {
  // esbuild has printed where the sources do not compile.
  console.error('Funnel CRM could not start: the local runtime did not build.', error.message ?? error);
  process.exit(1);
}
// Stack traces name the TypeScript sources, not the build.
process.setSourceMapsEnabled(true);
process.env.FUNNEL_LOCAL_BUILD = dir;
await import(pathToFileURL(join(dir, 'infra', 'local', 'main.js')).href);
