import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * each bundle is imported in fresh Node processes, with the function's environment and the
 * deployed NODE_OPTIONS, bundle and baseline alternately; the medians of their CPU times are compared.
 */
const OUT = join(tmpdir(), `funnel-bench-bundles-${process.pid}`);

/** The stack's bundling options (infra/constructs/functions.ts), as esbuild options. */
function bundling(): BuildOptions {
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
    // Packages a function ships beside its bundle (FunctionSpec.nodeModules) are loaded lazily, not bundled.
    external: [
      ...(BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*']),
      ...new Set(application.functions.flatMap((fn) => fn.nodeModules ?? [])),
    ],
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    // The baselines are written to OUT, outside the repository: their packages are the project's.
    nodePaths: [join(REPO_ROOT, 'node_modules')],
  };
}

/** The part of a metafile of several entry points that one output is made of. */
function metafileOf(metafile: Metafile, output: string): Metafile {
  const only = metafile.outputs[output]!;
  return {
    inputs: Object.fromEntries(Object.keys(only.inputs).map((path) => [path, metafile.inputs[path]!])),
    outputs: { [output]: only },
  };
}

/** Every function's bundle and its SDK-only baseline, each set in one esbuild run. */
async function buildAll(functions: readonly FunctionSpec[]) {
  const bundles = await build({
    ...bundling(),
    entryPoints: Object.fromEntries(functions.map((fn) => [`${fn.name}/index`, join(REPO_ROOT, fn.entry)])),
  });
  const outputOf = (metafile: Metafile, name: string) =>
    Object.keys(metafile.outputs).find((o) => o.endsWith(`${name}/index.mjs`))!;
  const sources = new Map<string, Awaited<ReturnType<typeof sdkBaselineSource>>>();
  for (const fn of functions) {
    const source = await sdkBaselineSource(
      metafileOf(bundles.metafile!, outputOf(bundles.metafile!, fn.name)),
    );
    sources.set(fn.name, source);
    mkdirSync(join(OUT, 'sources', fn.name), { recursive: true });
    writeFileSync(join(OUT, 'sources', fn.name, 'sdk-baseline.mjs'), source.source);
  }
  const baselines = await build({
    ...bundling(),
    entryPoints: Object.fromEntries(
      functions.map((fn) => [
        `${fn.name}/sdk-baseline/index`,
        join(OUT, 'sources', fn.name, 'sdk-baseline.mjs'),
      ]),
    ),
  });
  return functions.map((fn) => {
    const bundle = metafileOf(bundles.metafile!, outputOf(bundles.metafile!, fn.name));
    const baseline = metafileOf(
      baselines.metafile!,
      outputOf(baselines.metafile!, `${fn.name}/sdk-baseline`),
    );
    return {
      fn,
      bundleFile: join(OUT, fn.name, 'index.mjs'),
      baselineFile: join(OUT, fn.name, 'sdk-baseline', 'index.mjs'),
      sdkPackages: sources.get(fn.name)!.packages,
      beyondSdk: beyond(bundle, baseline),
    };
  });
}

interface ImportTime {
  wallMs: number;
  /** CPU time of the process (all its threads) while importing. */
  cpuMs: number;
}

function importTime(file: string): Promise<ImportTime> {
  const script = [
    'const cpu = process.cpuUsage(); const start = performance.now();',
    'await import(process.argv[1]);',
    'const used = process.cpuUsage(cpu);',
    'process.stdout.write(JSON.stringify({ wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }));',
  ].join(' ');
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
      if (code === 0) resolve(JSON.parse(out) as ImportTime);
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
  imports: ImportTime[];
  baselineImports: ImportTime[];
}

async function importTimes(bundleFile: string, baselineFile: string, rounds: number, tick: () => void) {
  const times = { bundle: [] as ImportTime[], baseline: [] as ImportTime[] };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order: the first import of a round may find the disk cache colder.
    const order = round % 2 === 0 ? (['bundle', 'baseline'] as const) : (['baseline', 'bundle'] as const);
    for (const which of order)
      times[which].push(await importTime(which === 'bundle' ? bundleFile : baselineFile));
    tick();
  }
  return times;
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
    const rounds = quick ? 3 : 5;
    const functions = application.functions;
    mkdirSync(OUT, { recursive: true });
    const measured: Measured[] = [];
    try {
      await progress.run('cold start: bundles and imports', 1 + functions.length * rounds, async (phase) => {
        const built = await buildAll(functions);
        phase.tick(1, 'built');
        for (const b of built) {
          const times = await importTimes(b.bundleFile, b.baselineFile, rounds, () =>
            phase.tick(1, b.fn.name),
          );
          measured.push({
            name: b.fn.name,
            bytes: statSync(b.bundleFile).size,
            baselineBytes: statSync(b.baselineFile).size,
            sdkPackages: b.sdkPackages,
            beyondSdk: b.beyondSdk,
            imports: times.bundle,
            baselineImports: times.baseline,
          });
        }
      });
    } finally {
      rmSync(OUT, { recursive: true, force: true });
    }
    const rows: Row[] = [];
    const metrics: Record<string, number> = {};
    for (const m of measured) {
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
      // CPU time, not wall time: on a shared machine other processes stretch the wall time of an
      // import by up to three times between two runs, while its CPU time stays within a few percent.
      const importMs = median(m.imports.map((t) => t.cpuMs));
      const baselineMs = median(m.baselineImports.map((t) => t.cpuMs));
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
        measure: `${m.name}: import in a fresh process, CPU time${hasSdk ? '' : ' (no SDK client)'}`,
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
