import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { application } from '../../functions/app/index.ts';
import type { FunctionSpec } from '../../functions/app/types.ts';
import { BUNDLING, DOCS_ASSET_DIR, RUNTIME, SPLITTING } from '../../infra/constructs/functions.ts';
import { REPO_ROOT } from '../../infra/local/runtime.ts';
import { budgetFor, effectiveLimit, type Limit } from '../budgets.ts';
import type { Case, Row } from '../case.ts';
import { inParallel } from '../progress.ts';
import { sdkBaselineSource } from '../sdk-baseline.ts';
import { median, type PairedRatio, pairedRatio, ratio, undecided } from '../stats.ts';

/**
 * A proxy for each function's cold start: its bundle, built as CDK deploys it (the stack's own
 * bundling options, split), against a baseline bundle holding only the AWS SDK clients and
 * commands that its cold start loads, built the same way. Size: minified bytes a cold start loads
 * (the entry and the chunks it imports statically; source maps apart). Import time: the entry is
 * imported in fresh Node processes, with the function's environment and the deployed
 * NODE_OPTIONS, bundle and baseline alternately; each round's ratio of CPU times is taken, and
 * their median is the figure.
 */
const OUT = join(tmpdir(), `funnel-bench-bundles-${process.pid}`);
/** Imports timed at once: the 2 cores the budgets are set on. */
const CORES_USED = 2;
/**
 * Bundles built at once: esbuild uses every core for each build already, and 79 at once held 10 GB
 * and took longer (60 s) than 4 at a time (46 s).
 */
const BUILDS_AT_ONCE = 4;

/**
 * The stack's bundling options (infra/constructs/functions.ts), as esbuild options: split as the
 * stack splits them (`split`), so what a function imports lazily lands in chunks it loads on the
 * paths that need them. Packages a function ships beside its bundle (its own
 * FunctionSpec.nodeModules, as CDK installs them) are left out.
 */
