import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type Application, defineApplication, defineModule } from '../../functions/app/types.ts';
import { acknowledgeFindings, applyNag } from '../../infra/nag.ts';
import { FunnelStack } from '../../infra/stack.ts';
import { anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';

/** What CDK writes to validation-report.json: one report per plugin that found something. */
export interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: 'success' | 'failure';
    violations: Array<{
      ruleName: string;
      description: string;
      severity: string;
      violatingConstructs: Array<{ constructPath: string }>;
    }>;
  }>;
}

export interface Synthesized {
  app: App;
  stack: FunnelStack;
  /** The stack's template with its nested stacks merged in (see `flattened`). */
  template: Template;
  /** Resources per CloudFormation stack (the stack and each nested one), by stack path. */
  resourceCounts: Record<string, number>;
  /** cdk-nag 3 reports through CDK's validation report, not through annotations. */
  validation: ValidationReport;
}

export interface SynthesizeOptions {
  /** Another declaration than functions/app/index.ts (a fixture); never cached. */
  application?: Application;
  stackName?: string;
}

/** The validation report of the app's (cached) synthesis. */
export function validationReport(app: App): ValidationReport {
  const assembly = app.synth();
  return JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
}

/** The project's context (feature flags) from cdk.json, so tests synthesize what `cdk synth` does. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/** Synthesizes an app with its cdk-nag plugin and acknowledgements, without bundling. */
export function synthesizeApp(options: SynthesizeOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...projectContext(),
      // Template-only: no esbuild run per function.
      'aws:cdk:bundling-stacks': [],
      // Keep findings in the report for test/infra/nag.test.ts instead of throwing mid-synthesis.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  });
  const stack = new FunnelStack(app, options.stackName ?? 'FunnelCrm', { application: options.application });
  applyNag(app);
  acknowledgeFindings(stack);
  const { template, resourceCounts } = flattened(stack);
  return { app, stack, template, resourceCounts, validation: validationReport(app) };
}

type TemplateJson = { Resources: Record<string, Record<string, unknown>>; [section: string]: unknown };

/**
 * One template for the stack and its nested stacks, as if CloudFormation deployed one stack: each
 * nested stack's resources join the parent's, and each `{ Ref: <parameter> }` in them becomes what
 * the parent passes for that parameter (a `Ref` or `Fn::GetAtt` of a parent resource). Tests can
 * then follow a route to its function without knowing which stack holds which resource.
 */
function flattened(stack: FunnelStack): { template: Template; resourceCounts: Record<string, number> } {
  const root = Template.fromStack(stack).toJSON() as TemplateJson;
  const resourceCounts: Record<string, number> = { [stack.node.path]: Object.keys(root.Resources).length };
  const outputs = new Map<string, unknown>();
  for (const nested of stack.node.findAll().filter(NestedStack.isNestedStack)) {
    const json = Template.fromStack(nested).toJSON() as TemplateJson;
    resourceCounts[nested.node.path] = Object.keys(json.Resources).length;
    const holder = stack.getLogicalId(nested.nestedStackResource as CfnElement);
    const parameters = (root.Resources[holder]?.Properties as { Parameters?: Record<string, unknown> })
      ?.Parameters;
    const substitute = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(substitute);
      if (value && typeof value === 'object') {
        const ref = (value as { Ref?: string }).Ref;
        if (ref !== undefined && parameters && ref in parameters) return parameters[ref];
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
      }
      return value;
    };
    for (const [id, resource] of Object.entries(json.Resources)) {
      if (id in root.Resources)
        throw new Error(`Logical id ${id} is in both ${stack.node.path} and ${nested.node.path}.`);
      root.Resources[id] = substitute(resource) as Record<string, unknown>;
    }
    for (const [name, output] of Object.entries((json.Outputs ?? {}) as Record<string, { Value: unknown }>))
      outputs.set(`${holder}.Outputs.${name}`, substitute(output.Value));
    delete root.Resources[holder];
  }
  // What the parent reads of a nested stack (`Fn::GetAtt: [<nested>, Outputs.<name>]`, directly or
  // through another nested stack's parameter) becomes the output's own value.
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      const output = getAtt && outputs.get(`${getAtt[0]}.${getAtt[1]}`);
      if (output !== undefined) return resolve(output);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  root.Resources = resolve(root.Resources) as TemplateJson['Resources'];
  return { template: Template.fromJSON(root, { skipCyclicalDependenciesCheck: true }), resourceCounts };
}

let cached: Synthesized | undefined;
let cachedFixture: Synthesized | undefined;

/** The stack of the declared application, synthesized once per test file. */
export function synthesize(): Synthesized {
  cached ??= synthesizeApp();
  return cached;
}

/** The stack of `fixtureApplication` (below), as stack `Fixture`, synthesized once per test file. */
export function synthesizeFixture(): Synthesized {
  cachedFixture ??= synthesizeApp({ application: fixtureApplication, stackName: 'Fixture' });
  return cachedFixture;
}

/**
 * A declaration that uses everything the stack can build (queues, global and per-tenant
 * schedules, default-bus rules, buckets with notifications, every permission), so the tests cover what modules will declare
 * before any module does. Entries point at existing handlers: nothing is bundled.
 */
