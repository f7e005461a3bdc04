import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { Application } from '../../functions/app/types.ts';
import type { LocalRuntime, ServedApplication } from '../../infra/local/runtime.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { fixtureApplication, type Synthesized, synthesize, synthesizeFixture } from '../support/template.ts';

/**
 * The synthesized template and the local runtime must serve the same application: the same
 * routes (to the same functions, with or without the authorizer), the same rules (bus, pattern,
 * target), the same global schedules, queue consumers and stream consumers with their filters,
 * the same buckets and bucket notifications.
 * Both read functions/app; this test catches either of them reading it differently.
 * It runs for the declared application and for a fixture that uses every kind of trigger.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

interface Comparable {
  routes: string[];
  rules: string[];
  schedules: string[];
  queues: string[];
  streams: string[];
  rateLimits: string[];
  buckets: string[];
  notifications: string[];
  deliveryStreams: string[];
  tables: string[];
}

const S3_EVENTS = { created: 's3:ObjectCreated:*', removed: 's3:ObjectRemoved:*' } as const;

const line = (...parts: unknown[]) =>
  parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' | ');

function fromTemplate({ template, stack }: Synthesized): Comparable {
  const resources = template.toJSON().Resources as Resources;
  const prefix = `${stack.stackName}-`;
  const logicalOf = (value: any): string | undefined => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
  const functionOf = (value: any): string => {
    const name = resources[logicalOf(value)!]?.Properties.FunctionName as string;
    return name.startsWith(prefix) ? name.slice(prefix.length) : name;
  };
  const of = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  const routes = of('AWS::ApiGatewayV2::Route').map((r) => {
    const integration = resources[r.Properties.Target['Fn::Join'][1][1].Ref]!;
    return line(
      r.Properties.RouteKey,
      functionOf(integration.Properties.IntegrationUri),
      r.Properties.AuthorizationType === 'CUSTOM',
    );
  });
  const targetOf = (arn: any): string => {
    const resource = resources[logicalOf(arn)!];
    if (resource?.Type === 'AWS::SQS::Queue')
      return `queue ${(resource.Properties.QueueName as string).slice(prefix.length)}`;
    if (resource?.Type !== 'AWS::KinesisFirehose::DeliveryStream') return functionOf(arn);
    return (resource.Properties.DeliveryStreamName as string).slice(prefix.length);
  };
  const rules = of('AWS::Events::Rule').map((r) =>
    line(
      !r.Properties.EventBusName || r.Properties.EventBusName === 'default' ? 'default' : 'domain',
      r.Properties.EventPattern,
      targetOf(r.Properties.Targets[0].Arn),
    ),
  );
  const schedules = of('AWS::Scheduler::Schedule').map((s) =>
    line(
      s.Properties.ScheduleExpression,
      s.Properties.ScheduleExpressionTimezone ?? 'UTC',
      functionOf(s.Properties.Target.Arn),
    ),
  );
  const mappings = of('AWS::Lambda::EventSourceMapping');
  const queues = mappings
    .filter((m) => resources[logicalOf(m.Properties.EventSourceArn)!]?.Type === 'AWS::SQS::Queue')
    .map((m) => {
      const queue = resources[logicalOf(m.Properties.EventSourceArn)!]!.Properties.QueueName as string;
      return line(queue.slice(prefix.length), functionOf(m.Properties.FunctionName), m.Properties.BatchSize);
    });
  const streams = mappings
    .filter((m) => m.Properties.EventSourceArn?.['Fn::GetAtt']?.[1] === 'StreamArn')
    .map((m) =>
      line(
        functionOf(m.Properties.FunctionName),
        (m.Properties.FilterCriteria?.Filters ?? []).map((f: { Pattern: string }) => JSON.parse(f.Pattern)),
        m.Properties.BatchSize,
      ),
    );
  const bucketNames = new Map(
    [...stack.storage.buckets].map(([name, bucket]) => [
      stack.getLogicalId(bucket.node.defaultChild as CfnElement),
      name,
    ]),
  );
  const buckets = [...bucketNames.values()];
  const notifications = of('Custom::S3BucketNotifications').flatMap((n) =>
    (n.Properties.NotificationConfiguration.LambdaFunctionConfigurations ?? []).map((c: any) => {
      const rules: Array<{ Name: string; Value: string }> = c.Filter?.Key?.FilterRules ?? [];
      const filter = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
      return line(
        bucketNames.get(n.Properties.BucketName.Ref),
        c.Events,
        filter('prefix'),
        filter('suffix'),
        functionOf(c.LambdaFunctionArn),
      );
    }),
  );
  const deliveryStreams = of('AWS::KinesisFirehose::DeliveryStream').map((d) => {
    const s3 = d.Properties.ExtendedS3DestinationConfiguration;
    const lambdaArn = s3.ProcessingConfiguration.Processors[0].Parameters.find(
      (p: any) => p.ParameterName === 'LambdaArn',
    ).ParameterValue;
    return line(
      (d.Properties.DeliveryStreamName as string).slice(prefix.length),
      s3.DataFormatConversionConfiguration.SchemaConfiguration.TableName,
      s3.Prefix,
      s3.ErrorOutputPrefix,
      functionOf(lambdaArn),
      [s3.BufferingHints.SizeInMBs, s3.BufferingHints.IntervalInSeconds],
    );
  });
  const tables = of('AWS::Glue::Table').map((t) =>
    line(
      t.Properties.TableInput.Name,
      t.Properties.TableInput.StorageDescriptor.Columns.map((c: any) => `${c.Name}:${c.Type}`),
      t.Properties.TableInput.PartitionKeys.map((p: any) => p.Name),
      Object.entries(t.Properties.TableInput.Parameters)
        .filter(([k]) => /^projection\.[^.]+\.type$/.test(k))
        .map(([k, v]) => `${k.split('.')[1]}:${v}`)
        .sort(),
    ),
  );

  const per: Record<string, string> = { IP: 'client', CONSTANT: 'all', CUSTOM_KEYS: 'credential' };
  const rateLimits = of('AWS::WAFv2::WebACL').flatMap((acl) =>
    (acl.Properties.Rules as any[]).map((rule) => {
      const statement = rule.Statement.RateBasedStatement;
      const scope = statement.ScopeDownStatement;
      const matches = (scope.OrStatement?.Statements ?? [scope]).map((s: any) => {
        // A limit over the whole API matches the path alone, any method.
        if (s.RegexMatchStatement) return `ANY ${s.RegexMatchStatement.RegexString}`;
        const [method, path] = s.AndStatement.Statements;
        return `${method.ByteMatchStatement.SearchString} ${path.RegexMatchStatement.RegexString}`;
      });
      return line(
        rule.Name,
        statement.Limit,
        statement.EvaluationWindowSec,
        per[statement.AggregateKeyType],
        matches.sort(),
      );
    }),
  );
  return {
    routes,
    rules,
    schedules,
    queues,
    streams,
    rateLimits,
    buckets,
    notifications,
    deliveryStreams,
    tables,
  };
}

/** `POST /v1/forms/{id}` as the WAF matches it: the method and a regular expression of the path. */
const asMatched = (routeKey: string) => {
  const [method, path] = routeKey.split(' ') as [string, string];
  const pattern = path
    .split('/')
    .map((s) =>
      s.startsWith('{') ? (s.endsWith('+}') ? '.+' : '[^/]+') : s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'),
    )
    .join('/');
  return `${method} ^${pattern}$`;
};

