import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { Application } from '../../functions/app/types.ts';
import { BadRequestError } from '../../shared/platform/errors.ts';
import { problemFor, problemResponse } from '../../shared/platform/http/problem.ts';
import { type AnyRoute, routeKey } from '../../shared/platform/http/route.ts';
import { rateLimitHeaders, rateLimitProblem } from '../rate-limits.ts';
import type { Clock, Invoke } from './aws/types.ts';
import { LocalRateLimits } from './rate-limits.ts';

/**
 * API Gateway (HTTP API, payload format 2.0) on one machine: the declared routes, the same
 * authorizer with the same result cache TTL, and the `$default` fallback. It adapts transport
 * only; every answer comes from the declared handler modules.
 *
 * One deliberate difference: in AWS, a request without an Authorization header never reaches
 * the authorizer (API Gateway answers 401 `{"message":"Unauthorized"}` itself, because the header
 * is the cache's identity source). Locally the authorizer is asked anyway, so the function's
 * 401 problem document is what comes back. docs/api-conventions.md says so.
 */

/** API Gateway refuses bodies over 10 MB before any function runs. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

const TEXT_TYPES =
  /^(text\/|application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml|javascript|x-ndjson)|multipart\/form-data)/;

interface CompiledRoute {
  route: AnyRoute;
  key: string;
  segments: string[];
  /** Literal segments first, then fewer parameters: API Gateway's most-specific-match rule. */
  specificity: number;
}

function compile(route: AnyRoute): CompiledRoute {
  const segments = route.path.split('/').filter(Boolean);
  const literals = segments.filter((s) => !s.startsWith('{')).length;
  return { route, key: routeKey(route), segments, specificity: literals * 1000 - segments.length };
}

export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { compiled: CompiledRoute; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < compiled.segments.length; i++) {
      const segment = compiled.segments[i]!;
      if (segment.endsWith('+}')) {
        params[segment.slice(1, -2)] = parts.slice(i).map(decodeURIComponent).join('/');
        i = compiled.segments.length;
        break;
      }
      const part = parts[i];
      if (part === undefined) {
        matched = false;
        break;
      }
      if (segment.startsWith('{')) params[segment.slice(1, -1)] = decodeURIComponent(part);
      else if (segment !== part) {
        matched = false;
        break;
      }
    }
    const greedy = compiled.segments.at(-1)?.endsWith('+}');
    if (!matched || (!greedy && parts.length !== compiled.segments.length)) continue;
    if (!best || compiled.specificity > best.compiled.specificity) best = { compiled, params };
  }
  return best;
}

/** A path whose percent-encoding does not decode to UTF-8 (`/v1/contacts/%FF`) matches no route. */
function decodablePath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** "12/Mar/2020:19:03:58 +0000", the format of requestContext.time. */
function gatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface ApiGatewayOptions {
  application: Application;
  invoke: Invoke;
  host: string;
  port: number;
  clock?: Clock;
  /** Override of the declared authorizer cache TTL (tests of revocation use 0). */
  authorizerCacheTtlSeconds?: number;
  /** The declared rate limits apply unless false (suites that sign up hundreds of tenants from one address). */
  rateLimits?: boolean;
  /**
   * Receives one line per request a tenant made, the fields of the access log API Gateway writes
   * (the subscription filters' lines; infra/local/aws/log-subscription.ts).
   */
  accessLog?: { write(line: Record<string, unknown>): void };
  /** Answers local-only paths (`/health`, `/_local/*`); returns false to fall through. */
  local?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
}

/** A route as the gateway serves it: its key, the function behind it, and whether the authorizer runs. */
export interface ServedRoute {
  routeKey: string;
  function: string;
  authorized: boolean;
}

/** What a limit over the whole API (`operations: 'api'`) counts, as a route key. */
export const API_ROUTE_KEY = 'ANY /v1/{proxy+}';

/** A rate limit as the gateway enforces it: the routes it counts, per what. */
export interface ServedRateLimit {
  name: string;
  limit: number;
  windowSeconds: number;
  per: 'client' | 'credential' | 'all';
  routeKeys: string[];
}

export interface ApiGateway {
  url: string;
  server: Server;
  /** What this gateway serves, including the `$default` fallback. */
  routes(): ServedRoute[];
  rateLimits(): ServedRateLimit[];
  close(): Promise<void>;
}

