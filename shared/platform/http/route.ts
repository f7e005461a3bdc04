import type * as z from 'zod/mini';
import type { Role } from '../auth.ts';
import type { ProblemKind } from '../errors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Schema = z.ZodMiniType;

/**
 * One HTTP operation, declared once. API Gateway (in CDK), the local runtime, the handler's
 * validation and the OpenAPI document are all derived from this object.
 */
export interface RouteSpec<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  operationId: string;
  method: HttpMethod;
  /** API Gateway route path with `{name}` parameters, e.g. `/v1/contacts/{id}`. */
  path: string;
  /** Name of the declared function that serves the route. */
  function: string;
  /**
   * `public` routes skip the authorizer; `operator` routes admit only an operator key (anyone else
   * gets the 404 of a route that does not exist); otherwise the member roles admitted (others 403).
   */
  access: 'public' | 'operator' | readonly Role[];
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** How the body is encoded: JSON (default), an HTML form, or raw text such as CSV. */
  bodyEncoding?: 'json' | 'form' | 'text';
  response: {
    status: number;
    schema?: R;
    /** Defaults to application/json when a schema is given. */
    contentType?: string;
    /** Other representations the operation answers when the `Accept` header asks for them. */
    alternatives?: readonly string[];
    description?: string;
  };
  /** Accepts an `Idempotency-Key` header (true by default for POST). */
  idempotent?: boolean;
  /** The response carries an ETag and writes honour `If-Match`. */
  versioned?: boolean;
  /**
   * A write a frozen tenant (its deletion confirmed, docs/tenant-exit.md) may still make: cancel
   * the deletion, export. Every other write of a frozen tenant answers 409 `tenant_frozen`.
   */
  whileFrozen?: boolean;
  /**
   * Answered even when the tenant has used up its plan's API calls for the day (its subscription,
   * which says so); every other tenant route is metered (docs/subscriptions.md).
   */
  unmetered?: boolean;
  /**
   * Body fields naming other records of the tenant, by path (`lines.*.productId`) and record kind
   * (functions/app/records.ts): they must exist, else 422 naming the field (platform/references.ts).
   */
  references?: Record<string, string>;
  /**
   * The record kind the path's `{id}` names, on a route that declares references: the references
   * are then checked with it, before the operation (a missing resource still answers 404 first).
   */
  resource?: string;
  /**
   * Where a 201 points to (the `Location` header): a path whose `{name}`s are filled from the
   * response body, else from the path parameters. Without it, a route answering 201 at `/x` points
   * to `/x/{id}` when that route exists (see locationTemplate).
   */
  location?: string;
  /**
   * Relations a read or list offers in `?expand=` (shared/platform/http/expand.ts): by name, the
   * id field of the record (an id or a list of ids) and the kind of record it names.
   */
  expand?: Record<string, Expansion>;
  /** Problems this operation answers besides the ones every route can (400, 401, 403, 404, 413). */
  errors?: ProblemKind[];
}

export interface Expansion {
  field: string;
  /** A kind of functions/app/expansions.ts. */
  kind: string;
}

export type AnyRoute = RouteSpec<
  Schema | undefined,
  Schema | undefined,
  Schema | undefined,
  Schema | undefined
>;

export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec<P, Q, B, R> {
  return spec;
}

export function routeKey(route: Pick<AnyRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

type Out<S> = S extends Schema ? z.infer<S> : undefined;
export type ParamsOf<R> =
  R extends RouteSpec<infer P, Schema | undefined, Schema | undefined, Schema | undefined> ? Out<P> : never;
export type QueryOf<R> =
  R extends RouteSpec<Schema | undefined, infer Q, Schema | undefined, Schema | undefined> ? Out<Q> : never;
export type BodyOf<R> =
  R extends RouteSpec<Schema | undefined, Schema | undefined, infer B, Schema | undefined> ? Out<B> : never;
export type ResponseOf<R> =
  R extends RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined, infer S>
    ? S extends Schema
      ? z.input<S>
      : unknown
    : never;

/**
 * The `Location` template of a route answering 201: its own declaration, else the read of the
 * created record beside it (`POST /v1/contacts` → `/v1/contacts/{id}`) when the routes have it.
 */
export function locationTemplate(route: AnyRoute, routes: readonly AnyRoute[]): string | undefined {
  if (route.response.status !== 201) return undefined;
  if (route.location) return route.location;
  const read = `${route.path}/{id}`;
  return routes.some((r) => r.method === 'GET' && r.path === read) ? read : undefined;
}

/** A Location template filled from the created record and the request's path parameters. */
export function fillLocation(
  template: string,
  body: unknown,
  params: Record<string, unknown> | undefined,
): string | undefined {
  let complete = true;
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (body as Record<string, unknown> | undefined)?.[name] ?? params?.[name];
    if (typeof value !== 'string' && typeof value !== 'number') complete = false;
    return encodeURIComponent(String(value));
  });
  return complete ? path : undefined;
}

/** Routes a tenant's members call: neither public nor the operator's. */
export function isTenantRoute(route: AnyRoute): route is AnyRoute & { access: readonly Role[] } {
  return typeof route.access !== 'string';
}
