import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, NestedStack, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { application as declaredApplication } from '../functions/app/index.ts';
import type { Application, Permission } from '../functions/app/types.ts';
import { INBOUND_BUCKET, INCOMING_PREFIX } from '../shared/cases/inbound-layout.ts';
import { Alarms } from './constructs/alarms.ts';
import { ConsoleSite } from './constructs/console.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { DataTable, TenantAccess } from './constructs/data.ts';
import { Edge } from './constructs/edge.ts';
import { EventRouting } from './constructs/events.ts';
import { AppFunction } from './constructs/functions.ts';
import { HttpApi } from './constructs/http-api.ts';
import { MemberSignIn } from './constructs/identity.ts';
import { Mail } from './constructs/mail.ts';
import { MailReceiving } from './constructs/mail-receiving.ts';
import { constructId } from './constructs/naming.ts';
import { StreamConsumer, WorkQueue } from './constructs/queues.ts';
import { Scheduling } from './constructs/scheduling.ts';
import { Storage } from './constructs/storage.ts';
import { Warehouse } from './constructs/warehouse.ts';
import { functionEnvironment, type Wiring } from './environment.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FunnelStackProps extends StackProps {
  /** The declaration to build; the application of functions/app/index.ts unless a test brings its own. */
  application?: Application;
  /** Base of links in mail; defaults to context `publicBaseUrl`, then the API's own endpoint. */
  publicBaseUrl?: string;
  /** From of service mail; context `serviceSender`. Must be an SES identity the operator verified. */
  serviceSenderEmail?: string;
  /**
   * The domain SES receives support mail for (its MX points at SES inbound); context
   * `inboundMailDomain`. Tenants' support addresses are `<tenant id>@<domain>`.
   */
  inboundMailDomain?: string;
  /** A CloudFront web ACL made in us-east-1 (infra/app.ts) when this stack is deployed elsewhere. */
  webAclArn?: string;
}

/** A dead-letter queue and what it catches, for alarms and for the nag acknowledgements. */
export interface DeadLetterQueue {
  id: string;
  queue: sqs.Queue;
  catches: string;
}

/**
 * Funnel CRM in AWS, generated from the application declaration: every function, route, rule,
 * schedule, queue and stream consumer declared in functions/app/ becomes the resources below, with
 * exactly the permissions it declares. Nothing here names a module.
 */
export class FunnelStack extends Stack {
  readonly application: Application;
  readonly data: DataTable;
  readonly tenantAccess?: TenantAccess;
  readonly events: EventRouting;
  readonly scheduling: Scheduling;
  readonly mail: Mail;
  readonly linkSecret: secretsmanager.Secret;
  readonly webhookSecret: secretsmanager.Secret;
  readonly http: HttpApi;
  readonly edge: Edge;
  readonly console: ConsoleSite;
  readonly signIn: MemberSignIn;
  readonly alarms: Alarms;
  readonly storage: Storage;
  readonly inboundMailDomain: string;
  readonly warehouse?: Warehouse;
  readonly functions = new Map<string, AppFunction>();
  readonly workQueues = new Map<string, WorkQueue>();
  readonly streamConsumers = new Map<string, StreamConsumer>();
  readonly deadLetterQueues: DeadLetterQueue[] = [];

