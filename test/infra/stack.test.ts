import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { Application } from '../../functions/app/types.ts';
import { READ_ACTIONS, TENANT_LEADING_KEYS, WRITE_ACTIONS } from '../../infra/constructs/data.ts';
import { DOCS_ASSET_DIR, RUNTIME } from '../../infra/constructs/functions.ts';
import { functionEnvironment } from '../../infra/environment.ts';
import type { FunnelStack } from '../../infra/stack.ts';
import { asTenantId, tenantKey } from '../../shared/platform/db/keys.ts';
import { table as definition } from '../../shared/platform/db/table.ts';
import { newId } from '../../shared/platform/ids.ts';
import { fixtureApplication, type Synthesized, synthesize, synthesizeFixture } from '../support/template.ts';

type Json = any;

/** Reads the synthesized template the way an auditor would: by resource and by statement. */
function inspect({ stack, template }: Synthesized) {
  const resources = (type: string): Array<[string, Json]> => Object.entries(template.findResources(type));
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const functionId = (name: string) => logicalId(stack.functions.get(name)!.function);
  const roleId = (name: string) => logicalId(stack.functions.get(name)!.role);
  const asArray = <T>(value: T | T[] | undefined): T[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];

  /** Every Allow statement that applies to a role: inline policies and attached AWS::IAM::Policy. */
  const statementsOf = (role: string): Json[] => {
    const inline = (template.toJSON().Resources[role]?.Properties?.Policies ?? []).flatMap(
      (p: Json) => p.PolicyDocument.Statement,
    );
    const attached = resources('AWS::IAM::Policy')
      .filter(([, p]) => asArray(p.Properties.Roles).some((r: Json) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    return [...inline, ...attached].filter((s: Json) => s.Effect === 'Allow');
  };
  const actionsOf = (role: string) => statementsOf(role).flatMap((s) => asArray<string>(s.Action));
  const statementWith = (role: string, action: string) =>
    statementsOf(role).find((s) => asArray(s.Action).includes(action));

  return { resources, logicalId, functionId, roleId, asArray, statementsOf, actionsOf, statementWith };
}

const declared = synthesize();
const app: Application = declared.stack.application;

describe('the table', () => {
  const { template, stack } = declared;

  it('has the keys, indexes, TTL and stream of shared/platform/db/table.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: definition.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      AttributeDefinitions: Match.arrayWith(
        [definition.partitionKey, ...definition.indexes.map((i) => i.partitionKey)].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
      ),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: definition.streamView },
    });
  });

  it('survives mistakes: point-in-time recovery, deletion protection, retained on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
    expect(stack.data.itemResources).toHaveLength(definition.indexes.length + 1);
  });
});

