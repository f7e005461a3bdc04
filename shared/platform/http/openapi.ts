import * as z from 'zod/mini';
import type { ProblemKind } from '../errors.ts';
import { namedSchemas, type SchemaMeta } from '../schema.ts';
import { isSecretField, secretFieldNames } from '../secret-fields.ts';
import { addExamples, describeComponents, describeExpand } from './openapi-reference.ts';
import { problemType, statusForKind, titleForKind } from './problem.ts';
import { type AnyRoute, isTenantRoute, locationTemplate } from './route.ts';

/**
 * The OpenAPI 3.1 document, generated from the route declarations and the same zod schemas that
 * validate requests (zod's own JSON Schema generator; OpenAPI 3.1 schemas are JSON Schema 2020-12).
 * Named schemas become components. Request schemas are generated in zod's "input" mode (defaults
 * optional) and responses in "output" mode; when the two differ, the input one is `<Name>Input`.
 */
type Json = Record<string, unknown>;

const COMMON_ERRORS: ProblemKind[] = [
  'bad_request',
  'validation',
  'unauthorized',
  'forbidden',
  'not_found',
  'payload_too_large',
  'rate_limited',
  'unavailable',
];
const PUBLIC_ERRORS: ProblemKind[] = [
  'bad_request',
  'validation',
  'not_found',
  'payload_too_large',
  'rate_limited',
  'unavailable',
];

const RETRY_AFTER = {
  description: 'Seconds to wait before sending the same request again.',
  schema: { type: 'integer' },
};

/** Every operation can fail on our side; the body never says why, only the request id. */
const INTERNAL_ERROR: Json = {
  description: `${problemType('internal')}: our fault; quote the requestId to support.`,
  content: {
    'application/problem+json': {
      schema: { $ref: '#/components/schemas/Problem' },
      example: {
        type: problemType('internal'),
        title: 'Internal error',
        status: 500,
        detail:
          'Something went wrong on our side. Retry later; if it persists, contact support with the request id.',
        requestId: 'c0a8012e-5b1f-4d2a-9e3c-7f6b5a4d3c2b',
      },
    },
  },
};

function roleSentence(route: AnyRoute): string {
  return isTenantRoute(route) ? `Roles allowed: ${route.access.join(', ')}.` : 'Public: no API key needed.';
}

const ref = (id: string) => `#/components/schemas/${id}`;

function generate(
  io: 'input' | 'output',
  extra: Array<{ schema: z.ZodMiniType; meta: SchemaMeta }>,
  suffix: string,
) {
  const registry = z.registry<SchemaMeta>();
  for (const { schema, meta } of [...namedSchemas, ...extra]) {
    if (!registry.has(schema)) registry.add(schema, meta);
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => ref(`${id}${suffix}`),
    override: io === 'input' ? closeObjects : describeSecrets,
  }) as { schemas: Record<string, Json> };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    out[`${id}${suffix}`] = (io === 'input' ? rest : openObjects(rest)) as Json;
  }
  return out;
}

/**
 * Requests are strict (a field the schema does not declare is refused, see ../input.ts), so every
 * request object without a catch-all is documented as closed.
 */
function closeObjects(ctx: { zodSchema: unknown; jsonSchema: Json }) {
  const def = (ctx.zodSchema as { _zod: { def: { type: string; catchall?: unknown } } })._zod.def;
  if (def.type === 'object' && def.catchall === undefined) ctx.jsonSchema.additionalProperties = false;
}

const SECRET_NOTE =
  'A secret: it is in the response to the request that made it, never stored in plain text, and left out when an `Idempotency-Key` replays that response.';