function fromRuntime(served: ServedApplication): Comparable {
  return {
    routes: served.routes.map((r) => line(r.routeKey, r.function, r.authorized)),
    rules: served.rules.map((r) =>
      line(r.bus, r.pattern, r.targetKind === 'queue' ? `queue ${r.target}` : r.target),
    ),
    schedules: served.schedules.map((s) => line(s.expression, s.timezone, s.target)),
    queues: served.queues.map((q) => line(q.name, q.consumer, q.batchSize)),
    streams: served.streams.map((s) => line(s.target, s.filters, s.batchSize)),
    rateLimits: served.rateLimits.map((l) =>
      line(l.name, l.limit, l.windowSeconds, l.per, l.routeKeys.map(asMatched).sort()),
    ),
    buckets: served.buckets.map((b) => b.name),
    deliveryStreams: served.deliveryStreams.map((d) =>
      line(d.name, d.table, d.prefix, d.errorPrefix, d.transform, [
        d.buffering.sizeMb,
        d.buffering.intervalSeconds,
      ]),
    ),
    tables: served.tables.map((t) =>
      line(
        t.name,
        t.columns.map((c) => `${c.name}:${c.type}`),
        t.partitions.map((p) => p.name),
        t.partitions.map((p) => `${p.name}:${p.kind === 'injected' ? 'injected' : 'date'}`).sort(),
      ),
    ),
    notifications: served.buckets.flatMap((b) =>
      (b.notifications ?? []).flatMap((n) =>
        n.events.map((event) => line(b.name, [S3_EVENTS[event]], n.prefix ?? '', n.suffix ?? '', n.target)),
      ),
    ),
  };
}

const sorted = (c: Comparable): Comparable =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, [...v].sort()])) as unknown as Comparable;

describe.each([
  ['the declared application', application, synthesize],
  ['a fixture using every kind of trigger', fixtureApplication, synthesizeFixture],
] as const)('AWS and the local runtime serve %s alike', (_, app: Application, synth: () => Synthesized) => {
  let runtime: LocalRuntime;
  let synthesized: Synthesized;
  beforeAll(async () => {
    // Synthesis is the slow part (seconds); hooks have a longer timeout than tests.
    synthesized = synth();
    runtime = await startTestRuntime({ application: app });
  }, 300_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  // Synthesizing the whole application (40 functions, 230 routes) takes over 30 s on a busy machine.
  it('with the same routes, rules, schedules, queues and stream consumers', () => {
    const aws = sorted(fromTemplate(synthesized));
    const local = sorted(fromRuntime(runtime.describe()));
    expect(local).toEqual(aws);
    expect(aws.routes.length).toBe(app.routes.length + 1);
    expect(aws.rateLimits.length).toBe(app.rateLimits.length);
  }, 120_000);
});
