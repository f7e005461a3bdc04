import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { application } from '../../../functions/app/index.ts';

/**
 * Lambda bundles stay lean: zod is imported as `zod/mini` (never re-exported, which would defeat
 * tree shaking), and no function carries another module's heavy code by accident. The benchmark
 * harness measures the bundles precisely; this catches the regressions that are easy to make.
 */
const ZOD_BUDGET = 64 * 1024;

describe('function bundles', () => {
  it.each(application.functions.map((f) => [f.name, f.entry] as const))(
    '%s carries only the zod it uses',
    async (_, entry) => {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        external: ['@aws-sdk/*', '@smithy/*'],
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const output = Object.values(result.metafile.outputs)[0]!;
      const zod = Object.entries(output.inputs)
        .filter(([path]) => path.includes('node_modules/zod/'))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
      expect(zod).toBeLessThan(ZOD_BUDGET);
      expect(Object.keys(output.inputs).some((path) => path.includes('zod/v4/locales/he'))).toBe(false);
    },
  );
});

/** Source files of the code that functions bundle. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('module-level schemas', () => {
  // Built when a function loads, every schema it declares would weigh on each cold start, while
  // an invocation parses with a few (shared/platform/schema.ts, shared/platform/lazy.ts).
  const eager = /^(?:export )?const \w+(?:: [^=]+)? = (?:z\.(?!registry\b)|named\(\s*'[^']*',\s*z\.)/m;
  it.each(['shared', 'functions', 'events'])('in %s are built on first use', (dir) => {
    const offenders = sources(dir).filter((file) => eager.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
