import { createFunnelClient, type Problem, type Schemas } from '@funnel/client';

/**
 * The console's session. The ID token lives in this module's memory only: never in
 * localStorage or sessionStorage, so a script injected elsewhere cannot lift a long-lived token.
 * The refresh token is an HttpOnly, Secure, SameSite=Strict cookie the token endpoint sets on
 * this origin (path /v1/session); a reload gets a fresh ID token from it with
 * POST /v1/session/refresh. When that fails too, the session has ended: listeners show sign-in.
 */
let idToken: string | undefined;
let expiresAt = 0;
let refreshing: Promise<boolean> | undefined;
/** `expired`: the session ended on its own (not by signing out), and sign-in should say so. */
type EndedListener = (ended: { expired: boolean }) => void;
const endedListeners = new Set<EndedListener>();

/** Refresh a minute before the token expires, so no request leaves with a dying token. */
const EARLY_MS = 60_000;

export function onSessionEnded(listener: EndedListener): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

export function startSession(tokens: Schemas['SessionTokens']): void {
  idToken = tokens.idToken;
  expiresAt = Date.parse(tokens.expiresAt);
}

function endSession(expired: boolean): void {
  idToken = undefined;
  expiresAt = 0;
  for (const listener of endedListeners) listener({ expired });
}

/** One refresh at a time, however many requests find the token stale together. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/v1/session/refresh', { method: 'POST', credentials: 'same-origin' })
    .then(async (response) => {
      if (!response.ok) return false;
      startSession((await response.json()) as Schemas['SessionTokens']);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

export function hasSession(): boolean {
  return idToken !== undefined;
}

/** The token endpoint's public routes: they take no ID token (and one must not end the session). */
const PUBLIC_PATHS = new Set([
  '/v1/session',
  '/v1/session/new-password',
  '/v1/session/mfa-code',
  '/v1/session/refresh',
  '/v1/password/forgot',
  '/v1/password/reset',
]);

/**
 * fetch with the session: refreshes a stale token first, and once more on a 401 (the token may
 * have been revoked or expired in flight); a second 401 ends the session.
 */
async function sessionFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (PUBLIC_PATHS.has(new URL(request.url).pathname)) return fetch(request);
  if (idToken && Date.now() > expiresAt - EARLY_MS) await refreshSession();
  const retry = request.clone();
  const response = await fetch(withToken(request));
  if (response.status !== 401) return response;
  if (!(await refreshSession())) {
    endSession(true);
    return response;
  }
  const second = await fetch(withToken(retry));
  if (second.status === 401) endSession(true);
  return second;
}

function withToken(request: Request): Request {
  const headers = new Headers(request.headers);
  if (idToken) headers.set('authorization', `Bearer ${idToken}`);
  return new Request(request, { headers });
}

export const api = createFunnelClient({ baseUrl: window.location.origin, fetch: sessionFetch });

export async function signOut(): Promise<void> {
  await api.DELETE('/v1/session').catch(() => undefined);
  endSession(false);
}

/** An API error: the problem document and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }

  /** The message of the field at `path` (`body.email`), if the problem names it. */
  field(path: string): string | undefined {
    return this.problem.errors?.find((e) => e.path === path || e.path.startsWith(`${path}.`))?.message;
  }
}

/** The data of an openapi-fetch answer, or an ApiError carrying its problem document. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (response.ok) return data as NonNullable<T>;
  const problem =
    error && typeof error === 'object'
      ? (error as Problem)
      : { type: 'about:blank', title: response.statusText || 'Error', status: response.status };
  throw new ApiError(response.status, problem);
}

/** The version an ETag names (`"3"`), for If-Match. */
export function ifMatch(version: number): { 'If-Match': string } {
  return { 'If-Match': `"${version}"` };
}
