import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Principal, Role } from '../auth.ts';
import { type Clock, systemClock } from '../clock.ts';
import { type Actor, type TenantContext, tenantContext } from '../context.ts';
import { CORRELATION_HEADER, correlationFrom, correlationId, withCorrelation } from '../correlation.ts';
import { asTenantId, type TenantId } from '../db/keys.ts';
import { lastWriterWins } from '../db/retries.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  isDomainError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from '../errors.ts';
import { type AppLogger, withKeys } from '../logger.ts';
import { assertReferencesExist, checkReferences, type RecordKinds, referencesIn } from '../references.ts';
import { hasSecretFields, withoutSecrets } from '../secret-fields.ts';
import { type ExpandableKinds, expandBody, takeExpand } from './expand.ts';
import { noSuchRoute, type Problem, problemFor, problemResponse, retryAfterOf } from './problem.ts';
import { etag, parseIfMatch, parseInput } from './request.ts';
import {
  type AnyRoute,
  type BodyOf,
  fillLocation,
  locationTemplate,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
  routeKey,
} from './route.ts';

/**
 * What the authorizer hands to every authenticated route (API Gateway simple response context).
 * The authorizer never denies: it tells who the caller is, or why it could not tell, and the
 * function answers 401/403 as problem+json, which API Gateway's own denials cannot be.
 */
export interface AuthorizerContext {
  authenticated: boolean;
  tenantId?: string;
  memberId?: string;
  role?: Role;
  keyId?: string;
  reason?: string;
  /** The caller could not be looked up (the table was throttling or failing): answer 503. */
  unavailable?: boolean;
  /** The caller's tenant is frozen for deletion: its writes are refused (see `assertMayWrite`). */
  frozen?: boolean;
  /** Until when the tenant's plan's API calls for the day are used up: metered routes answer 429. */
  apiQuotaUntil?: string;
  /** The caller holds an operator key (shared/operator/credentials.ts): only operator routes admit it. */
  operator?: boolean;
}

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: { lambda?: AuthorizerContext } };
};
export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface HttpRequest<R extends AnyRoute> {
  params: ParamsOf<R>;
  query: QueryOf<R>;
  body: BodyOf<R>;
  headers: Record<string, string | undefined>;
  requestId: string;
  /** The version the caller read (`If-Match`), when it sent one. */
  ifMatch: number | 'any' | undefined;
  principal: Principal | undefined;
  /** The caller's tenant context; only on authenticated routes. */
  ctx: TenantContext;
  /** For public routes that establish their tenant themselves: sign-up, signed links. */
  contextFor(tenantId: TenantId, actor: Actor): TenantContext;
  logger: AppLogger;
  event: HttpEvent;
}

/** A response with a status, headers or a non-JSON body; plain return values are JSON bodies. */
export class Reply<B = unknown> {
  constructor(
    readonly body: B,
    readonly init: { status?: number; headers?: Record<string, string>; version?: number } = {},
  ) {}
}

export function reply<B>(body: B, init: Reply['init'] = {}): Reply<B> {
  return new Reply(body, init);
}

export function noContent(): Reply<undefined> {
  return new Reply(undefined, { status: 204 });
}

export type Operation<R extends AnyRoute> = (
  request: HttpRequest<R>,
) => Promise<ResponseOf<R> | Reply<ResponseOf<R>> | Reply<string> | Reply<undefined>>;

export type Operations<Routes extends Record<string, AnyRoute>> = {
  [K in keyof Routes]: Operation<Routes[K]>;
};

/**
 * Answers an error in another form than problem+json, or leaves it to problem+json (undefined):
 * pages use it to show people a friendly page (shared/platform/pages/errors.tsx).
 */
export type ErrorRenderer = (
  problem: Problem,
  request: { route: AnyRoute | undefined; headers: Record<string, string | undefined> },
) => Promise<HttpResponse | undefined>;

export interface HttpHandlerOptions {
  clock?: Clock;
  /** The record kinds the module's routes reference (functions/app/records.ts). */
  records?: RecordKinds;
  /** The record kinds its routes' `expand` relations name (functions/app/expansions.ts). */
  expansions?: ExpandableKinds;
  renderError?: ErrorRenderer;
}

const requests = new WeakMap<object, { route: AnyRoute; http: HttpRequest<AnyRoute>; expand: string[] }>();

