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
  /** Create, read and delete tenants' SES sender identities and SES tenants. */
  | 'mail:identities'
  | 'schedules:manage'
  /** List the schedules of the stack's group (Scheduler's ListSchedules takes no resource). */
  | 'schedules:list'
  | 'queues:send'
  | 'secrets:read'
  /** The stack secret webhook signing secrets are derived from (shared/webhooks/secrets.ts). */
  | 'secrets:webhooks'
  /** Objects of a declared bucket: `read` gets and lists, `write` puts and deletes. */
  | `bucket:${string}:${'read' | 'write'}`
  /** Run queries on the declared tables (Athena on AWS): read their data, write query results. */
  | 'warehouse:query'
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
  /**
   * Packages installed beside the bundle instead of inside it: heavy libraries that only some
   * code paths load, with `await import(...)`, so they cost nothing at cold start.
   */
  nodeModules?: string[];
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
  /** The declared function, or delivery stream or queue when `targetKind` says so, that receives the events. */
  target: string;
  /**
   * Default `function`: one invocation per event. A delivery stream receives each event as one
   * record (its JSON); a queue as one message (its JSON), which the queue's consumer takes in
   * batches: for events that come one per email, where an invocation and a write each would cost
   * more than the work.
   */
  targetKind?: 'function' | 'delivery-stream' | 'queue';
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

/**
 * How long a queue's consumer waits to fill a batch (Lambda's MaximumBatchingWindowInSeconds):
 * batches above ten messages need a window, and a second lets a burst of SES events or feedback
 * arrive as one batch instead of many small ones. Used by the stack and by the local queues.
 */
export const batchingWindowSeconds = (spec: Pick<QueueSpec, 'batchSize'>): number =>
  spec.batchSize > 10 ? 1 : 0;

export interface StreamConsumerSpec {
  name: string;
  description: string;
  target: string;
  /** Lambda event-filter patterns on the stream record (same syntax as EventBridge patterns). */
  filters: EventPattern[];
  batchSize: number;
  retryAttempts: number;
}

/**
 * A request limit enforced before any function runs: on AWS by a rate-based rule of the WAF in
 * front of the API (infra/constructs/edge.ts), locally by the local gateway
 * (infra/local/rate-limits.ts), both from this declaration. Over the limit the caller gets 429
 * problem+json with `RateLimit` and `Retry-After`.
 */
export interface RateLimitSpec {
  name: string;
  description: string;
  /**
   * The operations (operationId) whose requests count; together they share one counter per key.
   * `api`: every request under `/v1/`, whatever its route (a key's share of the whole API).
   */
  operations: string[] | 'api';
  /**
   * Whose requests count together: each client address, each credential (the Authorization
   * header: one API key), or every caller at once.
   */
  per: 'client' | 'credential' | 'all';
  /** Requests allowed per window; AWS WAF accepts 10 or more. */
  limit: number;
  /** The windows AWS WAF evaluates over. */
  windowSeconds: 60 | 120 | 300 | 600;
}

/** An S3 event notification: objects created or removed under a prefix invoke a function. */
export interface BucketNotificationSpec {
  /** Unique within its bucket; S3's notification configuration id. */
  name: string;
  events: Array<'created' | 'removed'>;
  prefix?: string;
  suffix?: string;
  target: string;
}

/**
 * An S3 bucket of the application: encrypted, private, TLS only. Functions find its physical name
 * in `BUCKET_<NAME>` (upper snake case of `name`); locally the bucket is called `name`.
 */
export interface BucketSpec {
  /** kebab-case, 3 to 40 characters. */
  name: string;
  description: string;
  /** Objects under `prefix` move to cheaper storage, then expire, after so many days. */
  lifecycle?: Array<{ prefix: string; infrequentAccessAfterDays?: number; expireAfterDays?: number }>;
  notifications?: BucketNotificationSpec[];
}

/**
 * A table of the warehouse over a declared bucket (Glue on AWS, DuckDB views locally): Parquet
 * files under `prefix`, partitioned in the path as `<partition>=<value>/` in the order given.
 */
export interface TableSpec {
  name: string;
  description: string;
  bucket: string;
  prefix: string;
  /** Hive type names: string, int, bigint, timestamp, array<string>, array<bigint>. */
  columns: ReadonlyArray<{ name: string; type: string }>;
  /**
   * `injected`: every query must name the value (the tenant), so no query can read past it;
   * `date`: a `yyyy-MM-dd` day, ranges prune by path.
   */
  partitions: ReadonlyArray<{ name: string; kind: 'injected' | 'date' }>;
}