describe('functions', () => {
  const { template, stack } = declared;
  const { resources, functionId, logicalId } = inspect(declared);
  // CDK's own deploy-time handlers (bucket notification configurations, the copy of the console
  // build to S3) are not application functions.
  const cdkNotificationsHandler = (id: string) => id.startsWith('BucketNotificationsHandler');
  const cdkHandler = (id: string) =>
    cdkNotificationsHandler(id) || id.startsWith('CustomCDKBucketDeployment');
  const functions = () => resources('AWS::Lambda::Function').filter(([id]) => !cdkHandler(id));

  it('deploys every declared function, and nothing else, as <stack name>-<declared name>', () => {
    expect(
      functions()
        .map(([, f]) => f.Properties.FunctionName)
        .sort(),
    ).toEqual(app.functions.map((f) => `FunnelCrm-${f.name}`).sort());
    expect(resources('AWS::Lambda::Function').filter(([id]) => cdkNotificationsHandler(id))).toHaveLength(1);
  });

  it('runs every function on arm64 with the newest Node.js runtime of aws-cdk-lib', () => {
    const newest = Runtime.ALL.filter(
      (r) => r.family === RuntimeFamily.NODEJS && /^nodejs\d+\.x$/.test(r.name),
    )
      .map((r) => r.name)
      .sort((a, b) => Number.parseInt(a.slice(6), 10) - Number.parseInt(b.slice(6), 10))
      .at(-1);
    expect(RUNTIME.name).toBe(newest);
    for (const [, fn] of functions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: newest,
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    }
  });

  it('sizes functions from the declaration, with short defaults for those answering HTTP', () => {
    const interactive = new Set([
      ...app.routes.map((r) => r.function),
      app.authorizer.function,
      app.fallback,
    ]);
    for (const spec of app.functions) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `FunnelCrm-${spec.name}`,
        MemorySize: spec.memoryMb ?? 512,
        Timeout: spec.timeoutSeconds ?? (interactive.has(spec.name) ? 10 : 60),
      });
    }
  });

  it('gives every function the environment of infra/environment.ts, plus source maps and log level', () => {
    const contract = Object.keys(
      functionEnvironment({
        tableName: 't',
        eventBusName: 'b',
        scheduleGroup: 'g',
        schedulerRoleArn: 'r',
        functionArnPrefix: 'f',
        scheduleDlqArn: 'd',
        queueUrlPrefix: 'q',
        sesConfigurationSet: 's',
        sesIdentityArnPrefix: 'i',
        serviceSenderEmail: 'e',
        linkSecretArn: 'l',
        webhookSecretArn: 'w',
        tenantAccessRoleArn: 'a',
        publicBaseUrl: 'u',
        inboundMailDomain: 'm',
        buckets: Object.fromEntries(app.buckets.map((b) => [b.name, b.name])),
        warehouse: { database: 'd', workgroup: 'w', dialect: 'athena' },
        userPool: { id: 'p', clientId: 'c', issuer: 'i' },
      }),
    );
    for (const [id, fn] of functions()) {
      const variables = fn.Properties.Environment.Variables;
      const extra = id === functionId('api-docs') ? ['DOCS_ASSET_DIR'] : [];
      expect(Object.keys(variables).sort()).toEqual(
        [...contract, 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', ...extra].sort(),
      );
      expect(variables).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_LOG_LEVEL: 'INFO' });
      expect(JSON.stringify(variables.FUNCTION_ARN_PREFIX)).toContain(':function:FunnelCrm-');
      expect(JSON.stringify(variables.QUEUE_URL_PREFIX)).toContain('/FunnelCrm-');
      // Links in mail lead through the edge (CloudFront and its WAF), not to the bare API.
      expect(variables.PUBLIC_BASE_URL).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }]],
      });
      expect(variables.TENANT_ACCESS_ROLE_ARN).toEqual({
        'Fn::GetAtt': [logicalId(stack.tenantAccess!.role), 'Arn'],
      });
    }
    expect(
      functions().find(([id]) => id === functionId('api-docs'))![1].Properties.Environment.Variables,
    ).toMatchObject({ DOCS_ASSET_DIR });
  });

  it('logs every function to a log group of its own, kept for a month', () => {
    const groups = new Set<string>();
    for (const [, fn] of functions()) {
      const group = fn.Properties.LoggingConfig.LogGroup.Ref;
      groups.add(group);
      expect(template.toJSON().Resources[group].Properties.RetentionInDays).toBe(30);
    }
    expect(groups.size).toBe(app.functions.length);
  });

  it('attaches no managed policy to any role but that of CDK’s bucket notifications handler', () => {
    for (const [id, role] of resources('AWS::IAM::Role'))
      if (!cdkHandler(id)) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
  });
});

