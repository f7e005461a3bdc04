import type { Metafile } from 'esbuild';

const SDK_FILE = /node_modules\/(@aws-sdk\/[^/]+)\/dist-es\/(?:commands\/)?([A-Za-z_$][\w$]*)\.js$/;

/**
 * The SDK-only twin of a bundle: the @aws-sdk packages that code outside the SDK imports (the
 * product, and libraries such as Powertools), and of each the exported classes and functions whose
 * module is in the bundle; every client class is constructed once, as the product does at load.
 */
export async function sdkBaselineSource(metafile: Metafile): Promise<{ source: string; packages: string[] }> {
  const inputs = Object.entries(metafile.inputs);
  const packages = new Set<string>();
  for (const [path, input] of inputs) {
    if (path.includes('node_modules/@aws-sdk/') || path.includes('node_modules/@smithy/')) continue;
    for (const imported of input.imports) {
      const name = /^(@aws-sdk\/[^/]+)/.exec(imported.original ?? '')?.[1];
      if (name) packages.add(name);
    }
  }
  const kept = new Set(
    Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([path]) => path),
    ),
  );
  const names = new Map<string, Set<string>>();
  for (const path of kept) {
    const match = SDK_FILE.exec(path);
    if (match && packages.has(match[1]!)) {
      if (!names.has(match[1]!)) names.set(match[1]!, new Set());
      names.get(match[1]!)!.add(match[2]!);
    }
  }
  // Namespace imports: two packages may export the same name (QueryCommand), and esbuild still
  // keeps only the members used.
  const lines: string[] = [];
  const all: string[] = [];
  const clients: string[] = [];
  const sorted = [...packages].sort();
  for (const [i, pkg] of sorted.entries()) {
    const exported = await import(pkg);
    const used = [...(names.get(pkg) ?? [])].filter((name) => name in exported).sort();
    if (used.length === 0) continue;
    lines.push(`import * as sdk${i} from '${pkg}';`);
    all.push(...used.map((name) => `sdk${i}.${name}`));
    if (pkg === '@aws-sdk/lib-dynamodb' && used.includes('DynamoDBDocumentClient')) {
      lines.push("import { DynamoDBClient as LowLevelClient } from '@aws-sdk/client-dynamodb';");
      clients.push(`sdk${i}.DynamoDBDocumentClient.from(new LowLevelClient({}))`);
    }
    if (pkg.startsWith('@aws-sdk/client-'))
      clients.push(
        ...used.filter((name) => name.endsWith('Client')).map((name) => `new sdk${i}.${name}({})`),
      );
  }
  lines.push(`export const sdk = [${all.join(', ')}];`, `export const clients = [${clients.join(', ')}];`);
  return { source: `${lines.join('\n')}\n`, packages: [...packages].sort() };
}