function bundling(outdir: string, nodeModules: readonly string[], split: boolean): BuildOptions {
  const version = /nodejs(\d+)/.exec(RUNTIME.name)?.[1];
  return {
    bundle: true,
    platform: 'node',
    target: `node${version}`,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    external: [
      ...(BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*']),
      ...nodeModules.flatMap((m) => [m, `${m}/*`]),
    ],
    // Entry points are named by their keys (`index`, as SPLITTING.entryNames names the deployed one).
    ...(split ? { splitting: true, chunkNames: SPLITTING.chunkNames } : {}),
    outdir,
    outExtension: { '.js': SPLITTING.outExtension },
    metafile: true,
    logLevel: 'silent',
    // The baselines are written to OUT, outside the repository: their packages are the project's.
    nodePaths: [join(REPO_ROOT, 'node_modules')],
  };
}

/**
 * A package shipped beside the bundle but imported statically would be loaded at every cold start
 * without being counted here: the harness refuses to measure such a bundle.
 */
function assertLazy(fn: FunctionSpec, metafile: Metafile, outputs: readonly string[]): void {
  const shipped = fn.nodeModules ?? [];
  const eager = outputs.flatMap((output) =>
    metafile.outputs[output]!.imports.filter(
      (i) =>
        i.external &&
        i.kind === 'import-statement' &&
        shipped.some((m) => i.path === m || i.path.startsWith(`${m}/`)),
    ),
  );
  if (eager.length)
    throw new Error(
      `${fn.name} imports ${eager.map((i) => i.path).join(', ')} statically: a package in nodeModules is loaded with await import(), on the paths that need it.`,
    );
}

/**
 * The outputs a cold start loads: the entry and the chunks it imports statically, transitively;
 * chunks reached only by `await import()` load later, on the paths that need them.
 */
function loadedAtStart(metafile: Metafile, entry: string): string[] {
  const loaded = new Set([entry]);
  for (const output of loaded)
    for (const i of metafile.outputs[output]!.imports)
      if (i.kind === 'import-statement' && !i.external && metafile.outputs[i.path]) loaded.add(i.path);
  return [...loaded];
}

/** The part of a metafile that some of its outputs are made of. */
function metafileOf(metafile: Metafile, outputs: readonly string[]): Metafile {
  const inputs = new Set(outputs.flatMap((o) => Object.keys(metafile.outputs[o]!.inputs)));
  return {
    inputs: Object.fromEntries([...inputs].map((path) => [path, metafile.inputs[path]!])),
    outputs: Object.fromEntries(outputs.map((o) => [o, metafile.outputs[o]!])),
  };
}

const entryOf = (metafile: Metafile, name: string) =>
  Object.keys(metafile.outputs).find((o) => o.endsWith(`${name}/index.mjs`))!;

/**
 * Every function's bundle, built alone and split as the stack builds it, and its SDK-only
 * baseline (the SDK clients and commands its cold start loads), the baselines in one esbuild run.
 */
export async function buildAll(functions: readonly FunctionSpec[]) {
  const bundles = await inParallel(functions, BUILDS_AT_ONCE, async (fn) => {
    const { metafile } = await build({
      ...bundling(join(OUT, fn.name), fn.nodeModules ?? [], true),
      entryPoints: { index: join(REPO_ROOT, fn.entry) },
    });
    const atStart = loadedAtStart(metafile!, entryOf(metafile!, fn.name));
    assertLazy(fn, metafile!, Object.keys(metafile!.outputs));
    return { fn, atStart: metafileOf(metafile!, atStart) };
  });
  const sources = new Map<string, Awaited<ReturnType<typeof sdkBaselineSource>>>();
  for (const { fn, atStart } of bundles) {
    const source = await sdkBaselineSource(atStart);
    sources.set(fn.name, source);
    mkdirSync(join(OUT, 'sources', fn.name), { recursive: true });
    writeFileSync(join(OUT, 'sources', fn.name, 'sdk-baseline.mjs'), source.source);
  }
  // Split too: the SDK imports some of its own parts lazily (credential providers), and those are
  // chunks loaded on the first call on both sides.
  const baselines = await build({
    ...bundling(join(OUT, 'baselines'), [], true),
    entryPoints: Object.fromEntries(
      functions.map((fn) => [`${fn.name}/index`, join(OUT, 'sources', fn.name, 'sdk-baseline.mjs')]),
    ),
  });
  return bundles.map(({ fn, atStart }) => {
    const entry = entryOf(baselines.metafile!, fn.name);
    const baseline = metafileOf(baselines.metafile!, loadedAtStart(baselines.metafile!, entry));
    return {
      fn,
      bundleFile: join(OUT, fn.name, 'index.mjs'),
      baselineFile: join(OUT, 'baselines', fn.name, 'index.mjs'),
      /** Minified bytes a cold start loads (source maps apart). */
      bytes: bytesOf(atStart),
      baselineBytes: bytesOf(baseline),
      chunksAtStart: Object.keys(atStart.outputs).length - 1,
      sdkPackages: sources.get(fn.name)!.packages,
      beyondSdk: beyond(atStart, baseline),
      /** The outputs a cold start loads, with the inputs each holds (to see what to make lazy). */
      atStart,
    };
  });
}

function bytesOf(metafile: Metafile): number {
  return Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
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
    // 'close', not 'exit': the process may exit before its output has been read.
    child.on('close', (code) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(out) as ImportTime);
        } catch {
          reject(new Error(`Importing ${file} printed no timing: ${JSON.stringify(out.slice(0, 200))}`));
        }
      } else
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
  /** Chunks the entry imports statically (code shared with its lazily loaded paths). */
  chunksAtStart: number;
  sdkPackages: string[];
  /** What the bundle holds beyond the SDK, by package (or project folder), largest first, in KB. */
  beyondSdk: Array<[string, number]>;
  imports: ImportTime[];
  baselineImports: ImportTime[];
  /** Import CPU time, bundle over baseline, round by round. */
  ratio: PairedRatio;
}