describe('the HTTP API', () => {
  const { template } = declared;
  const { resources, functionId } = inspect(declared);
  const routes = () =>
    new Map(resources('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties]));
  /** The function a route's integration invokes, by logical id. */
  const functionOfRoute = (route: Json): string => {
    const integration = route.Target['Fn::Join'][1][1].Ref;
    return template.toJSON().Resources[integration].Properties.IntegrationUri['Fn::GetAtt'][0];
  };

  it("keeps its routes, the alarms and the log groups in nested stacks, so every stack stays within CloudFormation's 500 resources", () => {
    const counts = Object.entries(declared.resourceCounts);
    expect(counts.map(([path]) => path).sort()).toEqual([
      'FunnelCrm',
      'FunnelCrm/Http/Routes',
      'FunnelCrm/Logs',
      'FunnelCrm/Monitoring',
    ]);
    for (const [path, count] of counts) expect(count, path).toBeLessThan(500);
  });

  it('has exactly the declared routes and $default', () => {
    expect([...routes().keys()].sort()).toEqual(
      [...app.routes.map((r) => `${r.method} ${r.path}`), '$default'].sort(),
    );
  });

  it('sends every route to its declared function, through the authorizer unless it is public', () => {
    const [authorizer] = resources('AWS::ApiGatewayV2::Authorizer');
    for (const spec of app.routes) {
      const route = routes().get(`${spec.method} ${spec.path}`)!;
      expect(functionOfRoute(route), `${spec.method} ${spec.path}`).toBe(functionId(spec.function));
      if (spec.access === 'public') {
        expect(route.AuthorizationType).toBe('NONE');
        expect(route.AuthorizerId).toBeUndefined();
      } else {
        expect(route.AuthorizationType).toBe('CUSTOM');
        expect(route.AuthorizerId).toEqual({ Ref: authorizer![0] });
      }
    }
  });

  it('answers unmatched requests with the fallback function, without the authorizer', () => {
    const route = routes().get('$default')!;
    expect(functionOfRoute(route)).toBe(functionId(app.fallback));
    expect(route.AuthorizationType).toBe('NONE');
  });

  it('uses payload format 2.0 and one integration per function', () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    expect(integrations.map(([, i]) => i.Properties.PayloadFormatVersion)).toEqual(
      integrations.map(() => '2.0'),
    );
    expect(integrations).toHaveLength(new Set([...app.routes.map((r) => r.function), app.fallback]).size);
  });

  it('authorizes with the declared function: simple responses, Authorization header, declared cache TTL', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: app.authorizer.cacheTtlSeconds,
      AuthorizerUri: {
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId(app.authorizer.function), 'Arn'] }])],
      },
    });
  });

  it('logs every request as JSON and throttles by default', () => {
    const [[, stage]] = resources('AWS::ApiGatewayV2::Stage') as [[string, Json]];
    expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
    expect(Object.keys(JSON.parse(stage.Properties.AccessLogSettings.Format))).toEqual(
      expect.arrayContaining(['requestId', 'routeKey', 'status', 'integrationError', 'authorizerError']),
    );
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
  });
});

describe('access to the table', () => {
  const { resources, roleId, logicalId, statementsOf, actionsOf, asArray } = inspect(declared);
  const { stack } = declared;

  it('never allows Scan, nor any DynamoDB or global wildcard action', () => {
    const statements = [
      ...resources('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
      ...resources('AWS::IAM::Role').flatMap(([, r]) =>
        (r.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
      ),
    ];
    const actions = statements.flatMap((s) => asArray<string>(s.Action));
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((a) => a === '*' || a.startsWith('dynamodb:*'))).toEqual([]);
  });

  it('lets request handlers (table:tenant only) reach the table solely through the tenant access role', () => {
    const handlers = app.functions.filter(
      (f) =>
        f.permissions.includes('table:tenant') &&
        !f.permissions.some((p) => p === 'table:read' || p === 'table:write'),
    );
    expect(handlers.length).toBeGreaterThan(0);
    for (const fn of handlers) {
      expect(
        actionsOf(roleId(fn.name)).filter((a) => a.startsWith('dynamodb:')),
        fn.name,
      ).toEqual([]);
      expect(statementsOf(roleId(fn.name))).toContainEqual(
        expect.objectContaining({
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: { 'Fn::GetAtt': [logicalId(stack.tenantAccess!.role), 'Arn'] },
        }),
      );
    }
  });

  it('fences the tenant access role with dynamodb:LeadingKeys on the table and every index', () => {
    const role = logicalId(stack.tenantAccess!.role);
    const [statement, ...others] = statementsOf(role);
    expect(others).toEqual([]);
    expect([...statement.Action].sort()).toEqual([...WRITE_ACTIONS].sort());
    expect(statement.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TENANT_LEADING_KEYS] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });
    expect(JSON.stringify(statement.Resource)).not.toContain('*');
    expect(statement.Resource).toHaveLength(definition.indexes.length + 1);
  });

  it('admits exactly the keys the key builders make for the tagged tenant', () => {
    const [tenant, other] = [asTenantId(newId()), asTenantId(newId())];
    const admitted = new RegExp(
      `^${TENANT_LEADING_KEYS.replace(/\$\{aws:PrincipalTag\/TenantId\}/, tenant).replace('*', '.*')}$`,
    );
    expect(tenantKey(tenant, 'MEMBER', newId())).toMatch(admitted);
    expect(tenantKey(other, 'MEMBER', newId())).not.toMatch(admitted);
  });

  it('is assumable only by the roles of table:tenant functions, with a TenantId session tag', () => {
    const role = declared.template.toJSON().Resources[logicalId(stack.tenantAccess!.role)];
    const [trust, ...others] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(trust.Principal.AWS.map((p: Json) => p['Fn::GetAtt'][0]).sort()).toEqual(
      app.functions
        .filter((f) => f.permissions.includes('table:tenant'))
        .map((f) => roleId(f.name))
        .sort(),
    );
    expect(trust.Condition).toEqual({
      StringLike: { 'aws:RequestTag/TenantId': '?*' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['TenantId'] },
    });
  });

  it('grants table:read the reader actions on the table and its indexes', () => {
    // A function that also writes gets the writer's actions in the same statement.
    const readers = app.functions.filter(
      (f) => f.permissions.includes('table:read') && !f.permissions.includes('table:write'),
    );
    expect(readers.length).toBeGreaterThan(0);
    for (const fn of readers) {
      const dynamo = statementsOf(roleId(fn.name)).filter((s) =>
        asArray<string>(s.Action).some((a) => a.startsWith('dynamodb:Get')),
      );
      expect(dynamo).toHaveLength(1);
      expect([...dynamo[0].Action].sort()).toEqual([...READ_ACTIONS].sort());
      expect(dynamo[0].Resource).toHaveLength(definition.indexes.length + 1);
    }
  });
});

