import * as z from 'zod/mini';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { defineModule } from './types.ts';

/** Platform functions every module relies on: authorizer, API docs, fallback, the event publisher. */
export const platformRoutes = {
  openApi: route({
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    function: 'api-docs',
    access: 'public',
    summary: 'Get the OpenAPI document',
    tags: ['Platform'],
    response: {
      status: 200,
      contentType: 'application/json',
      description: 'OpenAPI 3.1 document of this API.',
    },
  }),
  docsPage: route({
    operationId: 'getDocsPage',
    method: 'GET',
    path: '/docs',
    function: 'api-docs',
    access: 'public',
    summary: 'Read the API documentation',
    tags: ['Platform'],
    response: { status: 200, contentType: 'text/html', description: 'Interactive API reference.' },
  }),
  docsAsset: route({
    operationId: 'getDocsAsset',
    method: 'GET',
    path: '/docs/{asset}',
    function: 'api-docs',
    access: 'public',
    summary: 'Get a file of the API documentation page',
    tags: ['Platform'],
    params: lazy(() => z.object({ asset: z.string().check(z.regex(/^[a-z0-9.-]+$/)) })),
    response: { status: 200, contentType: 'text/plain', description: 'A script, style sheet or image.' },
  }),
};

export const platform = /* @__PURE__ */ defineModule({
  name: 'platform',
  tags: { Platform: 'The API reference itself: this document and its documentation page.' },
  functions: [
    {
      name: 'authorizer',
      entry: 'functions/http/authorizer.ts',
      description: 'Resolves an API key to its tenant, member and role.',
      permissions: ['table:tenant'],
      memoryMb: 256,
    },
    {
      name: 'api-docs',
      entry: 'functions/http/docs.ts',
      description: 'Serves the OpenAPI document and the documentation page.',
      permissions: [],
    },
    {
      name: 'fallback',
      entry: 'functions/http/fallback.ts',
      description: 'Answers requests that match no route with a 404 problem.',
      permissions: [],
      memoryMb: 128,
    },
    {
      name: 'publish-events',
      entry: 'functions/streams/publish-events.ts',
      description: 'Publishes outbox items from the table stream to the domain event bus.',
      permissions: ['events:put'],
    },
    {
      name: 'write-derived',
      entry: 'functions/streams/write-derived.ts',
      description: 'Writes the history and timeline entries of committed changes, after the change.',
      permissions: ['table:write'],
    },
  ],
  routes: platformRoutes,
  rateLimits: [
    {
      name: 'api-per-key',
      description:
        "Each credential's share of the whole API (an API key, an operator key or a console session), so that one tenant's script cannot starve the others.",
      operations: 'api',
      per: 'credential',
      limit: 1200,
      windowSeconds: 60,
    },
  ],
  streams: [
    {
      name: 'outbox',
      description: 'Domain events written to the outbox in the same transaction as their change.',
      target: 'publish-events',
      filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['DomainEvent'] } } } }],
      batchSize: 100,
      retryAttempts: 10,
    },
    {
      name: 'derived-items',
      description:
        'Items a change derived (history and timeline entries), carried on its outbox item and written after it commits.',
      target: 'write-derived',
      filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { derives: { BOOL: [true] } } } }],
      batchSize: 100,
      retryAttempts: 10,
    },
  ],
});
