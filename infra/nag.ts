import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { routeKey } from '../shared/platform/http/route.ts';
import type { FunnelStack } from './stack.ts';

/** Runs cdk-nag's AWS Solutions rules over the app at synthesis (cdk-nag 3: a validation plugin). */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * Every finding the stack accepts, each with why. Acknowledgements are generated from the same
 * declaration as the resources, so a new route, stream consumer or mail-sending function is
 * covered with the same reasoning, and nothing else is.
 */
export function acknowledgeFindings(stack: FunnelStack): void {
  const ack = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });
  const wildcard = (resource: string) =>
    `AwsSolutions-IAM5[Resource::${flatten(Stack.of(stack).resolve(resource))}]`;
  const app = stack.application;

  for (const route of app.routes.filter((r) => r.access === 'public')) {
    const key = routeKey(route);
    ack(
      stack.http.routes.get(key)!,
      'AwsSolutions-APIG4',
      `${key} ("${route.summary}") is declared access: 'public' in functions/app: its callers hold no API key (sign-up, signed links, documentation), so the function checks whatever it trusts itself.`,
    );
  }
  ack(
    stack.http.routes.get('$default')!,
    'AwsSolutions-APIG4',
    '$default only answers a 404 problem document for paths that match no route; it reads nothing and an authorizer would turn that 404 into a bare 401.',
  );

  for (const spec of app.streams) {
    ack(
      stack.functions.get(spec.target)!.role,
      'AwsSolutions-IAM5[Resource::*]',
      `${spec.target} consumes the table stream: dynamodb:ListStreams (granted with the event source) has no resource-level permissions; DescribeStream, GetRecords and GetShardIterator are limited to the table's stream.`,
    );
  }
  for (const fn of [...stack.functions.values()].filter((f) => f.spec.permissions.includes('mail:send'))) {
    ack(
      fn.role,
      wildcard(stack.mail.identityArns),
      `${fn.spec.name} sends mail from tenants' own verified identities, which are created at run time, so the identity cannot be named here; sends are limited to this stack's configuration set resource.`,
    );
    ack(
      fn.role,
      'AwsSolutions-IAM5[Resource::*]',
      `${fn.spec.name} reads the SES sending quota and rate with ses:GetAccount, which has no resource type and only accepts "*".`,
    );
  }
  for (const fn of [...stack.functions.values()].filter((f) =>
    f.spec.permissions.includes('mail:identities'),
  )) {
    ack(
      fn.role,
      wildcard(stack.mail.identityArns),
      `${fn.spec.name} creates, reads and deletes tenants' sender identities, which exist only once a tenant adds them, so no identity can be named here; each is tagged with its tenant and checked against it before use.`,
    );
    ack(
      fn.role,
      wildcard(stack.mail.tenantArns),
      `${fn.spec.name} creates one SES tenant per Funnel tenant (per-tenant reputation), named after this stack's configuration set and a tenant id known only at run time.`,
    );
  }
  for (const fn of [...stack.functions.values()].filter((f) =>
    f.spec.permissions.includes('schedules:manage'),
  )) {
    ack(
      fn.role,
      wildcard(stack.scheduling.scheduleArns),
      `${fn.spec.name} creates per-tenant and one-time schedules whose names are only known at run time; the wildcard is confined to this stack's schedule group.`,
    );
  }

  for (const fn of [...stack.functions.values()].filter((f) =>
    f.spec.permissions.includes('schedules:list'),
  )) {
    ack(
      fn.role,
      'AwsSolutions-IAM5[Resource::*]',
      `${fn.spec.name} lists the schedules of this stack's group to find every tenant's per-tenant schedules; scheduler:ListSchedules has no resource-level permissions and only accepts "*" (it reads names, never changes anything).`,
    );
  }

  for (const fn of stack.functions.values()) {
    for (const permission of fn.spec.permissions) {
      const bucket = /^bucket:(.+):(read|write)$/.exec(permission)?.[1];
      if (bucket === undefined) continue;
      ack(
        fn.role,
        wildcard(stack.storage.bucket(bucket).arnForObjects('*')),
        `${fn.spec.name} reads or writes objects of the ${bucket} bucket whose keys are made at run time (per tenant, per day, per file); the wildcard covers that one bucket's objects and only the object actions the function declares.`,
      );
    }
  }
  if (stack.warehouse) {
    const warehouse = stack.warehouse;
    for (const fn of [...stack.functions.values()].filter((f) =>
      f.spec.permissions.includes('warehouse:query'),
    )) {
      for (const table of app.tables) {
        const bucket = stack.storage.bucket(table.bucket);
        ack(
          fn.role,
          wildcard(bucket.arnForObjects(`${table.prefix}*`)),
          `${fn.spec.name} queries the ${table.name} table through Athena, which reads its Parquet objects under ${table.prefix} (named per tenant, day and delivery); only GetObject, only under that prefix.`,
        );
        ack(
          fn.role,
          wildcard(bucket.arnForObjects('query-results/*')),
          `${fn.spec.name} runs Athena queries whose workgroup writes their results under query-results/, named by query execution id at run time; the prefix holds nothing else and expires after seven days.`,
        );
      }
    }
    for (const table of app.tables) {
      ack(
        warehouse.firehoseRole,
        wildcard(stack.storage.bucket(table.bucket).arnForObjects('*')),
        `Firehose writes the ${table.name} facts and its error output under keys it makes per tenant, day and delivery (dynamic partitioning); the statement is the S3 destination policy Firehose documents, on this one bucket.`,
      );
    }
  }
  if (stack.storage.accessLogs)
    ack(
      stack.storage.accessLogs,
      'AwsSolutions-S1',
      'This bucket receives the server access logs of every other bucket of the stack; logging its own accesses into itself would log the logging.',
    );
  for (const handler of stack.node
    .findAll()
    .filter((c) => c.node.id.startsWith('BucketNotificationsHandler'))) {
    ack(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's own singleton custom resource that writes bucket notification configurations at deploy time; its role and runtime are CDK's, not ours, and it runs only during deployments.",
    );
  }

  const dlqReasons: Record<string, string> = {
    EventsDeadLetters:
      'This queue is itself the dead-letter queue of EventBridge rule targets and of the asynchronous invocations of rule and bucket notification targets; a DLQ for a DLQ would only move the problem. An alarm fires on its first message.',
    SchedulesDeadLetters:
      'This queue is itself the dead-letter queue of EventBridge Scheduler targets and of their functions’ asynchronous invocations; a DLQ for a DLQ would only move the problem. An alarm fires on its first message.',
  };
  for (const dlq of stack.deadLetterQueues) {
    ack(
      dlq.queue,
      'AwsSolutions-SQS3',
      dlqReasons[dlq.id] ??
        `This queue is itself the dead-letter queue of ${dlq.catches}; a DLQ for a DLQ would only move the problem. An alarm fires on its first message.`,
    );
  }

  const site = stack.console;
  ack(
    stack.edge.distribution,
    'AwsSolutions-CFR1',
    'A SaaS API serves customers wherever they are; the WAF in front of it limits by client and overall instead of by country.',
  );
  ack(
    site.distribution,
    'AwsSolutions-CFR1',
    'The console serves the members of every tenant wherever they work; a tenant restricts access by who may sign in, not by country.',
  );
  ack(
    stack.edge.distribution,
    'AwsSolutions-CFR3',
    "Every request that passes the edge is logged by the HTTP API's access log (one JSON line with client address, route, status and tenant); requests the WAF blocks are counted in its CloudWatch metrics and sampled requests.",
  );
  for (const distribution of [stack.edge.distribution, site.distribution])
    ack(
      distribution,
      'AwsSolutions-CFR4',
      "Without a custom domain the distribution uses CloudFront's default certificate, whose viewer TLS policy cannot be chosen; a deployment with its own domain sets TLSv1.2_2021 with its certificate.",
    );
  const deployment = stack.node.findAll().find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (deployment) {
    ack(
      deployment,
      'AwsSolutions-L1',
      "CDK's BucketDeployment handler runs the Python runtime its AWS CLI layer is built for; it runs only at deploy time and answers no request.",
    );
  }
  for (const finding of [
    'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    'AwsSolutions-IAM5[Action::s3:GetObject*]',
    'AwsSolutions-IAM5[Action::s3:List*]',
    'AwsSolutions-IAM5[Action::s3:Abort*]',
    'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
    'AwsSolutions-IAM5[Resource::*]',
    wildcard(`${site.bucket.bucketArn}/*`),
    wildcard(
      `arn:${Stack.of(stack).partition}:s3:::cdk-hnb659fds-assets-${Stack.of(stack).account}-${Stack.of(stack).region}/*`,
    ),
  ]) {
    ack(
      site.deployer,
      finding,
      "Granted by CDK's BucketDeployment to copy the console build (an asset in the CDK bootstrap bucket) into the console bucket and invalidate index.html on CloudFront (CreateInvalidation has no resource-level permission); the role is used only by that deploy-time function.",
    );
  }
  ack(
    stack.signIn.userPool,
    'AwsSolutions-COG2',
    'MFA is optional in the pool so each tenant can decide; members may enrol an authenticator app (TOTP). docs/console.md, "Not yet", covers requiring it per tenant.',
  );
  ack(
    stack.signIn.userPool,
    'AwsSolutions-COG8',
    'The Plus feature plan (threat protection) is priced per monthly active user; the Essentials plan with lockout after failed sign-ins, no self sign-up and invitation-only accounts is the default, and an operator can move the pool to Plus without code changes.',
  );

  ack(
    stack.linkSecret,
    'AwsSolutions-SMG4',
    'The secret signs links already mailed to customers (unsubscribe, forms, surveys); rotating it would invalidate every link in flight. Rotation needs key versioning in shared/platform/signed-links first.',
  );
  ack(
    stack.webhookSecret,
    'AwsSolutions-SMG4',
    "Every webhook endpoint's signing secret is derived from it: rotating it would change all of them at once and every receiver would reject deliveries. Endpoints rotate their own secrets, with an overlap (docs/security.md).",
  );
}

/** The finding text cdk-nag builds from a resolved ARN: `Fn::Join` flattened, references as `<Id.Attr>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if ('Fn::GetAtt' in node) {
      const [resource, attribute] = node['Fn::GetAtt'] as [string, string];
      return `<${resource}.${attribute}>`;
    }
    if ('Ref' in node) return `<${node.Ref as string}>`;
  }
  return JSON.stringify(value);
}