describe('events', () => {
  const { template, stack } = declared;
  const { resources, functionId, logicalId } = inspect(declared);

  it('has the domain bus the functions publish to', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'FunnelCrm-domain' });
  });

  it('routes every declared rule to its function with retries and a dead-letter queue', () => {
    const rules = resources('AWS::Events::Rule');
    expect(rules).toHaveLength(app.rules.length);
    for (const spec of app.rules.filter((r) => r.targetKind !== 'delivery-stream')) {
      const [, rule] = rules.find(([, r]) => r.Properties.Description === spec.description)!;
      expect(rule.Properties.EventPattern, spec.name).toEqual(spec.pattern);
      expect(rule.Properties.EventBusName).toEqual(
        spec.bus === 'domain' ? { Ref: logicalId(stack.events.domainBus) } : 'default',
      );
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn:
            spec.targetKind === 'queue'
              ? { 'Fn::GetAtt': [logicalId(stack.workQueues.get(spec.target)!.queue), 'Arn'] }
              : { 'Fn::GetAtt': [functionId(spec.target), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.events.deadLetters), 'Arn'] } },
          RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
        }),
      ]);
    }
  });

  it('keeps failed asynchronous invocations of rule targets in the same dead-letter queue', () => {
    for (const target of new Set(
      app.rules.filter((r) => (r.targetKind ?? 'function') === 'function').map((r) => r.target),
    )) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionId(target) },
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.events.deadLetters), 'Arn'] } },
        },
      });
    }
  });

  it('consumes the table stream as declared: filtered, retried, bisected, with a dead-letter queue', () => {
    const mappings = resources('AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn'),
    );
    expect(mappings).toHaveLength(app.streams.length);
    for (const spec of app.streams) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionId(spec.target) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.data.table), 'StreamArn'] },
        StartingPosition: 'LATEST',
        BatchSize: spec.batchSize,
        MaximumRetryAttempts: spec.retryAttempts,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: spec.filters.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) },
        DestinationConfig: {
          OnFailure: {
            Destination: {
              'Fn::GetAtt': [logicalId(stack.streamConsumers.get(spec.name)!.deadLetters), 'Arn'],
            },
          },
        },
      });
    }
  });

  it('sends every SES event the mail module records to the default bus', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'FunnelCrm' });
    const [[, destination]] = resources('AWS::SES::ConfigurationSetEventDestination') as [[string, Json]];
    const { EventDestination: target } = destination.Properties;
    expect(target.Enabled).toBe(true);
    expect(JSON.stringify(target.EventBridgeDestination.EventBusArn)).toContain(':event-bus/default');
    expect(new Set(target.MatchingEventTypes)).toEqual(
      new Set([
        'send',
        'delivery',
        'bounce',
        'complaint',
        'reject',
        'open',
        'click',
        'deliveryDelay',
        'renderingFailure',
      ]),
    );
  });
});

