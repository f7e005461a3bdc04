import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { type HttpEvent, httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { platformRoutes } from '../app/platform.ts';
import { GETTING_STARTED } from './getting-started.ts';

/**
 * The API reference: the OpenAPI document and a Swagger UI page served from the project's own
 * copy of swagger-ui-dist (no CDN). In Lambda the stack copies the UI files next to the bundle
 * (DOCS_ASSET_DIR); locally they are read from node_modules.
 */
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
]);

const assetDir =
  process.env.DOCS_ASSET_DIR ??
  dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const DESCRIPTION = `Funnel CRM: contacts and companies, sales, invoicing with dunning, tasks and automation,
email marketing and surveys, for each tenant (a company) and its members.

Authenticate with an API key: \`Authorization: Bearer fcrm_...\`. Sign up with \`POST /v1/tenants\` to get the first one.

Conventions: lists take \`limit\` (at most 100) and an opaque \`cursor\` and answer \`{ items, nextCursor }\`;
reads return an \`ETag\`, updates accept \`If-Match\` (412 when stale); creations accept an \`Idempotency-Key\`;
every error is an RFC 9457 problem document with a \`requestId\` and, for invalid input, \`errors[{ path, message }]\`.

${GETTING_STARTED}`;

let document: Record<string, unknown> | undefined;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Funnel CRM API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<noscript>
<p>This reference needs JavaScript to show the operations. Without it, read the OpenAPI document itself:
<a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
</noscript>
<div id="api-reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#api-reference', deepLinking: true, persistAuthorization: true, filter: true, docExpansion: 'none' });
</script>
</body>
</html>`;

const served = httpHandler(platformRoutes, {
  // Every route's declaration and schema, and the builder: imported by the document's request
  // only (a chunk of the split bundle), not by the page and its assets, nor at cold start.
  openApi: async () => {
    const [{ buildOpenApi }, { application }] = await Promise.all([
      import('../../shared/platform/http/openapi.ts'),
      import('../app/index.ts'),
    ]);
    document ??= buildOpenApi(application.routes, {
      title: 'Funnel CRM API',
      version: '1.0.0',
      description: DESCRIPTION,
      tags: application.tags,
      tagGroups: application.tagGroups,
    });
    return document;
  },
  docsPage: async () =>
    reply(page, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        // Swagger UI runs its own scripts and styles: only framing, sniffing and referrers are fenced.
        'content-security-policy': "frame-ancestors 'none'; base-uri 'none'",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    }),
  docsAsset: async ({ params }) => {
    const contentType = ASSETS.get(params.asset);
    if (!contentType) throw new NotFoundError('Documentation file', params.asset);
    return reply(readFileSync(join(assetDir, params.asset), 'utf8'), {
      headers: { 'content-type': contentType, 'cache-control': 'public, max-age=86400' },
    });
  },
});

/**
 * The document (about 1.7 MB with its examples) and the UI files are large and change only with a
 * deployment: they are sent compressed to clients that accept gzip, with an ETag so a browser
 * revalidates with a 304 instead of downloading them again.
 */
const CACHEABLE = new Set(['GET /v1/openapi.json', 'GET /docs/{asset}']);
const compressed = new Map<string, { etag: string; gzip: string }>();

function cacheable(event: HttpEvent, response: APIGatewayProxyStructuredResultV2) {
  if (response.statusCode !== 200 || typeof response.body !== 'string' || response.isBase64Encoded)
    return response;
  const known = compressed.get(response.body) ?? {
    etag: `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 27)}"`,
    gzip: gzipSync(response.body).toString('base64'),
  };
  compressed.set(response.body, known);
  const headers = {
    ...response.headers,
    etag: known.etag,
    'cache-control': 'public, max-age=300, must-revalidate',
    vary: 'accept-encoding',
  };
  const requested = event.headers?.['if-none-match'];
  if (requested?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === known.etag))
    return { statusCode: 304, headers };
  const accepts = /\bgzip\b/.test(event.headers?.['accept-encoding'] ?? '');
  return accepts
    ? {
        ...response,
        headers: { ...headers, 'content-encoding': 'gzip' },
        body: known.gzip,
        isBase64Encoded: true,
      }
    : { ...response, headers };
}

export const handler = async (event: HttpEvent, context: Context) => {
  const response = (await served(event, context)) as APIGatewayProxyStructuredResultV2;
  return CACHEABLE.has(event.routeKey) ? cacheable(event, response) : response;
};