/** Secret fields (../secret-fields.ts) say so, and are not required: a replay leaves them out. */
function describeSecrets(ctx: { zodSchema: unknown; jsonSchema: Json }) {
  if (isSecretField(ctx.zodSchema)) {
    const own = ctx.jsonSchema.description;
    ctx.jsonSchema.description = typeof own === 'string' ? `${own} ${SECRET_NOTE}` : SECRET_NOTE;
  }
  const secret = secretFieldNames(ctx.zodSchema as z.ZodMiniType);
  if (secret.length && Array.isArray(ctx.jsonSchema.required)) {
    const required = (ctx.jsonSchema.required as string[]).filter((name) => !secret.includes(name));
    if (required.length) ctx.jsonSchema.required = required;
    else delete ctx.jsonSchema.required;
  }
}

/**
 * Responses may gain fields over time, so no response object is documented as closed:
 * `additionalProperties: false` is dropped everywhere in them.
 */
function openObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(openObjects);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
        .map(([k, v]) => [k, openObjects(v)]),
    );
  }
  return value;
}

function rewriteRefs(value: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && map.has(v) ? map.get(v) : rewriteRefs(v, map),
      ]),
    );
  }
  return value;
}

/** Component ids reachable from `roots` through `$ref`s. */
function reachable(roots: string[], pool: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !pool[id]) return;
    seen.add(id);
    JSON.stringify(pool[id], (key, value) => {
      if (key === '$ref' && typeof value === 'string') visit(value.replace('#/components/schemas/', ''));
      return value;
    });
  };
  for (const root of roots) visit(root);
  return seen;
}

function problemSchemas(): Record<string, Json> {
  return {
    Problem: {
      type: 'object',
      description: 'An RFC 9457 problem document. Every error response has this shape.',
      properties: {
        type: {
          type: 'string',
          description: 'A URN naming the kind of problem, e.g. urn:funnel:problem:not-found.',
        },
        title: { type: 'string', description: 'A short summary of the kind of problem.' },
        status: { type: 'integer', description: 'The HTTP status code.' },
        detail: { type: 'string', description: 'What went wrong with this request, in English.' },
        instance: { type: 'string', description: 'The path of the request.' },
        requestId: { type: 'string', description: 'Quote it when asking support about this request.' },
        errors: {
          type: 'array',
          description: 'For invalid requests: each invalid field and what is wrong with it.',
          items: {
            type: 'object',
            properties: {
              path: {
                type: 'string',
                examples: ['body.email'],
                description: 'Where: `body.`, `query.` or `path.` followed by the field path.',
              },
              message: { type: 'string', description: 'What is wrong with the field, in English.' },
            },
            required: ['path', 'message'],
          },
        },
      },
      required: ['type', 'title', 'status', 'detail', 'requestId'],
    },
  };
}

function objectParameters(schema: Json | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(property.description ? { description: property.description } : {}),
    ...(property.examples ? { example: (property.examples as unknown[])[0] } : {}),
    schema: property,
  }));
}

const mediaTypeOf: Record<NonNullable<AnyRoute['bodyEncoding']>, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  text: 'text/csv',
};

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  /** One sentence per tag: what the group of operations is for. */
  tags: Record<string, string>;
  /** Tags grouped by the module that declares them, in the order the reference lists them. */
  tagGroups?: Array<{ name: string; tags: string[] }>;
}

/**
 * The tenants' API reference. Operator routes are left out: to anyone but the operator they do
 * not exist (docs/operator.md describes them).
 */
