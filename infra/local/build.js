// The local runtime compiled ahead of time: `npm start` runs this build instead of transpiling
// several hundred TypeScript modules with tsx on every start (issue 21, item 7). Plain JavaScript
// because it runs before anything is compiled: from `npm ci` (postinstall) and from `npm start`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Where builds are kept, one directory per source hash (ignored by git, like the rest of .funnel/). */
export const BUILDS = join(ROOT, '.funnel', 'build');
const MANIFEST = 'manifest.json';
/** Builds kept besides the current one: another worktree state switched back to starts at once. */
const KEPT = 3;

/**
 * Every module the API's functions may be: the declared entries (functions/app) all live under
 * functions/, one file per function; each becomes an entry point of the build, so that the local
 * Lambda imports `<build>/functions/http/contacts.js` where it would import the `.ts` file.
 */
function functionEntries() {
  const entries = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'app') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) entries.push(path);
    }
  };
  walk(join(ROOT, 'functions'));
  return entries.sort();
}

/**
 * Modules keep finding their files (the console's dist, the repository root, packages resolved
 * with createRequire) as if they ran from their sources: `import.meta.url`, `.dirname` and
 * `.filename` are replaced by the source file's, since bundled code runs from elsewhere.
 */
const sourceLocations = {
  name: 'source-locations',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta')) return undefined;
      return {
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
        contents: source
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path)),
      };
    });
  },
};

/** What a build depends on besides its inputs: this file and the compiler. */
function toolchainKey() {
  const esbuild = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8'));
  return `${esbuild.version}:${createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')}`;
}

/** The hash of a build's inputs as they are now (files gone or added to functions/ change it). */
function inputsHash(inputs) {
  // tsconfig.json decides how JSX compiles.
  const hash = createHash('sha256')
    .update(toolchainKey())
    .update(readFileSync(join(ROOT, 'tsconfig.json')));
  for (const file of functionEntries()) hash.update(relative(ROOT, file));
  for (const input of inputs) {
    const path = join(ROOT, input);
    hash.update(input).update(existsSync(path) ? readFileSync(path) : 'missing');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The newest build whose inputs are unchanged, or undefined. Reads and hashes the inputs: ~50 ms. */
export function currentBuild() {
  if (!existsSync(BUILDS)) return undefined;
  const builds = readdirSync(BUILDS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(BUILDS, entry.name, MANIFEST)))
    .map((entry) => {
      const dir = join(BUILDS, entry.name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) };
    })
    .sort((a, b) => b.manifest.builtAt.localeCompare(a.manifest.builtAt));
  for (const build of builds) {
    if (build.manifest.hash === inputsHash(build.manifest.inputs)) return build.dir;
  }
  return undefined;
}

/**
 * Builds the local runtime (infra/local/main.ts) and every function module into
 * .funnel/build/<hash>/: ESM, split so that a module shared by the runtime and the functions (the
 * clock, the DynamoDB client) stays one instance, as under tsx; npm packages stay imports of
 * node_modules. Written to a temporary directory and renamed, so concurrent starts never see half
 * a build. About a second.
 */
export async function build() {
  const { build: esbuild } = await import('esbuild');
  mkdirSync(BUILDS, { recursive: true });
  const temporary = join(BUILDS, `.tmp-${process.pid}-${Date.now()}`);
  const entryPoints = [
    join(ROOT, 'infra', 'local', 'main.ts'),
    join(ROOT, 'infra', 'local', 'console.ts'),
    ...functionEntries(),
  ];
  const result = await esbuild({
    entryPoints,
    outbase: ROOT,
    outdir: temporary,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceLocations],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith('node_modules/'))
    .sort();
  const hash = inputsHash(inputs);
  writeFileSync(
    join(temporary, MANIFEST),
    JSON.stringify({ hash, builtAt: new Date().toISOString(), inputs }, null, 2),
  );
  const dir = join(BUILDS, hash);
  if (existsSync(dir)) rmSync(temporary, { recursive: true, force: true });
  else {
    try {
      renameSync(temporary, dir);
    } catch (error) {
      // Another start built the same sources at the same moment: theirs is as good.
      rmSync(temporary, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    }
  }
  prune(dir);
  return dir;
}

/** Keeps the newest builds only. */
function prune(keep) {
  const builds = readdirSync(BUILDS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && join(BUILDS, entry.name) !== keep)
    .map((entry) => join(BUILDS, entry.name))
    .filter((dir) => existsSync(join(dir, MANIFEST)))
    .map((dir) => ({ dir, at: JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).builtAt }))
    .sort((a, b) => b.at.localeCompare(a.at));
  for (const old of builds.slice(KEPT)) rmSync(old.dir, { recursive: true, force: true });
}

/** The build of the current sources, made now when there is none. */
export async function ensureBuilt() {
  return currentBuild() ?? (await build());
}

// `node infra/local/build.js` (npm's postinstall): build once, so the first `npm start` need not.
// The console is built too (infra/local/console.ts): the first start then has nothing to build.
// After `npm ci` a failure is only a note: npm start builds what is missing and says what fails.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const afterInstall = process.argv.includes('--after-install');
  try {
    const started = Date.now();
    const dir = await ensureBuilt();
    const { ensureConsoleBuilt } = await import(
      pathToFileURL(join(dir, 'infra', 'local', 'console.js')).href
    );
    await ensureConsoleBuilt((line) => console.log(line));
    console.log(`Local runtime and console built (${relative(ROOT, dir)}, ${Date.now() - started} ms).`);
  } catch (error) {
    console.error(`The local runtime was not built now (npm start will): ${error.message ?? error}`);
    if (!afterInstall) process.exitCode = 1;
  }
}