/**
 * Imports the bundle and its baseline alternately, a pair per round, until the pairs' ratios
 * decide the verdict against `limit` (their middle half on one side of it) or `maxRounds` is
 * reached: a function far from its limit costs `minRounds`, one near it as many as it takes.
 */
async function importTimes(
  files: { bundleFile: string; baselineFile: string },
  rounds: { min: number; max: number },
  limit: Limit | undefined,
  tick: () => void,
) {
  const times = { bundle: [] as ImportTime[], baseline: [] as ImportTime[] };
  for (let round = 0; round < rounds.max; round++) {
    if (round >= rounds.min && !(limit && undecided(paired(times), limit))) break;
    // Alternate the order: the first import of a round may find the disk cache colder.
    const order = round % 2 === 0 ? (['bundle', 'baseline'] as const) : (['baseline', 'bundle'] as const);
    for (const which of order)
      times[which].push(await importTime(which === 'bundle' ? files.bundleFile : files.baselineFile));
    tick();
  }
  return times;
}

// CPU time, not wall time: on a shared machine other processes stretch the wall time of an import
// by up to three times between two runs, while its CPU time stays within a few percent.
function paired(times: { bundle: ImportTime[]; baseline: ImportTime[] }): PairedRatio {
  return pairedRatio(
    times.bundle.map((t) => t.cpuMs),
    times.baseline.map((t) => t.cpuMs),
  );
}

/** Bytes of a bundle by npm package, or by project folder for the project's own code. */
function composition(metafile: Metafile): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs))
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
  async run({ progress, quick, budgets }) {
    const rounds = quick ? { min: 3, max: 7 } : { min: 5, max: 15 };
    const functions = application.functions;
    mkdirSync(OUT, { recursive: true });
    const measured: Measured[] = [];
    try {
      await progress.run(
        'cold start: bundles and imports',
        1 + functions.length * rounds.min,
        async (phase) => {
          const built = await buildAll(functions);
          phase.tick(1, 'built');
          // A function on each core: an import is timed in CPU time, which a process on the other
          // core does not stretch; over 78 functions the ratios differ from sequential runs' by a
          // median of -0.02 and +0.01, inside the spread of two sequential runs (docs/performance.md).
          const timed = await inParallel(built, CORES_USED, async (b): Promise<Measured> => {
            const budget = budgetFor(budgets, `cold-start.${b.fn.name}.importRatio`);
            const times = await importTimes(b, rounds, budget && effectiveLimit(budget), () =>
              phase.tick(1, b.fn.name),
            );
            return {
              name: b.fn.name,
              bytes: b.bytes,
              baselineBytes: b.baselineBytes,
              chunksAtStart: b.chunksAtStart,
              sdkPackages: b.sdkPackages,
              beyondSdk: b.beyondSdk,
              imports: times.bundle,
              baselineImports: times.baseline,
              ratio: paired(times),
            };
          });
          measured.push(...timed);
        },
      );
    } finally {
      rmSync(OUT, { recursive: true, force: true });
    }
    const rows: Row[] = [];
    const metrics: Record<string, number> = {};
    for (const m of measured) {
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
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
      if (hasSdk) metrics[`cold-start.${m.name}.importRatio`] = m.ratio.median;
      const spread = `${m.ratio.low.toFixed(2)}–${m.ratio.high.toFixed(2)} over ${m.ratio.rounds} rounds`;
      rows.push({
        measure: `${m.name}: import in a fresh process, CPU time${hasSdk ? ` (ratio ${spread})` : ' (no SDK client)'}`,
        funnel: `${importMs.toFixed(0)} ms`,
        ...(hasSdk
          ? {
              floor: `${baselineMs.toFixed(0)} ms`,
              ratio: m.ratio.median,
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