describe('the warehouse', () => {
  const { template, stack } = declared;
  const { resources, logicalId, roleId, statementWith } = inspect(declared);
  const [table] = app.tables;
  const [stream] = app.deliveryStreams;

  it('keeps a Glue table over the bucket with partition projection: the tenant injected, days projected', () => {
    const [[, glueTable]] = resources('AWS::Glue::Table') as [[string, Json]];
    const input = glueTable.Properties.TableInput;
    expect(input.Name).toBe(table!.name);
    expect(input.StorageDescriptor.Columns).toEqual(
      table!.columns.map((c) => ({ Name: c.name, Type: c.type })),
    );
    expect(input.PartitionKeys).toEqual([
      { Name: 'tenant', Type: 'string' },
      { Name: 'dt', Type: 'string' },
    ]);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.tenant.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
    });
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain(
      // Glue's own placeholders, not template strings.
      'tenant=$' + '{tenant}/dt=$' + '{dt}/',
    );
  });

  it('delivers through Firehose: transformation, dynamic partitioning, Parquet through the Glue table, encryption', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: `FunnelCrm-${stream!.name}`,
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: { 'Fn::GetAtt': [logicalId(stack.storage.bucket(table!.bucket)), 'Arn'] },
        Prefix: stream!.prefix,
        ErrorOutputPrefix: stream!.errorPrefix,
        BufferingHints: {
          SizeInMBs: stream!.buffering.sizeMb,
          IntervalInSeconds: stream!.buffering.intervalSeconds,
        },
        DynamicPartitioningConfiguration: Match.objectLike({ Enabled: true }),
        ProcessingConfiguration: Match.objectLike({ Enabled: true }),
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          SchemaConfiguration: Match.objectLike({ TableName: table!.name }),
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        }),
      }),
    });
  });

  it('sends every domain and SES event to the stream, retried, with the events dead-letter queue', () => {
    for (const rule of app.rules.filter((r) => r.targetKind === 'delivery-stream')) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: rule.pattern,
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [stack.getLogicalId(stack.warehouse!.streams.get(rule.target)!), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.events.deadLetters), 'Arn'] } },
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }),
          }),
        ],
      });
    }
  });

  it('queries in an Athena workgroup that enforces encrypted results and a bytes-scanned limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: Match.anyValue(),
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
    const reader = roleId('reports-api');
    expect(statementWith(reader, 'athena:StartQueryExecution').Resource).toEqual({
      'Fn::Join': ['', expect.arrayContaining([':workgroup/FunnelCrm-warehouse'])],
    });
    expect(JSON.stringify(statementWith(reader, 's3:GetObject').Resource)).toContain('/facts/*');
    expect(statementWith(reader, 's3:PutObject')).toBeDefined();
  });
});