export const fixtureApplication: Application = defineApplication(
  [
    defineModule({
      name: 'fixture',
      functions: [
        {
          name: 'authorizer',
          entry: 'functions/http/authorizer.ts',
          description: 'a',
          permissions: ['table:tenant'],
        },
        { name: 'fallback', entry: 'functions/http/fallback.ts', description: 'f', permissions: [] },
        {
          name: 'orders-api',
          entry: 'functions/http/fallback.ts',
          description: 'o',
          permissions: ['table:tenant', 'events:put'],
        },
        {
          name: 'campaign-send',
          entry: 'functions/http/fallback.ts',
          description: 's',
          permissions: ['table:write', 'mail:send', 'secrets:read'],
          timeoutSeconds: 120,
          memoryMb: 1024,
        },
        {
          name: 'campaign-plan',
          entry: 'functions/http/fallback.ts',
          description: 'p',
          permissions: ['table:read', 'queues:send', 'schedules:manage'],
        },
        {
          name: 'mail-events',
          entry: 'functions/http/fallback.ts',
          description: 'm',
          permissions: ['table:write'],
        },
        {
          name: 'nightly',
          entry: 'functions/http/fallback.ts',
          description: 'n',
          permissions: ['table:read', 'bucket:uploads:read'],
        },
        {
          name: 'relay',
          entry: 'functions/http/fallback.ts',
          description: 'r',
          permissions: ['events:put', 'bucket:uploads:write'],
        },
        {
          name: 'to-facts',
          entry: 'functions/http/fallback.ts',
          description: 't',
          permissions: ['table:read'],
        },
        {
          name: 'analyst',
          entry: 'functions/http/fallback.ts',
          description: 'q',
          permissions: ['warehouse:query'],
        },
      ],
      routes: {
        list: route({
          operationId: 'listOrders',
          method: 'GET',
          path: '/v1/orders',
          function: 'orders-api',
          access: anyMember,
          summary: 'List orders',
          tags: [],
          response: { status: 200 },
        }),
        submit: route({
          operationId: 'submitForm',
          method: 'POST',
          path: '/v1/forms/{id}',
          function: 'orders-api',
          access: 'public',
          summary: 'Submit a form',
          tags: [],
          response: { status: 201 },
        }),
      },
      rateLimits: [
        {
          name: 'forms-per-key',
          description: 'Two operations counted together, per credential.',
          operations: ['listOrders', 'submitForm'],
          per: 'credential',
          limit: 50,
          windowSeconds: 60,
        },
      ],
      rules: [
        {
          name: 'ses-events',
          description: 'SES events from the default bus.',
          bus: 'default',
          pattern: { source: ['aws.ses'], detail: { eventType: ['Bounce', 'Complaint'] } },
          target: 'mail-events',
        },
        {
          name: 'campaign-scheduled',
          description: 'A scheduled campaign.',
          bus: 'domain',
          pattern: { source: ['funnel.mail'], 'detail-type': [{ prefix: 'Campaign' }] },
          target: 'campaign-plan',
        },
        {
          name: 'all-to-facts',
          description: 'Every domain event to the delivery stream.',
          bus: 'domain',
          pattern: { source: [{ prefix: 'funnel.' }] },
          target: 'facts',
          targetKind: 'delivery-stream',
        },
      ],
      schedules: [
        {
          name: 'nightly-sweep',
          description: 'Global sweep.',
          target: 'nightly',
          kind: 'global',
          expression: 'cron(0 3 * * ? *)',
          timezone: 'Europe/Berlin',
        },
        {
          name: 'hourly',
          description: 'Global, UTC.',
          target: 'nightly',
          kind: 'global',
          expression: 'rate(1 hour)',
        },
        {
          name: 'dunning',
          description: 'Per tenant.',
          target: 'campaign-plan',
          kind: 'per-tenant',
          expression: 'cron(0 7 * * ? *)',
        },
        { name: 'reminder', description: 'One-time.', target: 'campaign-send', kind: 'one-time' },
      ],
      queues: [
        {
          name: 'campaign-sends',
          description: 'One message per recipient batch.',
          consumer: 'campaign-send',
          batchSize: 10,
          visibilityTimeoutSeconds: 720,
          maxReceiveCount: 5,
          maxConcurrency: 5,
        },
      ],
      streams: [
        {
          name: 'relay',
          description: 'Relay',
          target: 'relay',
          filters: [
            { eventName: ['INSERT'] },
            { eventName: ['MODIFY'], dynamodb: { NewImage: { entity: { S: ['X'] } } } },
          ],
          batchSize: 50,
          retryAttempts: 3,
        },
      ],
      tables: [
        {
          name: 'events',
          description: 'Events.',
          bucket: 'uploads',
          prefix: 'events/',
          columns: [
            { name: 'event_id', type: 'string' },
            { name: 'occurred_at', type: 'timestamp' },
            { name: 'amount', type: 'bigint' },
          ],
          partitions: [
            { name: 'tenant', kind: 'injected' },
            { name: 'dt', kind: 'date' },
          ],
        },
      ],
      deliveryStreams: [
        {
          name: 'facts',
          description: 'Events to Parquet.',
          table: 'events',
          prefix: 'events/tenant=!{partitionKeyFromLambda:tenant}/dt=!{partitionKeyFromLambda:dt}/',
          errorPrefix: 'errors/!{firehose:error-output-type}/',
          transform: 'to-facts',
          buffering: { sizeMb: 64, intervalSeconds: 300 },
        },
      ],
      buckets: [
        {
          name: 'uploads',
          description: 'Files people upload.',
          lifecycle: [{ prefix: 'incoming/', infrequentAccessAfterDays: 30, expireAfterDays: 365 }],
          notifications: [
            {
              name: 'arrivals',
              events: ['created'],
              prefix: 'incoming/',
              suffix: '.eml',
              target: 'mail-events',
            },
          ],
        },
      ],
    }),
  ],
  { authorizer: { function: 'authorizer', cacheTtlSeconds: 30 }, fallback: 'fallback' },
);
