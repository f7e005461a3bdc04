import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { Application } from '../../functions/app/types.ts';
import type { LocalRuntime, ServedApplication } from '../../infra/local/runtime.ts';
import { startTestRuntime } from '../support/runtime.ts';
import { fixtureApplication, type Synthesized, synthesize, synthesizeFixture } from '../support/template.ts';

/**
 * The synthesized template and the local runtime must serve the same application: the same
 * routes (to the same functions, with or without the authorizer), the same rules (bus, pattern,
 * target), the same global schedules, queue consumers and stream consumers with their filters.
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
}

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
  const rules = of('AWS::Events::Rule').map((r) =>
    line(
      !r.Properties.EventBusName || r.Properties.EventBusName === 'default' ? 'default' : 'domain',
      r.Properties.EventPattern,
      functionOf(r.Properties.Targets[0].Arn),
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
  return { routes, rules, schedules, queues, streams };
}

function fromRuntime(served: ServedApplication): Comparable {
  return {
    routes: served.routes.map((r) => line(r.routeKey, r.function, r.authorized)),
    rules: served.rules.map((r) => line(r.bus, r.pattern, r.target)),
    schedules: served.schedules.map((s) => line(s.expression, s.timezone, s.target)),
    queues: served.queues.map((q) => line(q.name, q.consumer, q.batchSize)),
    streams: served.streams.map((s) => line(s.target, s.filters, s.batchSize)),
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
  }, 240_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  // Synthesizing the whole application (40 functions, 230 routes) takes over 30 s on a busy machine.
  it('with the same routes, rules, schedules, queues and stream consumers', () => {
    const aws = sorted(fromTemplate(synthesized));
    const local = sorted(fromRuntime(runtime.describe()));
    expect(local).toEqual(aws);
    expect(aws.routes.length).toBe(app.routes.length + 1);
  }, 120_000);
});