/**
 * A Firehose delivery stream: records are buffered, transformed by a declared function (which
 * names each record's partition keys), converted to Parquet with the table's schema and written to
 * the table's bucket under `prefix`; what fails goes under `errorPrefix`.
 */
export interface DeliveryStreamSpec {
  name: string;
  description: string;
  table: string;
  prefix: string;
  errorPrefix: string;
  transform: string;
  /** Whichever comes first flushes the buffer (AWS: 64 to 128 MB with format conversion, 60 to 900 s). */
  buffering: { sizeMb: number; intervalSeconds: number };
}

export interface ModuleSpec {
  name: string;
  /** Descriptions of the module's OpenAPI tags. */
  tags?: Record<string, string>;
  functions: FunctionSpec[];
  /** Its route tables: one, or several (the API's and its public pages'). */
  routes?: RouteTable | readonly RouteTable[];
  rules?: RuleSpec[];
  schedules?: ScheduleSpec[];
  queues?: QueueSpec[];
  streams?: StreamConsumerSpec[];
  rateLimits?: RateLimitSpec[];
  buckets?: BucketSpec[];
  tables?: TableSpec[];
  deliveryStreams?: DeliveryStreamSpec[];
  accessLogConsumers?: AccessLogConsumerSpec[];
}

/**
 * A function the API's access log is delivered to, in batches: a CloudWatch Logs subscription
 * filter on the access log group in AWS, the local gateway's access log locally. Each line is one
 * request (infra/constructs/http-api.ts, ACCESS_LOG); `tenantId` is set when a tenant made it.
 */
export interface AccessLogConsumerSpec {
  name: string;
  description: string;
  /** Only lines of requests a tenant made are delivered (the filter pattern `{ $.tenantId = * }`). */
  consumer: string;
}

export interface Application {
  functions: FunctionSpec[];
  routes: AnyRoute[];
  rules: RuleSpec[];
  schedules: ScheduleSpec[];
  queues: QueueSpec[];
  streams: StreamConsumerSpec[];
  rateLimits: RateLimitSpec[];
  buckets: BucketSpec[];
  tables: TableSpec[];
  deliveryStreams: DeliveryStreamSpec[];
  accessLogConsumers: AccessLogConsumerSpec[];
  tags: Record<string, string>;
  /** The OpenAPI tags of each module, so the reference groups them by module. */
  tagGroups: Array<{ name: string; tags: string[] }>;
  authorizer: { function: string; cacheTtlSeconds: number };
  /** Answers requests that match no route (API Gateway's `$default` route). */
  fallback: string;
}

type RouteTable = Record<string, AnyRoute>;

function routesOf(m: ModuleSpec): AnyRoute[] {
  const tables: readonly RouteTable[] = Array.isArray(m.routes)
    ? m.routes
    : m.routes
      ? [m.routes as RouteTable]
      : [];
  return tables.flatMap((table) => Object.values(table));
}

/** Each tag belongs to the first module whose routes use it. */
function tagGroupsOf(modules: ModuleSpec[]): Array<{ name: string; tags: string[] }> {
  const seen = new Set<string>();
  return modules.map((m) => {
    const tags = [...new Set(routesOf(m).flatMap((r) => r.tags))].filter((t) => !seen.has(t));
    for (const tag of tags) seen.add(tag);
    return { name: m.name, tags };
  });
}

