import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { application } from '../../functions/app/index.ts';
import type { FunctionSpec } from '../../functions/app/types.ts';
import { BUNDLING, DOCS_ASSET_DIR, RUNTIME } from '../../infra/constructs/functions.ts';
import { REPO_ROOT } from '../../infra/local/runtime.ts';
import type { Case, Row } from '../case.ts';
import { sdkBaselineSource } from '../sdk-baseline.ts';
import { median, ratio } from '../stats.ts';

/**
 * A proxy for each function's cold start: its bundle, built as CDK deploys it (the stack's own
 * bundling options), against a baseline bundle holding only the AWS SDK clients and commands that
 * bundle uses, built the same way. Size: minified bytes of each (source maps apart). Import time:
 * each bundle is imported in a fresh Node process, with the function's environment and the
 * deployed NODE_OPTIONS, bundle and baseline alternately, and the medians are compared.
 */
const OUT = join(tmpdir(), `funnel-bench-bundles-${process.pid}`);

function bundling(outfile: string): BuildOptions {
  const version = /nodejs(\d+)/.exec(RUNTIME.name)?.[1];
  return {
    bundle: true,
    platform: 'node',
    target: `node${version}`,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    external: BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*'],
    outfile,
    metafile: true,
    logLevel: 'silent',
  };
}

function importTime(file: string): Promise<number> {
  const script =
    'const start = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - start));';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
      // As deployed (infra/constructs/functions.ts); the docs function only reads its assets on request.
      env: { ...process.env, NODE_OPTIONS: '--enable-source-maps', DOCS_ASSET_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else
        reject(
          new Error(
            `Importing ${file} failed (exit ${code}): ${err.trim().split('\n').slice(0, 8).join(' ')}`,
          ),
        );
    });
  });
}

interface Measured {
  name: string;
  bytes: number;
  baselineBytes: number;
  sdkPackages: string[];
  /** What the bundle holds beyond the SDK, by package (or project folder), largest first, in KB. */
  beyondSdk: Array<[string, number]>;
  importMs: number[];
  baselineImportMs: number[];
}

async function measure(fn: FunctionSpec, rounds: number, tick: () => void): Promise<Measured> {
  const bundleFile = join(OUT, fn.name, 'index.mjs');
  const baselineFile = join(OUT, fn.name, 'sdk-baseline', 'index.mjs');
  const built = await build({ ...bundling(bundleFile), entryPoints: [join(REPO_ROOT, fn.entry)] });
  const baseline = await sdkBaselineSource(built.metafile!);
  const builtBaseline = await build({
    ...bundling(baselineFile),
    stdin: { contents: baseline.source, resolveDir: REPO_ROOT, sourcefile: 'sdk-baseline.mjs', loader: 'js' },
  });
  tick();
  const times = { bundle: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order: the first import of a round may find the disk cache colder.
    const order = round % 2 === 0 ? (['bundle', 'baseline'] as const) : (['baseline', 'bundle'] as const);
    for (const which of order)
      times[which].push(await importTime(which === 'bundle' ? bundleFile : baselineFile));
    tick();
  }
  return {
    name: fn.name,
    bytes: statSync(bundleFile).size,
    baselineBytes: statSync(baselineFile).size,
    sdkPackages: baseline.packages,
    beyondSdk: beyond(built.metafile!, builtBaseline.metafile!),
    importMs: times.bundle,
    baselineImportMs: times.baseline,
  };
}

/** Bytes of a bundle by npm package, or by project folder for the project's own code. */
function composition(metafile: Metafile): Map<string, number> {
  const output =
    Object.values(metafile.outputs).find((o) => o.entryPoint) ?? Object.values(metafile.outputs)[0]!;
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const key = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.replace(/\/[^/]+$/, '');
    sizes.set(key, (sizes.get(key) ?? 0) + input.bytesInOutput);
  }
  return sizes;
}

/** What a bundle holds beyond its SDK-only baseline, by package or folder, largest first, in KB. */
function beyond(bundle: Metafile, baseline: Metafile): Array<[string, number]> {
  const base = composition(baseline);
  return [...composition(bundle)]
    .map(([key, bytes]): [string, number] => [key, Math.round((bytes - (base.get(key) ?? 0)) / 1024)])
    .filter(([, kb]) => kb >= 1)
    .sort((a, b) => b[1] - a[1]);
}

export const coldStartCase: Case = {
  id: 'cold-start',
  title: 'Cold start proxy',
  async run({ progress, quick }) {
    const rounds = quick ? 2 : 5;
    const functions = application.functions;
    mkdirSync(OUT, { recursive: true });
    const measured: Measured[] = [];
    try {
      await progress.run(
        'cold start: bundles and imports',
        functions.length * (1 + rounds),
        async (phase) => {
          for (const fn of functions) measured.push(await measure(fn, rounds, () => phase.tick(1, fn.name)));
        },
      );
    } finally {
      rmSync(OUT, { recursive: true, force: true });
    }
    const rows: Row[] = [];
    const metrics: Record<string, number> = {};
    for (const m of measured) {
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
      const importMs = median(m.importMs);
      const baselineMs = median(m.baselineImportMs);
      const hasSdk = m.sdkPackages.length > 0;
      metrics[`cold-start.${m.name}.addedKB`] = (m.bytes - m.baselineBytes) / 1024;
      rows.push({
        measure: `${m.name}: minified size, +${kb(m.bytes - m.baselineBytes)} (${m.beyondSdk
          .slice(0, 3)
          .map(([name, size]) => `${name} ${size}`)
          .join(', ')})`,
        funnel: kb(m.bytes),
        ...(hasSdk ? { floor: kb(m.baselineBytes), ratio: ratio(m.bytes, m.baselineBytes) } : {}),
        metric: `cold-start.${m.name}.addedKB`,
      });
      // A function with no SDK client has no baseline to be slower than: an empty module.
      if (hasSdk) metrics[`cold-start.${m.name}.importRatio`] = ratio(importMs, baselineMs);
      rows.push({
        measure: `${m.name}: import in a fresh process${hasSdk ? '' : ' (no SDK client)'}`,
        funnel: `${importMs.toFixed(0)} ms`,
        ...(hasSdk
          ? {
              floor: `${baselineMs.toFixed(0)} ms`,
              ratio: ratio(importMs, baselineMs),
              metric: `cold-start.${m.name}.importRatio`,
            }
          : {}),
      });
    }
    return {
      id: 'cold-start',
      title: 'Cold start proxy',
      rows,
      metrics,
      details: Object.fromEntries(measured.map((m) => [m.name, m])),
    };
  },
};
