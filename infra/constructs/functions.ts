import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../../functions/app/types.ts';

/** The newest Node.js runtime of this aws-cdk-lib (cdk-nag's AwsSolutions-L1 wants the latest). */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Bundled ESM cannot `require`; CommonJS dependencies inside the bundle still do. */
const REQUIRE_BANNER =
  "import { createRequire as __funnelCreateRequire } from 'node:module'; const require = __funnelCreateRequire(import.meta.url);";

/**
 * How every function is bundled (local esbuild, target from RUNTIME). The benchmark harness builds
 * the same bundles from these options to measure their size and import time.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  // Stack traces need the map's mappings, not the sources inlined in it: Node reads and parses
  // every loaded module's map at import under --enable-source-maps, so the sources were parsed at
  // every cold start for nothing.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: REQUIRE_BANNER,
  // Ship the SDK version the tests ran against instead of the runtime's.
  bundleAwsSDK: true,
} as const satisfies BundlingOptions;

/**
 * Code splitting: what a function imports lazily (`await import(...)`: the phone library, the
 * calendar, CSV, ICU messages, idempotency...) goes into chunks loaded on the paths that import
 * them, and the entry holds only what every invocation loads. NodejsFunction writes one file
 * (`--outfile`), which would inline every lazy import into the module parsed at cold start, so
 * after its build the same entry is built again, split, into the same directory. The benchmark
 * harness builds with the same options.
 */
export const SPLITTING = {
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: '.mjs',
} as const;

/** The esbuild command that rebuilds `entry` split into `outputDir` (NodejsFunction's hook). */
export function splitBundleCommands(
  inputDir: string,
  outputDir: string,
  entry: string,
  nodeModules: readonly string[],
): string[] {
  const version = /nodejs(\d+)/.exec(RUNTIME.name)?.[1];
  const args = [
    `"${join(inputDir, entry)}"`,
    '--bundle',
    '--splitting',
    `--format=${BUNDLING.format}`,
    '--platform=node',
    `--target=node${version}`,
    ...(BUNDLING.minify ? ['--minify'] : []),
    ...(BUNDLING.sourceMap ? ['--sourcemap'] : []),
    ...(BUNDLING.sourcesContent ? [] : ['--sources-content=false']),
    `--main-fields=${BUNDLING.mainFields.join(',')}`,
    `"--banner:js=${BUNDLING.banner}"`,
    `--outdir="${outputDir}"`,
    `--entry-names=${SPLITTING.entryNames}`,
    `"--chunk-names=${SPLITTING.chunkNames}"`,
    `--out-extension:.js=${SPLITTING.outExtension}`,
    '--log-level=warning',
    ...nodeModules.flatMap((m) => [`--external:${m}`, `"--external:${m}/*"`]),
  ];
  return [
    `rm -f "${outputDir}/index.mjs" "${outputDir}/index.mjs.map"`,
    `"${join(inputDir, 'node_modules', '.bin', 'esbuild')}" ${args.join(' ')}`,
  ];
}

/** Swagger UI files the `api-docs` function serves, copied next to its bundle (no CDN, no npm at synth). */
export const DOCS_ASSETS = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
];
export const DOCS_ASSET_DIR = '/var/task/docs-assets';

export interface DeployProps {
  /** Physical name: `<stack name>-<declared name>`, so ARNs follow FUNCTION_ARN_PREFIX. */
  functionName: string;
  environment: Record<string, string>;
  /** Request handlers and the authorizer answer people waiting: a short default timeout. */
  interactive: boolean;
  repositoryRoot: string;
}

/**
 * One declared function: its role, its log group and, once the environment is known, the Lambda
 * function bundled by local esbuild. The role comes first because the tenant access role trusts
 * it and every function's environment names the tenant access role.
 */
export class AppFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private deployed?: NodejsFunction;

  /** `logScope`: where its log group lives (a nested stack of log groups, infra/stack.ts). */
  constructor(scope: Construct, id: string, spec: FunctionSpec, logScope: Construct = scope) {
    super(scope, id);
    this.spec = spec;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Role of the ${spec.name} function; its grants follow the declared permissions.`,
    });
    this.logGroup = new logs.LogGroup(logScope === scope ? this : logScope, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    // Instead of AWSLambdaBasicExecutionRole, a managed policy that reaches every log group.
    this.logGroup.grantWrite(this.role);
  }

  get function(): NodejsFunction {
    if (!this.deployed) throw new Error(`Function ${this.spec.name} is used before it is deployed.`);
    return this.deployed;
  }

  deploy(props: DeployProps): NodejsFunction {
    const { spec } = this;
    const { repositoryRoot } = props;
    if (props.functionName.length > 64) {
      throw new Error(`Lambda function name ${props.functionName} is longer than 64 characters.`);
    }
    const docs = spec.name === 'api-docs';
    this.deployed = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: spec.description,
      entry: join(repositoryRoot, spec.entry),
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 512,
      timeout: Duration.seconds(spec.timeoutSeconds ?? (props.interactive ? 10 : 60)),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(docs ? { DOCS_ASSET_DIR } : {}),
      },
      bundling: {
        ...BUNDLING,
        mainFields: [...BUNDLING.mainFields],
        ...(spec.nodeModules?.length ? { nodeModules: spec.nodeModules } : {}),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...splitBundleCommands(inputDir, outputDir, spec.entry, spec.nodeModules ?? []),
            ...(docs ? docsAssetCommands(inputDir, outputDir) : []),
          ],
        },
      },
    });
    return this.deployed;
  }
}

function docsAssetCommands(inputDir: string, outputDir: string): string[] {
  const source = join(inputDir, 'node_modules', 'swagger-ui-dist');
  const target = join(outputDir, 'docs-assets');
  return [`mkdir -p "${target}"`, ...DOCS_ASSETS.map((file) => `cp "${join(source, file)}" "${target}/"`)];
}