describe('alarms', () => {
  const { template, stack } = declared;
  const { resources, logicalId } = inspect(declared);
  const topic = () => logicalId(stack.alarms.topic);

  /** Queues the template itself uses as dead-letter queues, whatever declared them. */
  function deadLetterQueuesIn(synth: Synthesized): Set<string> {
    const json = JSON.stringify(synth.template.toJSON().Resources);
    const ids = new Set<string>();
    const patterns = [
      /"deadLetterTargetArn":\{"Fn::GetAtt":\["(\w+)","Arn"\]/g,
      /"DeadLetterConfig":\{"Arn":\{"Fn::GetAtt":\["(\w+)","Arn"\]/g,
      /"OnFailure":\{"Destination":\{"Fn::GetAtt":\["(\w+)","Arn"\]/g,
      /"SCHEDULE_DLQ_ARN":\{"Fn::GetAtt":\["(\w+)","Arn"\]/g,
    ];
    for (const pattern of patterns) for (const match of json.matchAll(pattern)) ids.add(match[1]!);
    return ids;
  }

  function expectAlarmedDeadLetterQueues(synth: Synthesized) {
    const { resources: of } = inspect(synth);
    const dlqs = deadLetterQueuesIn(synth);
    const workQueues = [...synth.stack.workQueues.values()].map((q) => inspect(synth).logicalId(q.queue));
    expect(new Set(of('AWS::SQS::Queue').map(([id]) => id))).toEqual(new Set([...dlqs, ...workQueues]));
    for (const dlq of dlqs) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: inspect(synth).logicalId(synth.stack.alarms.topic) }],
      });
    }
    return dlqs;
  }

  it('alarms on the first message in every dead-letter queue', () => {
    expect(expectAlarmedDeadLetterQueues(declared).size).toBe(2 + app.queues.length + app.streams.length);
  });

  it('alarms on every function error and throttle within five minutes', () => {
    for (const fn of stack.functions.values()) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }],
          Period: 300,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [{ Ref: topic() }],
        });
      }
    }
  });

  it('alarms on the API 5xx rate and p99 latency, stream iterator age and SES reputation, and draws a dashboard', () => {
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, alarm]) => (alarm as Json).Properties);
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Namespace: 'AWS/ApiGateway',
          MetricName: 'Latency',
          ExtendedStatistic: 'p99',
          Threshold: 3000,
        }),
        expect.objectContaining({ Threshold: 1, Metrics: expect.any(Array) }),
        expect.objectContaining({
          Namespace: 'AWS/SES',
          MetricName: 'Reputation.BounceRate',
          Threshold: 0.05,
        }),
        expect.objectContaining({
          Namespace: 'AWS/SES',
          MetricName: 'Reputation.ComplaintRate',
          Threshold: 0.001,
        }),
      ]),
    );
    const consumers = new Set(app.streams.map((s) => s.target));
    expect(alarms.filter((a) => a.MetricName === 'IteratorAge' && a.Threshold === 60_000)).toHaveLength(
      consumers.size,
    );
    const [[, dashboard]] = resources('AWS::CloudWatch::Dashboard') as [[string, Json]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'API latency',
      'API requests and 5xx',
      'Function errors',
      'Function duration',
      'Dead-letter queues',
      'Stream iterator age',
      'SES reputation',
      'Mail throughput',
    ])
      expect(body).toContain(title);
  });

  it('publishes alarms to a TLS-only topic CloudWatch may publish to', () => {
    const [[, policy]] = resources('AWS::SNS::TopicPolicy') as [[string, Json]];
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
      ]),
    );
  });

  it('covers the dead-letter queues of queues, schedules and stream consumers a module declares', () => {
    const fixture = synthesizeFixture();
    expect(expectAlarmedDeadLetterQueues(fixture).size).toBe(
      2 + fixtureApplication.queues.length + fixtureApplication.streams.length,
    );
  });
});

describe('secrets and outputs', () => {
  const { template } = declared;

  it('generates a 64-character link-signing secret, kept when the stack goes', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      }),
    });
  });

  it('outputs what operators and the deploy scripts need', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      ['AlarmTopicArn', 'ApiUrl', 'ConsoleUrl', 'EventBusName', 'TableName', 'UserPoolId'].sort(),
    );
  });
});