export function buildOpenApi(allRoutes: AnyRoute[], info: OpenApiInfo): Json {
  const routes = allRoutes.filter((route) => route.access !== 'operator');
  const inputs: Array<{ schema: z.ZodMiniType; meta: SchemaMeta }> = [];
  const outputs: Array<{ schema: z.ZodMiniType; meta: SchemaMeta }> = [];
  const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const idOf = (schema: z.ZodMiniType, fallback: string, into: typeof inputs) => {
    const known = namedSchemas.find((n) => n.schema === schema) ?? into.find((n) => n.schema === schema);
    if (known) return known.meta.id;
    into.push({ schema, meta: { id: fallback } });
    return fallback;
  };
  /** Path and query objects are spread into parameters, not kept as components. */
  const parameterObjects = new Set<string>();
  const track = (id: string) => {
    if (!namedSchemas.some((n) => n.meta.id === id)) parameterObjects.add(id);
    return id;
  };
  const plan = routes.map((route) => {
    const name = pascal(route.operationId);
    return {
      route,
      params: route.params ? track(idOf(route.params, `${name}Params`, inputs)) : undefined,
      query: route.query ? track(idOf(route.query, `${name}Query`, inputs)) : undefined,
      body: route.body ? idOf(route.body, `${name}Body`, inputs) : undefined,
      response: route.response.schema ? idOf(route.response.schema, `${name}Response`, outputs) : undefined,
    };
  });

  const outputPool = generate('output', outputs, '');
  const inputPool = generate('input', inputs, 'Input');
  const responseRoots = plan.flatMap((p) => (p.response ? [p.response] : []));
  const requestRoots = plan.flatMap((p) =>
    [p.params, p.query, p.body].filter((id): id is string => !!id).map((id) => `${id}Input`),
  );
  const usedOutputs = reachable(responseRoots, outputPool);
  const usedInputs = reachable(requestRoots, inputPool);

  // Input schemas take their plain name when no response uses that name, or when they are
  // identical to the output schema of that name (nested ones may only become identical once
  // their children are, hence the loop).
  const alias = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of usedInputs) {
      if (alias.has(ref(id))) continue;
      const base = id.slice(0, -'Input'.length);
      const same =
        !usedOutputs.has(base) ||
        JSON.stringify(rewriteRefs(inputPool[id], alias)) === JSON.stringify(outputPool[base]);
      if (same) {
        alias.set(ref(id), ref(base));
        changed = true;
      }
    }
  }
  // An input schema that keeps its `Input` suffix must not take the name of a response schema
  // (marketing's response `SenderInput` against the input form of tenancy's `Sender`).
  for (const id of usedInputs) {
    if (alias.has(ref(id)) || !usedOutputs.has(id)) continue;
    const renamed = `${id.slice(0, -'Input'.length)}Request`;
    if (usedOutputs.has(renamed) || usedInputs.has(renamed))
      throw new Error(`OpenAPI: no free component name for the input schema ${id}.`);
    alias.set(ref(id), ref(renamed));
  }
  const components: Record<string, Json> = { ...problemSchemas() };
  for (const id of usedOutputs) components[id] = outputPool[id]!;
  for (const id of usedInputs) {
    const name = (alias.get(ref(id)) ?? ref(id)).replace('#/components/schemas/', '');
    components[name] ??= rewriteRefs(inputPool[id], alias) as Json;
  }
  const inputRef = (id: string) => alias.get(ref(`${id}Input`)) ?? ref(`${id}Input`);
  describeComponents(
    components,
    new Set([...parameterObjects].map((id) => inputRef(id).replace('#/components/schemas/', ''))),
  );
  const resolve = (pointer: string): Json | undefined =>
    components[pointer.replace('#/components/schemas/', '')];

  const paths: Record<string, Record<string, Json>> = {};
  for (const { route, params, query, body, response } of plan) {
    const isPublic = route.access === 'public';
    const kinds = [
      ...new Set([
        ...(isPublic ? PUBLIC_ERRORS : COMMON_ERRORS),
        ...(route.errors ?? []),
        // A field naming a record the tenant does not have (platform/references.ts).
        ...(route.references ? (['unprocessable'] as const) : []),
      ]),
    ];
    const statuses = [...new Set(kinds.map(statusForKind))].sort();
    const errorResponses: Record<string, Json> = Object.fromEntries(
      statuses.map((status) => [
        String(status),
        {
          description: kinds
            .filter((k) => statusForKind(k) === status)
            .map((k) => problemType(k))
            .join(', '),
          ...(status === 429 || status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
          content: {
            'application/problem+json': {
              schema: { $ref: ref('Problem') },
              example: problemExample(kinds.find((k) => statusForKind(k) === status)!, route.path),
            },
          },
        },
      ]),
    );
    errorResponses['500'] = INTERNAL_ERROR;
    const success: Json = { description: route.response.description ?? route.summary };
    if (response) success.content = { 'application/json': { schema: { $ref: ref(response) } } };
    else if (route.response.contentType) success.content = { [route.response.contentType]: { schema: {} } };
    for (const alternative of route.response.alternatives ?? [])
      success.content = { ...(success.content as object), [alternative]: { schema: { type: 'string' } } };
    const headers: Json = {};
    if (route.versioned)
      headers.ETag = {
        description: 'The version; send it back in If-Match to update.',
        schema: { type: 'string' },
      };
    const location = locationTemplate(route, routes);
    if (location)
      headers.Location = {
        description: `Where the created resource is read: \`${location}\`.`,
        schema: { type: 'string' },
      };
    if (Object.keys(headers).length) success.headers = headers;
    const parameters = [
      ...objectParameters(params ? resolve(inputRef(params)) : undefined, 'path'),
      ...objectParameters(query ? resolve(inputRef(query)) : undefined, 'query'),
    ];
    if (route.expand) {
      const names = Object.keys(route.expand);
      parameters.push({
        name: 'expand',
        in: 'query',
        required: false,
        description: describeExpand(route.expand),
        schema: { type: 'string', examples: [names.join(',')] },
        example: names.join(','),
      } as never);
    }
    if (route.versioned && ['PATCH', 'PUT', 'DELETE'].includes(route.method)) {
      parameters.push({
        name: 'If-Match',
        in: 'header',
        required: false,
        description: 'The ETag you read; the change is refused with 412 if the resource changed since.',
        schema: { type: 'string' },
      } as never);
    }
    if (route.idempotent ?? route.method === 'POST') {
      if (!isPublic) {
        parameters.push({
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Retry-safe creation: the same key and body return the first response; another body gets 422.',
          schema: { type: 'string', minLength: 8, maxLength: 128 },
        } as never);
      }
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      description: [route.description ?? `${route.summary}.`, roleSentence(route)].join('\n\n'),
      tags: route.tags,
      ...(isPublic ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: { [mediaTypeOf[route.bodyEncoding ?? 'json']]: { schema: { $ref: inputRef(body) } } },
            },
          }
        : {}),
      responses: { [String(route.response.status)]: success, ...errorResponses },
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }

  for (const id of parameterObjects) {
    delete components[inputRef(id).replace('#/components/schemas/', '')];
  }
  addExamples(paths, components);
  const used = new Set(routes.flatMap((r) => r.tags));
  const groups = (info.tagGroups ?? [])
    .map((group) => ({ name: group.name, tags: group.tags.filter((t) => used.has(t)) }))
    .filter((group) => group.tags.length);
  const grouped = new Set(groups.flatMap((g) => g.tags));
  const order = [...groups.flatMap((g) => g.tags), ...[...used].filter((t) => !grouped.has(t))];
  const tags = order.map((name) => ({ name, description: info.tags[name] ?? name }));
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'This deployment' }],
    security: [{ apiKey: [] }],
    tags,
    ...(groups.length ? { 'x-tagGroups': groups } : {}),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'fcrm_ API key',
          description:
            'An API key created at sign-up or with POST /v1/api-keys, sent as `Authorization: Bearer <key>`.',
        },
      },
    },
  };
}

function problemExample(kind: ProblemKind, path: string): Json {
  return {
    type: problemType(kind),
    title: titleForKind(kind),
    status: statusForKind(kind),
    detail: kind === 'validation' ? 'The request has invalid fields.' : `${titleForKind(kind)}.`,
    instance: path,
    requestId: 'c0a8012e-5b1f-4d2a-9e3c-7f6b5a4d3c2b',
    ...(kind === 'validation'
      ? { errors: [{ path: 'body.email', message: 'Must be an email address.' }] }
      : {}),
  };
}