function principalOf(route: AnyRoute, event: HttpEvent): Principal | undefined {
  if (route.access === 'public') return undefined;
  const auth = event.requestContext.authorizer?.lambda;
  if (auth && String(auth.unavailable) === 'true')
    throw new UnavailableError(auth.reason ?? 'Try again shortly.', 1);
  if (route.access === 'operator') {
    if (String(auth?.operator) !== 'true') throw noSuchRoute(event.requestContext.http.method, event.rawPath);
    return undefined;
  }
  if (!auth || String(auth.authenticated) !== 'true' || !auth.tenantId || !auth.memberId || !auth.role) {
    throw new UnauthorizedError(
      auth?.reason ?? 'Send an API key as `Authorization: Bearer <key>`; create keys at POST /v1/api-keys.',
    );
  }
  if (!route.access.includes(auth.role)) {
    throw new ForbiddenError(`The ${auth.role} role may not ${route.summary.toLowerCase()}.`, {
      requiredRoles: route.access,
    });
  }
  assertMayWrite(route, String(auth.frozen) === 'true');
  assertWithinApiQuota(route, auth.apiQuotaUntil);
  return {
    tenantId: auth.tenantId,
    memberId: auth.memberId,
    role: auth.role,
    ...(auth.keyId ? { keyId: auth.keyId } : {}),
  };
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/;

/**
 * The one place a frozen tenant's writes are refused, for every route at once: a tenant whose
 * deletion an admin confirmed reads, exports and cancels, and changes nothing else.
 */
function assertMayWrite(route: AnyRoute, frozen: boolean): void {
  if (!frozen || READS.has(route.method) || route.whileFrozen) return;
  throw new ConflictError(
    'The tenant is frozen: its deletion was confirmed. Reads and exports still work; an admin can cancel the deletion with DELETE /v1/tenant/deletion.',
    { reason: 'tenant_frozen' },
  );
}

/**
 * A tenant that used up its plan's API calls for the day (docs/subscriptions.md) is answered 429
 * on every metered route until its next midnight; `unmetered` routes (its subscription) still work.
 */
function assertWithinApiQuota(route: AnyRoute, until: string | undefined): void {
  if (!until || route.unmetered) return;
  const seconds = Math.ceil((Date.parse(until) - systemClock.now().getTime()) / 1000);
  if (!(seconds > 0)) return;
  throw new RateLimitedError(
    `The tenant has made the API calls its plan allows today; they are allowed again from ${until}.`,
    { reason: 'quota_exceeded', quota: 'apiCallsPerDay', until },
    seconds,
  );
}

/**
 * The API conventions, applied to every route by one middleware rather than by each handler:
 * request id, authentication and roles, body limits and parsing, validation with field paths,
 * conditional requests, and problem+json for every error.
 */
function httpConventions(
  routes: Record<string, AnyRoute>,
  options: HttpHandlerOptions,
): MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  const byKey = new Map(Object.values(routes).map((r) => [routeKey(r), r]));
  const clock = options.clock ?? systemClock;
  return {
    before: async (request: Request<HttpEvent, HttpResponse, Error, Context>) => {
      const event = request.event;
      const requestId = event.requestContext.requestId;
      const route = byKey.get(event.routeKey);
      if (!route) throw new NotFoundError('Route', event.routeKey);
      const principal = principalOf(route, event);
      // `expand` is not a field of the route's query: it is taken out before the strict check.
      if (route.expand && event.queryStringParameters)
        event.queryStringParameters = { ...event.queryStringParameters };
      const expand = takeExpand(route, event.queryStringParameters);
      const input = parseInput(route, event);
      const logger = withKeys({
        requestId,
        tenantId: principal?.tenantId,
        route: event.routeKey,
        correlationId: correlationId(),
      });
      const contextFor = (tenantId: TenantId, actor: Actor) =>
        tenantContext({ tenantId, actor, clock, requestId, fenced: true });
      const callerCtx = principal
        ? contextFor(asTenantId(principal.tenantId), {
            type: 'member',
            memberId: principal.memberId,
            role: principal.role,
            ...(principal.keyId ? { keyId: principal.keyId } : {}),
          })
        : undefined;
      // A request naming records that do not exist is refused (422) before the operation runs; on
      // a route that addresses a resource, only once the resource is known to exist (another
      // tenant's resource answers 404 first), else when the request's write would commit.
      const references = callerCtx ? referencesIn(route.references, input.body, 'body') : [];
      const addressed = route.resource
        ? { kind: route.resource, id: String((input.params as Record<string, unknown>)?.id) }
        : undefined;
      const checked = references.length
        ? await checkReferences(callerCtx!, references, options.records ?? {}, addressed)
        : undefined;
      if (checked && (!route.path.includes('{') || checked.resourceExists)) assertReferencesExist(checked);
      const ctx = checked ? { ...callerCtx!, references: checked } : callerCtx;
      const http: HttpRequest<AnyRoute> = {
        params: input.params as never,
        query: input.query as never,
        body: input.body as never,
        headers: event.headers ?? {},
        requestId,
        ifMatch: parseIfMatch(event.headers?.['if-match']),
        principal,
        get ctx(): TenantContext {
          if (!ctx) throw new Error(`${event.routeKey} is public: it has no caller tenant context.`);
          return ctx;
        },
        contextFor,
        logger,
        event,
      };
      requests.set(event, { route, http, expand });
    },
    onError: async (request) => {
      const event = request.event;
      const requestId = event.requestContext?.requestId ?? 'unknown';
      const error = request.error;
      const logger = withKeys({ requestId, route: event.routeKey, correlationId: correlationId() });
      if (isDomainError(error)) logger.info('request refused', { kind: error.kind, detail: error.message });
      else logger.error('request failed', error as Error);
      const problem = problemFor(error, requestId, event.rawPath);
      const retryAfter = retryAfterOf(error);
      const rendered = await options
        .renderError?.(problem, { route: byKey.get(event.routeKey), headers: event.headers ?? {} })
        .catch((failure: unknown) => {
          logger.error('error page failed', failure as Error);
          return undefined;
        });
      request.response =
        rendered ??
        problemResponse(problem, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
    },
  };
}

function serialize(
  route: AnyRoute,
  result: unknown,
  requestId: string,
  location?: { template: string; params: unknown },
): HttpResponse {
  const replyOf = result instanceof Reply ? result : new Reply(result);
  const status = replyOf.init.status ?? route.response.status;
  const headers: Record<string, string> = { 'x-request-id': requestId, ...replyOf.init.headers };
  if (replyOf.body === undefined || status === 204) return { statusCode: status, headers };
  // Text of a route whose representation is not JSON (a page, even when it answers a problem
  // document), or in a non-JSON representation it negotiated (CSV), is sent as it is.
  const negotiated = replyOf.init.headers?.['content-type'];
  const declared = route.response.contentType;
  const text = [declared, negotiated].find((type) => type && !type.includes('json'));
  if (typeof replyOf.body === 'string' && text) {
    headers['content-type'] ??= text;
    return { statusCode: status, headers, body: replyOf.body };
  }
  // Shape the output through the response schema: unknown (internal) attributes never leave.
  const body = route.response.schema ? route.response.schema.parse(replyOf.body) : replyOf.body;
  const version =
    replyOf.init.version ?? (route.versioned ? (body as { version?: unknown })?.version : undefined);
  if (typeof version === 'number') headers.etag = etag(version);
  if (location && status === 201 && headers.location === undefined) {
    const path = fillLocation(location.template, body, location.params as Record<string, unknown>);
    if (path) headers.location = path;
  }
  headers['content-type'] ??= 'application/json';
  headers['cache-control'] ??= 'no-store';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}

/** Whether the route's response declares secret fields (see ../secret-fields.ts). */
export function carriesSecrets(route: AnyRoute): boolean {
  return hasSecretFields(route.response.schema);
}

/** A serialized JSON response without its secret fields: what an idempotency record may keep. */
function withoutSecretFields(route: AnyRoute, response: HttpResponse): HttpResponse {
  if (typeof response.body !== 'string' || !route.response.schema) return response;
  const body = withoutSecrets(route.response.schema, JSON.parse(response.body));
  return { ...response, body: JSON.stringify(body) };
}

/**
 * Builds the Lambda handler of a module's HTTP function from its route declarations and one
 * operation per route. The operation reads like a sentence: take the parsed input, call a service.
 */
export function httpHandler<Routes extends Record<string, AnyRoute>>(
  routes: Routes,
  operations: Operations<Routes>,
  options: HttpHandlerOptions = {},
) {
  // A route that declares references cannot check them without the record kinds: say so when the
  // function loads, not as a 500 on the first request that names a record.
  for (const r of Object.values(routes)) {
    const unknown = Object.values(r.references ?? {}).filter(
      (k) => !k.startsWith('@') && !options.records?.[k],
    );
    if (unknown.length)
      throw new Error(`${routeKey(r)} references ${unknown.join(', ')}: pass records to httpHandler.`);
  }
  const operationByRoute = new Map<AnyRoute, Operation<AnyRoute>>(
    Object.entries(routes).map(([name, r]) => [r, operations[name] as Operation<AnyRoute>]),
  );
  // Found on a route's first request: walking every response schema at load would build them all
  // (schemas are built on first use, ../lazy.ts).
  const secretive = new Map<AnyRoute, boolean>();
  const carries = (route: AnyRoute) => {
    let answer = secretive.get(route);
    if (answer === undefined) {
      answer = carriesSecrets(route);
      secretive.set(route, answer);
    }
    return answer;
  };
  const locations = new Map(
    Object.values(routes).flatMap((r) => {
      const template = locationTemplate(r, Object.values(routes));
      return template ? [[r, template] as const] : [];
    }),
  );
  const base = async (event: HttpEvent, context: Context): Promise<HttpResponse> => {
    const { route, http, expand } = requests.get(event)!;
    const operation = operationByRoute.get(route)!;
    // Only a version the caller read (If-Match: "<n>") pins a write; otherwise a write that lost a
    // race to another is applied again on the new version (last writer wins).
    const pinned = typeof http.ifMatch === 'number';
    const execute = async () => {
      const response = serialize(
        route,
        await lastWriterWins(pinned, () => operation(http)),
        http.requestId,
        locations.has(route) ? { template: locations.get(route)!, params: http.params } : undefined,
      );
      if (!expand.length || response.statusCode !== 200 || typeof response.body !== 'string') return response;
      // After the response schema has shaped the record: `expanded` is not one of its fields.
      const body = JSON.parse(response.body) as Record<string, unknown>;
      await expandBody(http.ctx, route, expand, body, options.expansions ?? {});
      return { ...response, body: JSON.stringify(body) };
    };
    const key = http.headers['idempotency-key'];
    const idempotent = route.idempotent ?? route.method === 'POST';
    if (key === undefined || !idempotent || !http.principal) return execute();
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new BadRequestError('Idempotency-Key must be 8 to 128 letters, digits or - _ : . characters.');
    }
    // The idempotency record keeps what the function returns. A response with secret fields is
    // kept without them, and the caller of this first request gets the whole response.
    let first: HttpResponse | undefined;
    const keep = async () => {
      first = await execute();
      return carries(route) ? withoutSecretFields(route, first) : first;
    };
    // Powertools' idempotency utility and its JMESPath engine are evaluated on the first request
    // that carries a key, not at every cold start: most requests carry none.
    const { idempotently } = await import('./idempotency.ts');
    const kept = await idempotently<HttpResponse>(
      http.ctx,
      context,
      { routeKey: event.routeKey, key, params: http.params ?? null, body: http.body ?? null },
      keep,
    ).catch((error: unknown) => {
      // The change was made but its answer could not be kept for replays: the caller still gets
      // the answer of what was done, not a 500 that invites it to do it again.
      if (first === undefined || isDomainError(error)) throw error;
      http.ctx.logger.error('the idempotency record of a completed request was not saved', error as Error);
      return first;
    });
    const response = first ?? kept;
    return { ...response, headers: { ...response.headers, 'x-request-id': http.requestId } };
  };
  const handler = middy<HttpEvent, HttpResponse, Error, Context>()
    .use(httpConventions(routes, options))
    .handler(base);
  // The whole invocation, conventions included, runs as part of the caller's action: its
  // `X-Correlation-Id` when it sent a well-formed one, else this request's id, echoed back.
  return (event: HttpEvent, context: Context): Promise<HttpResponse> => {
    const id =
      correlationFrom(event.headers?.[CORRELATION_HEADER]) ?? event.requestContext?.requestId ?? undefined;
    return withCorrelation(id, async () => {
      const response = await handler(event, context);
      withKeys({ route: event.routeKey, correlationId: correlationId() }).info('request', {
        function: context.functionName,
        status: response.statusCode,
      });
      const headers: Record<string, string> = { ...(response.headers as Record<string, string>) };
      headers[CORRELATION_HEADER] = correlationId()!;
      return { ...response, headers };
    });
  };
}