describe('a declaration using every kind of trigger and permission', () => {
  const fixture = synthesizeFixture();
  const { template, stack } = fixture;
  const { resources, functionId, roleId, logicalId, statementWith, actionsOf } = inspect(fixture);
  const spec = fixtureApplication;
  const scheduling = (s: FunnelStack) => s.scheduling;

  it('names functions, queues and the bus after the stack', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'Fixture-campaign-send' });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Fixture-domain' });
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'Fixture' });
  });

  it('takes the declared timeout and memory, 10 s for HTTP and 60 s for the rest by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Fixture-campaign-send',
      Timeout: 120,
      MemorySize: 1024,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Fixture-orders-api',
      Timeout: 10,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'Fixture-nightly', Timeout: 60 });
  });

  it('builds each queue with its dead-letter queue, encryption, TLS and a batch consumer', () => {
    const [queue] = spec.queues;
    const work = stack.workQueues.get(queue!.name)!;
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `Fixture-${queue!.name}`,
      VisibilityTimeout: queue!.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(work.deadLetters), 'Arn'] },
        maxReceiveCount: queue!.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(work.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(queue!.consumer) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(work.queue), 'Arn'] },
      BatchSize: queue!.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: queue!.maxConcurrency },
    });
  });

  it('creates global schedules only, naming themselves in their input, UTC unless declared', () => {
    const schedules = resources('AWS::Scheduler::Schedule');
    const globals = spec.schedules.filter((s) => s.kind === 'global');
    expect(schedules).toHaveLength(globals.length);
    for (const s of globals) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: s.name,
        GroupName: 'Fixture',
        ScheduleExpression: s.expression,
        ScheduleExpressionTimezone: s.timezone ?? 'UTC',
        Target: {
          Arn: { 'Fn::GetAtt': [functionId(s.target), 'Arn'] },
          Input: JSON.stringify({ schedule: s.name }),
          RoleArn: { 'Fn::GetAtt': [logicalId(scheduling(stack).role), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(scheduling(stack).deadLetters), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }),
        },
      });
    }
  });

  it('lets the scheduler role invoke exactly the functions schedules of any kind target', () => {
    const role = logicalId(scheduling(stack).role);
    const invoke = statementWith(role, 'lambda:InvokeFunction');
    expect(invoke.Resource.map((r: Json) => r['Fn::GetAtt'][0]).sort()).toEqual(
      [...new Set(spec.schedules.map((s) => s.target))].map(functionId).sort(),
    );
    const trust = template.toJSON().Resources[role].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: expect.objectContaining({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        }),
      }),
    ]);
  });

  it('grants each declared permission and nothing more', () => {
    const sender = roleId('campaign-send');
    expect(statementWith(sender, 'ses:SendEmail').Resource).toHaveLength(2);
    expect(statementWith(sender, 'ses:GetAccount').Resource).toBe('*');
    expect(statementWith(sender, 'secretsmanager:GetSecretValue').Resource).toEqual({
      Ref: logicalId(stack.linkSecret),
    });
    expect(actionsOf(sender)).toEqual(expect.arrayContaining(WRITE_ACTIONS));

    const planner = roleId('campaign-plan');
    expect(statementWith(planner, 'scheduler:CreateSchedule').Resource).toEqual({
      'Fn::Join': ['', expect.arrayContaining([':schedule/Fixture/*'])],
    });
    expect(statementWith(planner, 'iam:PassRole')).toMatchObject({
      Resource: { 'Fn::GetAtt': [logicalId(scheduling(stack).role), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(JSON.stringify(statementWith(planner, 'sqs:SendMessage').Resource)).toContain(
      logicalId(stack.workQueues.get('campaign-sends')!.queue),
    );
    expect(
      actionsOf(planner)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual([...READ_ACTIONS].sort());

    expect(statementWith(roleId('relay'), 'events:PutEvents').Resource).toEqual({
      'Fn::GetAtt': [logicalId(stack.events.domainBus), 'Arn'],
    });
    for (const quiet of ['fallback', 'nightly']) {
      expect(
        actionsOf(roleId(quiet)).filter((a) => /^(ses|secretsmanager|events|scheduler|iam|sts):/.test(a)),
      ).toEqual([]);
    }
  });

  it('makes each declared bucket encrypted, private, TLS-only, logged and retained, with its lifecycle', () => {
    const bucket = logicalId(stack.storage.bucket('uploads'));
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(stack.storage.accessLogs!) },
          LogFilePrefix: 'uploads/',
        },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Prefix: 'incoming/',
              ExpirationInDays: 365,
              Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            }),
          ],
        },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const [[, env]] = resources('AWS::Lambda::Function').filter(
      ([, f]) => f.Properties.FunctionName === 'Fixture-relay',
    ) as [[string, Json]];
    expect(env.Properties.Environment.Variables.BUCKET_UPLOADS).toEqual({ Ref: bucket });
  });

  it('invokes the declared function for objects created under the prefix, failures kept in the events DLQ', () => {
    const [notification] = spec.buckets[0]!.notifications!;
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(stack.storage.bucket('uploads')) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: notification!.suffix },
                  { Name: 'prefix', Value: notification!.prefix },
                ],
              },
            },
            LambdaFunctionArn: { 'Fn::GetAtt': [functionId(notification!.target), 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(notification!.target) },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.events.deadLetters), 'Arn'] } },
      },
    });
  });

  it('grants bucket:<name>:read and :write only the object actions they name, on that bucket', () => {
    const bucket = logicalId(stack.storage.bucket('uploads'));
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] };
    const s3Actions = (role: string) =>
      actionsOf(role)
        .filter((a) => a.startsWith('s3:'))
        .sort();
    expect(s3Actions(roleId('nightly'))).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(statementWith(roleId('nightly'), 's3:GetObject').Resource).toEqual(objects);
    expect(statementWith(roleId('nightly'), 's3:ListBucket').Resource).toEqual({
      'Fn::GetAtt': [bucket, 'Arn'],
    });
    expect(s3Actions(roleId('relay'))).toEqual(['s3:DeleteObject', 's3:PutObject']);
    expect(statementWith(roleId('relay'), 's3:PutObject').Resource).toEqual(objects);
    expect(s3Actions(roleId('campaign-send'))).toEqual([]);
  });

  it('puts rules on the bus they declare, the default bus for AWS service events', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: spec.rules.find((r) => r.bus === 'default')!.pattern,
    });
  });
});