/**
 * A module's declaration. Every call is marked `/* @__PURE__ *\/` where a module is declared, and its
 * route tables are listed rather than spread: a function's bundle imports the module's routes, and
 * the bundler then leaves out the rest of the declaration (functions, queues, rules, descriptions),
 * which only the stack, the local runtime and the API reference read.
 */
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
    routes: modules.flatMap(routesOf),
    rules: modules.flatMap((m) => m.rules ?? []),
    schedules: modules.flatMap((m) => m.schedules ?? []),
    queues: modules.flatMap((m) => m.queues ?? []),
    streams: modules.flatMap((m) => m.streams ?? []),
    rateLimits: modules.flatMap((m) => m.rateLimits ?? []),
    buckets: modules.flatMap((m) => m.buckets ?? []),
    tables: modules.flatMap((m) => m.tables ?? []),
    deliveryStreams: modules.flatMap((m) => m.deliveryStreams ?? []),
    accessLogConsumers: modules.flatMap((m) => m.accessLogConsumers ?? []),
    tags: Object.assign({}, ...modules.map((m) => m.tags ?? {})),
    tagGroups: tagGroupsOf(modules),
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
  unique(
    'bucket',
    app.buckets.map((b) => b.name),
  );
  const functions = new Set(app.functions.map((f) => f.name));
  const refer = (what: string, name: string) => {
    if (!functions.has(name)) problems.push(`${what} targets undeclared function ${name}`);
  };
  for (const r of app.routes) refer(`route ${r.method} ${r.path}`, r.function);
  const streams = new Set(app.deliveryStreams.map((d) => d.name));
  const queues = new Set(app.queues.map((q) => q.name));
  for (const r of app.rules) {
    if (r.targetKind === 'delivery-stream') {
      if (!streams.has(r.target))
        problems.push(`rule ${r.name} targets undeclared delivery stream ${r.target}`);
    } else if (r.targetKind === 'queue') {
      if (!queues.has(r.target)) problems.push(`rule ${r.name} targets undeclared queue ${r.target}`);
    } else refer(`rule ${r.name}`, r.target);
  }
  for (const s of app.schedules) {
    refer(`schedule ${s.name}`, s.target);
    if (s.kind !== 'one-time' && !s.expression) problems.push(`schedule ${s.name} needs an expression`);
    if (s.name.length > 30) problems.push(`schedule ${s.name} is longer than 30 characters`);
  }
  for (const q of app.queues) refer(`queue ${q.name}`, q.consumer);
  unique(
    'rate limit',
    app.rateLimits.map((l) => l.name),
  );
  const operations = new Set(app.routes.map((r) => r.operationId));
  for (const l of app.rateLimits) {
    for (const op of l.operations === 'api' ? [] : l.operations)
      if (!operations.has(op)) problems.push(`rate limit ${l.name} counts undeclared operation ${op}`);
    if (l.operations.length === 0) problems.push(`rate limit ${l.name} counts no operation`);
    if (!Number.isInteger(l.limit) || l.limit < 10)
      problems.push(`rate limit ${l.name} is below 10 (AWS WAF's least)`);
  }
  for (const s of app.streams) refer(`stream consumer ${s.name}`, s.target);
  const buckets = new Set(app.buckets.map((b) => b.name));
  for (const b of app.buckets) {
    if (!/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/.test(b.name))
      problems.push(`bucket name ${b.name} must be kebab-case, 3 to 40 characters`);
    unique(
      `notification of bucket ${b.name}`,
      (b.notifications ?? []).map((n) => n.name),
    );
    for (const n of b.notifications ?? []) refer(`notification ${n.name} of bucket ${b.name}`, n.target);
  }
  unique(
    'table',
    app.tables.map((t) => t.name),
  );
  unique(
    'delivery stream',
    app.deliveryStreams.map((d) => d.name),
  );
  const tables = new Set(app.tables.map((t) => t.name));
  for (const t of app.tables) {
    if (!buckets.has(t.bucket)) problems.push(`table ${t.name} is in undeclared bucket ${t.bucket}`);
  }
  for (const d of app.deliveryStreams) {
    if (!tables.has(d.table)) problems.push(`delivery stream ${d.name} writes undeclared table ${d.table}`);
    refer(`delivery stream ${d.name}`, d.transform);
  }
  for (const f of app.functions) {
    for (const permission of f.permissions) {
      const bucket = /^bucket:(.+):(read|write)$/.exec(permission)?.[1];
      if (bucket !== undefined && !buckets.has(bucket))
        problems.push(`function ${f.name} is granted undeclared bucket ${bucket}`);
    }
  }
  for (const tag of new Set(app.routes.flatMap((r) => r.tags))) {
    if (!app.tags[tag]) problems.push(`tag ${tag} has no description in its module`);
  }
  for (const c of app.accessLogConsumers) refer(`access log consumer ${c.name}`, c.consumer);
  // CloudWatch Logs allows two subscription filters per log group.
  if (app.accessLogConsumers.length > 2) problems.push('the access log has more than two consumers');
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