  constructor(scope: Construct, id: string, props: FunnelStackProps = {}) {
    super(scope, id, {
      description:
        'Funnel CRM: multi-tenant serverless CRM (API, console, sign-in, table, events, schedules, queues, mail).',
      // The template, indented, neared CloudFormation's 1 MB (80 functions, each with its
      // environment): without indentation it is about half as large, and reads the same to tools.
      suppressTemplateIndentation: true,
      ...props,
    });
    this.application = props.application ?? declaredApplication;
    this.inboundMailDomain =
      props.inboundMailDomain ?? this.node.tryGetContext('inboundMailDomain') ?? 'inbound.example.com';
    const app = this.application;
    const name = (suffix: string) => `${this.stackName}-${suffix}`;

    this.data = new DataTable(this, 'Data');
    this.events = new EventRouting(this, 'Events', { busName: name('domain') });
    this.scheduling = new Scheduling(this, 'Scheduling', { groupName: this.stackName });
    this.mail = new Mail(this, 'Mail', {
      configurationSetName: this.stackName,
      defaultBus: this.events.defaultBus,
    });
    this.linkSecret = new secretsmanager.Secret(this, 'LinkSecret', {
      description: 'Signs links handed to people outside a tenant (forms, surveys, unsubscribe).',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Links already mailed stay verifiable only as long as this secret does.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.webhookSecret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description:
        "Webhook signing secrets are derived from it with each endpoint's salt (docs/security.md).",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Every endpoint's secret is derived from it: losing it breaks every receiver's verification.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.http = new HttpApi(this, 'Http', { apiName: this.stackName });
    this.edge = new Edge(this, 'Edge', {
      application: app,
      apiEndpoint: this.http.api.apiEndpoint,
      name: this.stackName,
      ...(props.webAclArn ? { webAclArn: props.webAclArn } : {}),
    });
    // The console's distribution also forwards /v1/* to the API: the same web ACL guards it, so
    // the rate limits hold whichever door a request takes.
    this.console = new ConsoleSite(this, 'Console', {
      api: this.http.api,
      repositoryRoot: REPOSITORY_ROOT,
      webAclArn: this.edge.webAclArn,
    });
    this.signIn = new MemberSignIn(this, 'SignIn', { consoleUrl: this.console.url });
    // Alarms (two per function, one per dead-letter queue) in a nested stack of their own, like
    // the routes: with them the main stack passed CloudFormation's 500 resources and cdk synth failed.
    const monitoring = new NestedStack(this, 'Monitoring', {
      description: 'Funnel CRM: the alarms on functions and dead-letter queues, and their topic.',
    });
    this.alarms = new Alarms(monitoring, 'Alarms');
    this.storage = new Storage(this, 'Storage', { specs: app.buckets });

    // In a scope of their own, so no declared name can collide with the stack's other constructs.
    const functionScope = new Construct(this, 'Functions');
    // The functions' log groups in a nested stack too: they reference nothing of the main stack
    // (no cycle), and with them the main stack passed CloudFormation's 500 resources again.
    const logs = new NestedStack(this, 'Logs', {
      description: "Funnel CRM: each function's log group, kept for a month.",
    });
    for (const spec of app.functions) {
      const id = constructId(spec.name);
      this.functions.set(spec.name, new AppFunction(functionScope, id, spec, new Construct(logs, id)));
    }
    const declaring = (permission: Permission) =>
      [...this.functions.values()].filter((f) => f.spec.permissions.includes(permission));
    const tenantHandlers = declaring('table:tenant');
    if (tenantHandlers.length > 0) {
      this.tenantAccess = new TenantAccess(this, 'TenantAccess', {
        data: this.data,
        trusted: tenantHandlers.map((f) => f.role),
      });
    }

    const wiring: Wiring = {
      tableName: this.data.table.tableName,
      eventBusName: this.events.domainBus.eventBusName,
      scheduleGroup: this.scheduling.group.scheduleGroupName,
      schedulerRoleArn: this.scheduling.role.roleArn,
      functionArnPrefix: `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${name('')}`,
      scheduleDlqArn: this.scheduling.deadLetters.queueArn,
      queueUrlPrefix: `https://sqs.${Aws.REGION}.${Aws.URL_SUFFIX}/${Aws.ACCOUNT_ID}/${name('')}`,
      sesConfigurationSet: this.mail.configurationSet.configurationSetName,
      sesIdentityArnPrefix: `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/`,
      serviceSenderEmail:
        props.serviceSenderEmail ?? this.node.tryGetContext('serviceSender') ?? 'no-reply@example.com',
      linkSecretArn: this.linkSecret.secretArn,
      webhookSecretArn: this.webhookSecret.secretArn,
      tenantAccessRoleArn: this.tenantAccess?.role.roleArn,
      publicBaseUrl: props.publicBaseUrl ?? this.node.tryGetContext('publicBaseUrl') ?? this.edge.url,
      // The operator's own tenant, signed up through the API before it is named here (docs/operator.md).
      operatorTenantId: this.node.tryGetContext('operatorTenantId'),
      buckets: this.storage.physicalNames(),
      inboundMailDomain: this.inboundMailDomain,
      ...(app.tables.length
        ? {
            warehouse: {
              database: `${this.stackName.toLowerCase().replace(/[^a-z0-9]/g, '_')}_warehouse`,
              workgroup: name('warehouse'),
              dialect: 'athena' as const,
            },
          }
        : {}),
      userPool: {
        id: this.signIn.userPool.userPoolId,
        clientId: this.signIn.client.userPoolClientId,
        issuer: this.signIn.issuer,
      },
    };
    const environment = functionEnvironment(wiring, app);
    const interactive = new Set([
      ...app.routes.map((r) => r.function),
      app.authorizer.function,
      app.fallback,
    ]);
    for (const fn of this.functions.values()) {
      fn.deploy({
        functionName: name(fn.spec.name),
        environment,
        interactive: interactive.has(fn.spec.name),
        repositoryRoot: REPOSITORY_ROOT,
      });
    }
    const lambdaOf = (functionName: string): lambda.Function => {
      const fn = this.functions.get(functionName);
      if (!fn) throw new Error(`No declared function ${functionName}.`);
      return fn.function;
    };

    if (wiring.warehouse) {
      this.warehouse = new Warehouse(this, 'Warehouse', {
        tables: app.tables,
        streams: app.deliveryStreams,
        storage: this.storage,
        databaseName: wiring.warehouse.database,
        workgroupName: wiring.warehouse.workgroup,
        resultsBucket: app.tables[0]!.bucket,
        transformOf: lambdaOf,
      });
    }

    for (const spec of app.queues) {
      this.workQueues.set(
        spec.name,
        new WorkQueue(this, `Queue${constructId(spec.name)}`, {
          spec,
          queueName: name(spec.name),
          consumer: lambdaOf(spec.consumer),
        }),
      );
    }
    this.grantDeclaredPermissions(declaring);

    this.http.addRoutes(app, lambdaOf);
    for (const spec of app.accessLogConsumers) this.http.subscribeAccessLog(spec, lambdaOf(spec.consumer));

    for (const spec of app.rules)
      this.events.addRule(
        spec,
        spec.targetKind === 'delivery-stream'
          ? this.warehouse!.target(spec.target, this.events.deadLetters)
          : spec.targetKind === 'queue'
            ? this.events.queueTarget(this.workQueues.get(spec.target)!.queue)
            : lambdaOf(spec.target),
      );
    for (const bucket of app.buckets) {
      for (const spec of bucket.notifications ?? [])
        this.storage.notify(bucket.name, spec, lambdaOf(spec.target));
    }
    const inbound = this.storage.buckets.get(INBOUND_BUCKET);
    if (inbound)
      new MailReceiving(this, 'MailReceiving', {
        ruleSetName: name('inbound'),
        domain: this.inboundMailDomain,
        bucket: inbound,
        prefix: INCOMING_PREFIX,
      });
    for (const spec of app.schedules) {
      if (spec.kind === 'global') this.scheduling.addGlobal(spec, lambdaOf(spec.target));
      else this.scheduling.allowInvoke(lambdaOf(spec.target));
    }
    this.configureAsyncFailures(app, lambdaOf);

    for (const spec of app.streams) {
      this.streamConsumers.set(
        spec.name,
        new StreamConsumer(this, `Stream${constructId(spec.name)}`, {
          spec,
          data: this.data,
          consumer: lambdaOf(spec.target),
        }),
      );
    }

    this.collectDeadLetterQueues();
    for (const dlq of this.deadLetterQueues) this.alarms.deadLetterQueue(dlq.id, dlq.queue, dlq.catches);
    for (const fn of this.functions.values()) {
      this.alarms.function(constructId(fn.spec.name), fn.function, fn.spec.name);
    }
    const streamConsumers = [...new Set(app.streams.map((s) => s.target))].map((name) => ({
      name,
      function: this.functions.get(name)!.function,
    }));
    this.alarms.api(this.http.api);
    for (const c of streamConsumers) this.alarms.iteratorAge(constructId(c.name), c.function, c.name);
    this.alarms.sesReputation();
    new Dashboard(monitoring, 'Dashboard', {
      name: this.stackName,
      api: this.http.api,
      functions: [...this.functions.values()].map((f) => ({ name: f.spec.name, function: f.function })),
      streamConsumers,
      deadLetterQueues: this.deadLetterQueues,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.edge.url,
      description: 'Base URL of the API: CloudFront and its WAF in front of the HTTP API.',
    });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The web console.' });
    new CfnOutput(this, 'UserPoolId', {
      value: this.signIn.userPool.userPoolId,
      description: 'Members sign in to the console through this user pool.',
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.events.domainBus.eventBusName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Subscribe here to hear about failures.',
    });
  }

  /** Each declared permission becomes the narrowest grant that serves it. */
  private grantDeclaredPermissions(declaring: (permission: Permission) => AppFunction[]): void {
    for (const fn of declaring('table:read')) this.data.grant(fn.role, 'read');
    for (const fn of declaring('table:write')) this.data.grant(fn.role, 'write');
    for (const fn of declaring('table:tenant')) this.tenantAccess?.grantAssume(fn.role);
    for (const fn of declaring('events:put')) this.events.domainBus.grantPutEventsTo(fn.role);
    for (const fn of declaring('mail:send')) this.mail.grantSend(fn.role);
    for (const fn of declaring('mail:identities')) this.mail.grantIdentities(fn.role);
    for (const fn of declaring('schedules:manage')) this.scheduling.grantManage(fn.role);
    for (const fn of declaring('schedules:list')) this.scheduling.grantList(fn.role);
    for (const fn of this.functions.values()) {
      for (const permission of fn.spec.permissions) {
        const bucket = /^bucket:(.+):(read|write)$/.exec(permission);
        if (bucket) this.storage.grant(bucket[1]!, fn.role, bucket[2] as 'read' | 'write');
      }
    }
    for (const fn of declaring('warehouse:query'))
      this.warehouse?.grantQuery(
        fn.role,
        this.storage,
        this.application.tables,
        this.application.tables[0]!.bucket,
      );
    for (const fn of declaring('queues:send')) {
      for (const queue of this.workQueues.values()) queue.queue.grantSendMessages(fn.role);
    }
    for (const fn of declaring('users:manage')) this.signIn.grantManage(fn.role);
    for (const fn of declaring('secrets:read')) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.linkSecret.secretArn],
        }),
      );
    }
    for (const fn of declaring('secrets:webhooks')) this.webhookSecret.grantRead(fn.role);
  }

  /**
   * EventBridge, S3 and Scheduler invoke asynchronously: Lambda retries a failing invocation twice
   * and then drops it unless it has somewhere to go. Targets of rules and bucket notifications fail
   * into the events DLQ, schedule targets into the schedules DLQ.
   */
  private configureAsyncFailures(app: Application, lambdaOf: (name: string) => lambda.Function): void {
    const eventTargets = new Set([
      ...app.rules.filter((r) => (r.targetKind ?? 'function') === 'function').map((r) => r.target),
      ...app.buckets.flatMap((b) => b.notifications ?? []).map((n) => n.target),
    ]);
    const scheduleTargets = new Set(app.schedules.map((s) => s.target).filter((t) => !eventTargets.has(t)));
    for (const target of eventTargets) {
      lambdaOf(target).configureAsyncInvoke({
        retryAttempts: 2,
        onFailure: new SqsDestination(this.events.deadLetters),
      });
    }
    for (const target of scheduleTargets) {
      lambdaOf(target).configureAsyncInvoke({
        retryAttempts: 2,
        onFailure: new SqsDestination(this.scheduling.deadLetters),
      });
    }
  }

  private collectDeadLetterQueues(): void {
    this.deadLetterQueues.push(
      {
        id: 'EventsDeadLetters',
        queue: this.events.deadLetters,
        catches: 'event rules, bucket notifications and their targets',
      },
      {
        id: 'SchedulesDeadLetters',
        queue: this.scheduling.deadLetters,
        catches: 'schedules and their targets',
      },
    );

    for (const [queueName, queue] of this.workQueues) {
      this.deadLetterQueues.push({
        id: `Queue${constructId(queueName)}DeadLetters`,
        queue: queue.deadLetters,
        catches: `the ${queueName} queue`,
      });
    }
    for (const [consumerName, consumer] of this.streamConsumers) {
      this.deadLetterQueues.push({
        id: `Stream${constructId(consumerName)}DeadLetters`,
        queue: consumer.deadLetters,
        catches: `the ${consumerName} stream consumer`,
      });
    }
  }
}
