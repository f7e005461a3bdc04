import type { AnyRoute } from '../../shared/platform/http/route.ts';

/**
 * The declaration of the application: every function and what triggers it. The CDK stack
 * (infra/stack.ts) and the local runtime (infra/local/) both read it; test/infra/parity.test.ts
 * fails when the synthesized template and the local runtime disagree.
 */

/** What a function may touch. The stack turns each into the narrowest IAM grant. */
export type Permission =
  /** Read/write the table with the function's own role: jobs, consumers, workers. */
  | 'table:read'
  | 'table:write'
  /** Request handlers: the table only through the tenant access role (dynamodb:LeadingKeys). */
  | 'table:tenant'
  | 'events:put'
  | 'mail:send'
  | 'schedules:manage'
  /** List the schedules of the stack's group (Scheduler's ListSchedules takes no resource). */
  | 'schedules:list'
  | 'queues:send'
  | 'secrets:read'
  /** Administer the members' Cognito users (create, read, disable, sign out). */
  | 'users:manage';

export interface FunctionSpec {
  /** kebab-case; also the suffix of the Lambda function name. */
  name: string;
  /** Repository-relative module exporting `handler`. */
  entry: string;
  description: string;
  permissions: Permission[];
  memoryMb?: number;
  timeoutSeconds?: number;
}

/**
 * An EventBridge event pattern (the subset the local bus implements): exact values, `prefix`,
 * `anything-but`, `numeric` ranges and `exists`, nested under any field.
 */
export type EventPattern = { [field: string]: EventPattern | PatternValue[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { 'anything-but': string | number | Array<string | number> | { prefix: string } }
  | { numeric: Array<string | number> }
  | { exists: boolean };

export interface RuleSpec {
  name: string;
  description: string;
  /** `domain`: the project's bus. `default`: the account's default bus, where AWS services (SES) publish. */
  bus: 'domain' | 'default';
  pattern: EventPattern;
  target: string;
}

export interface ScheduleSpec {
  name: string;
  description: string;
  target: string;
  /**
   * `global`: one schedule created with the stack. `per-tenant`: one per tenant, created when the
   * tenant signs up and evaluated in the tenant's time zone. `one-time`: created by code for a
   * moment (`at(...)`), deleted after it fires.
   */
  kind: 'global' | 'per-tenant' | 'one-time';
  /** `rate(...)` or `cron(...)`, for global and per-tenant schedules. */
  expression?: string;
  timezone?: string;
}

export interface QueueSpec {
  name: string;
  description: string;
  consumer: string;
  batchSize: number;
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: number;
  maxConcurrency?: number;
}

export interface StreamConsumerSpec {
  name: string;
  description: string;
  target: string;
  /** Lambda event-filter patterns on the stream record (same syntax as EventBridge patterns). */
  filters: EventPattern[];
  batchSize: number;
  retryAttempts: number;
}

export interface ModuleSpec {
  name: string;
  /** Descriptions of the module's OpenAPI tags. */
  tags?: Record<string, string>;
  functions: FunctionSpec[];
  routes?: Record<string, AnyRoute>;
  rules?: RuleSpec[];
  schedules?: ScheduleSpec[];
  queues?: QueueSpec[];
  streams?: StreamConsumerSpec[];
}

export interface Application {
  functions: FunctionSpec[];
  routes: AnyRoute[];
  rules: RuleSpec[];
  schedules: ScheduleSpec[];
  queues: QueueSpec[];
  streams: StreamConsumerSpec[];
  tags: Record<string, string>;
  authorizer: { function: string; cacheTtlSeconds: number };
  /** Answers requests that match no route (API Gateway's `$default` route). */
  fallback: string;
}

export function defineModule(spec: ModuleSpec): ModuleSpec {
  return spec;
}

/** Combines modules and checks that every reference resolves and every name is unique. */
export function defineApplication(
  modules: ModuleSpec[],
  platform: Pick<Application, 'authorizer' | 'fallback'>,
): Application {
  const app: Application = {
    functions: modules.flatMap((m) => m.functions),
    routes: modules.flatMap((m) => Object.values(m.routes ?? {})),
    rules: modules.flatMap((m) => m.rules ?? []),
    schedules: modules.flatMap((m) => m.schedules ?? []),
    queues: modules.flatMap((m) => m.queues ?? []),
    streams: modules.flatMap((m) => m.streams ?? []),
    tags: Object.assign({}, ...modules.map((m) => m.tags ?? {})),
    ...platform,
  };
  const problems: string[] = [];
  const unique = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${kind} ${name} is declared twice`);
      seen.add(name);
    }
  };
  unique(
    'function',
    app.functions.map((f) => f.name),
  );
  unique(
    'route',
    app.routes.map((r) => `${r.method} ${r.path}`),
  );
  unique(
    'operation',
    app.routes.map((r) => r.operationId),
  );
  unique(
    'rule',
    app.rules.map((r) => r.name),
  );
  unique(
    'schedule',
    app.schedules.map((s) => s.name),
  );
  unique(
    'queue',
    app.queues.map((q) => q.name),
  );
  unique(
    'stream consumer',
    app.streams.map((s) => s.name),
  );
  const functions = new Set(app.functions.map((f) => f.name));
  const refer = (what: string, name: string) => {
    if (!functions.has(name)) problems.push(`${what} targets undeclared function ${name}`);
  };
  for (const r of app.routes) refer(`route ${r.method} ${r.path}`, r.function);
  for (const r of app.rules) refer(`rule ${r.name}`, r.target);
  for (const s of app.schedules) {
    refer(`schedule ${s.name}`, s.target);
    if (s.kind !== 'one-time' && !s.expression) problems.push(`schedule ${s.name} needs an expression`);
    if (s.name.length > 30) problems.push(`schedule ${s.name} is longer than 30 characters`);
  }
  for (const q of app.queues) refer(`queue ${q.name}`, q.consumer);
  for (const s of app.streams) refer(`stream consumer ${s.name}`, s.target);
  for (const tag of new Set(app.routes.flatMap((r) => r.tags))) {
    if (!app.tags[tag]) problems.push(`tag ${tag} has no description in its module`);
  }
  refer('authorizer', app.authorizer.function);
  refer('fallback route', app.fallback);
  for (const f of app.functions) {
    if (!/^[a-z][a-z0-9-]{1,38}$/.test(f.name))
      problems.push(`function name ${f.name} must be kebab-case, at most 39 characters`);
  }
  if (problems.length)
    throw new Error(`The application declaration is inconsistent:\n- ${problems.join('\n- ')}`);
  return app;
}