type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>;

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGateway> {
  const { application, invoke } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const routes = application.routes.map(compile);
  const ttlMs = (options.authorizerCacheTtlSeconds ?? application.authorizer.cacheTtlSeconds) * 1000;
  const authorizerCache = new Map<string, { result: AuthorizerResult; expires: number }>();
  const limits = new LocalRateLimits(options.rateLimits === false ? [] : application.rateLimits);

  const send = (res: ServerResponse, result: APIGatewayProxyStructuredResultV2) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {}))
      headers[name.toLowerCase()] = String(value);
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    const body =
      result.body === undefined
        ? undefined
        : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    if (body) headers['content-length'] = String(body.byteLength);
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(body);
  };
  const gatewayError = (res: ServerResponse, status: number, message: string, requestId: string) =>
    send(res, {
      statusCode: status,
      headers: { 'content-type': 'application/json', 'apigw-requestid': requestId },
      body: JSON.stringify({ message }),
    });

  const authorize = async (event: APIGatewayProxyEventV2): Promise<AuthorizerResult> => {
    const identity = event.headers.authorization ?? '';
    const now = clock.now().getTime();
    const cached = authorizerCache.get(identity);
    if (cached && cached.expires > now) return cached.result;
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${event.requestContext.http.method}${event.rawPath}`,
      identitySource: identity ? [identity] : [],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers: event.headers,
      queryStringParameters: event.queryStringParameters ?? {},
      requestContext: event.requestContext,
      pathParameters: event.pathParameters ?? {},
      stageVariables: {},
    } as APIGatewayRequestAuthorizerEventV2;
    const result = (await invoke(application.authorizer.function, authorizerEvent)) as AuthorizerResult;
    if (ttlMs > 0) authorizerCache.set(identity, { result, expires: now + ttlMs });
    return result;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength;
      if (size > GATEWAY_BODY_LIMIT) return gatewayError(res, 413, 'Request Entity Too Large', requestId);
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!decodablePath(url.pathname)) {
      // API Gateway refuses such a path with 400 before any function runs; its body cannot be
      // customised on HTTP APIs, so locally the answer is the problem document a function would give.
      const problem = problemFor(
        new BadRequestError('The path is not valid percent-encoded UTF-8.'),
        requestId,
        url.pathname,
      );
      return send(res, problemResponse(problem, { 'apigw-requestid': requestId }));
    }
    if (options.local && (await options.local(req, res, body))) return;

    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(routes, method, url.pathname);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && name !== 'cookie')
        headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    // Any name may arrive (`constructor`, `__proto__`): collect in a Map, not a plain object.
    const joined = new Map<string, string>();
    for (const [name, value] of url.searchParams) {
      const previous = joined.get(name);
      joined.set(name, previous === undefined ? value : `${previous},${value}`);
    }
    const query = Object.fromEntries(joined);
    const contentType = headers['content-type'] ?? '';
    const isText = body.byteLength === 0 || TEXT_TYPES.test(contentType);
    const now = clock.now();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: match ? match.compiled.key : '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
      headers,
      ...(url.search ? { queryStringParameters: query } : {}),
      ...(match && Object.keys(match.params).length ? { pathParameters: match.params } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? `${options.host}:${options.port}`,
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: match ? match.compiled.key : '$default',
        stage: '$default',
        time: gatewayTime(now),
        timeEpoch: now.getTime(),
      },
      ...(body.byteLength ? { body: body.toString(isText ? 'utf8' : 'base64') } : {}),
      isBase64Encoded: !isText,
    };
    const exceeded = await limits.check({
      operationId: match?.compiled.route.operationId,
      path: event.rawPath,
      clientAddress: event.requestContext.http.sourceIp,
      authorization: headers.authorization,
    });
    if (exceeded)
      return send(res, {
        statusCode: 429,
        headers: {
          'content-type': 'application/problem+json',
          'apigw-requestid': requestId,
          ...rateLimitHeaders(exceeded.limit, exceeded.retryAfterSeconds),
        },
        body: JSON.stringify(rateLimitProblem(exceeded.limit, exceeded.retryAfterSeconds, requestId)),
      });
    try {
      let target = application.fallback;
      let tenantId: unknown;
      if (match) {
        target = match.compiled.route.function;
        if (match.compiled.route.access !== 'public') {
          const auth = await authorize(event);
          if (!auth.isAuthorized) return gatewayError(res, 403, 'Forbidden', requestId);
          (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: auth.context };
          tenantId = auth.context?.tenantId;
        }
      }
      const result = (await invoke(target, event)) as APIGatewayProxyStructuredResultV2 | string | undefined;
      if (typeof tenantId === 'string')
        options.accessLog?.write({
          requestId,
          requestTime: event.requestContext.time,
          routeKey: event.requestContext.routeKey,
          status: result && typeof result === 'object' ? (result.statusCode ?? 200) : 200,
          tenantId,
        });
      if (result && typeof result === 'object' && 'statusCode' in result) return send(res, result);
      // Payload 2.0: anything else is a 200 JSON body.
      return send(res, {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: typeof result === 'string' ? result : JSON.stringify(result ?? null),
      });
    } catch {
      return gatewayError(res, 500, 'Internal Server Error', requestId);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    });
  });
  // Clients (undici, browsers) drop an idle connection after a few seconds; the server keeps it
  // longer, so that it is never the one to close a connection a client is reusing (ECONNRESET
  // when a test's synchronous step stalls the event loop past Node's default of 5 s).
  server.keepAliveTimeout = 65_000;
  // A request Node cannot parse (a URL and headers over its 16 KB limit, a broken request line)
  // never reaches `handle`: refuse it as the gateway would, with a problem document. (API Gateway
  // allows 10 KB of request line and headers and refuses more before any function runs.)
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || !error.code?.startsWith('HPE_')) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const detail =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 'The URL and headers are over the 16 KB this gateway accepts.'
        : 'The request is not valid HTTP.';
    const response = problemResponse(problemFor(new BadRequestError(detail), requestId));
    const headers = Object.entries({ ...response.headers, connection: 'close' })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 400 Bad Request\r\n${headers}content-length: ${Buffer.byteLength(response.body!)}\r\n\r\n${response.body}`,
    );
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}`,
    server,
    routes: () => [
      ...routes.map((r) => ({
        routeKey: r.key,
        function: r.route.function,
        authorized: r.route.access !== 'public',
      })),
      { routeKey: '$default', function: application.fallback, authorized: false },
    ],
    rateLimits: () =>
      (options.rateLimits === false ? [] : application.rateLimits).map((l) => ({
        name: l.name,
        limit: l.limit,
        windowSeconds: l.windowSeconds,
        per: l.per,
        routeKeys:
          l.operations === 'api'
            ? [API_ROUTE_KEY]
            : l.operations.map((op) => routes.find((r) => r.route.operationId === op)!.key),
      })),
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}