describe('the edge', () => {
  const { template, stack } = synthesize();
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const acl = Object.values(resources).find((r) => r.Type === 'AWS::WAFv2::WebACL')!;

  it('puts CloudFront with the WAF web ACL in front of the HTTP API, caching nothing', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
        }),
        Origins: [
          Match.objectLike({
            DomainName: {
              'Fn::Select': [
                2,
                { 'Fn::Split': ['/', { 'Fn::GetAtt': [logicalId(stack.http.api), 'ApiEndpoint'] }] },
              ],
            },
          }),
        ],
      }),
    });
    const distribution = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!;
    expect(distribution.Properties.DistributionConfig.DefaultCacheBehavior.AllowedMethods).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
    );
    expect(acl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('turns each declared rate limit into a rate-based rule answering 429 problem+json with Retry-After', () => {
    const signUp = acl.Properties.Rules.find((r: { Name: string }) => r.Name === 'signup-per-client');
    expect(signUp.Statement.RateBasedStatement).toMatchObject({
      Limit: 10,
      EvaluationWindowSec: 600,
      AggregateKeyType: 'IP',
      ScopeDownStatement: {
        AndStatement: {
          Statements: [
            { ByteMatchStatement: expect.objectContaining({ SearchString: 'POST' }) },
            { RegexMatchStatement: expect.objectContaining({ RegexString: '^/v1/tenants$' }) },
          ],
        },
      },
    });
    const response = signUp.Action.Block.CustomResponse;
    expect(response.ResponseCode).toBe(429);
    expect(response.ResponseHeaders).toEqual(
      expect.arrayContaining([
        { Name: 'retry-after', Value: '600' },
        { Name: 'ratelimit-policy', Value: '"signup-per-client";q=10;w=600' },
      ]),
    );
    const body = acl.Properties.CustomResponseBodies[response.CustomResponseBodyKey];
    expect(JSON.parse(body.Content)).toMatchObject({ status: 429, type: 'urn:funnel:problem:rate-limited' });
    const overall = acl.Properties.Rules.find((r: { Name: string }) => r.Name === 'signup-overall');
    expect(overall.Statement.RateBasedStatement).toMatchObject({ Limit: 100, AggregateKeyType: 'CONSTANT' });
  });

  it('counts a key under one limit however its Authorization header spells the scheme and spaces', () => {
    const perKey = acl.Properties.Rules.find((r: { Name: string }) => r.Name === 'api-per-key');
    expect(perKey.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [
        {
          Header: {
            Name: 'authorization',
            TextTransformations: [
              { Priority: 0, Type: 'COMPRESS_WHITE_SPACE' },
              { Priority: 1, Type: 'LOWERCASE' },
            ],
          },
        },
      ],
    });
  });
});
