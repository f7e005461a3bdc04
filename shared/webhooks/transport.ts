import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TargetPolicy } from './config.ts';
import { guardedLookup, hostOf, RefusedTarget, refusedAddress, refusedUrl } from './target.ts';

/**
 * One webhook POST, with the limits a multi-tenant sender needs: the connection goes only where
 * target.ts allows (checked in the socket's lookup), redirects are not followed (a 3xx is an
 * answer like any other non-2xx), the whole exchange has a deadline, and no more of the answer is
 * read than the log keeps.
 */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Bytes of an answer read before the connection is dropped. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Characters of the answer kept in the log. */
export const LOGGED_RESPONSE_CHARS = 1000;

export type FailureReason = 'status' | 'timeout' | 'connection' | 'refused_address';

export interface PostOutcome {
  ok: boolean;
  statusCode?: number;
  latencyMs: number;
  /** The start of the answer body. */
  response?: string;
  /** Why there was no answer (no status code). */
  error?: string;
  reason?: FailureReason;
}

const agents = new Map<string, HttpAgent>();

/** Keep-alive agents per policy: repeated deliveries to an endpoint reuse their connections. */
function agentFor(protocol: string, policy: TargetPolicy): HttpAgent {
  const key = `${protocol}${policy.allowLoopback}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 50, lookup: guardedLookup(policy) as never };
    agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  policy: TargetPolicy,
): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target);
  const refused =
    refusedUrl(target, policy) ?? (isIP(hostOf(url)) ? refusedAddress(hostOf(url), policy) : undefined);
  if (refused) return { ok: false, latencyMs: 0, error: refused, reason: 'refused_address' };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const { statusCode, text } = await new Promise<{ statusCode: number; text: string }>(
      (resolve, reject) => {
        const request = send(
          url,
          {
            method: 'POST',
            agent: agentFor(url.protocol, policy),
            headers: {
              ...headers,
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              'user-agent': 'FunnelCRM-Webhooks/1.0',
            },
            signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
          },
          (response: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const finish = () =>
              resolve({
                statusCode: response.statusCode ?? 0,
                text: Buffer.concat(chunks).toString('utf8').slice(0, LOGGED_RESPONSE_CHARS),
              });
            response.on('data', (chunk: Buffer) => {
              if (size >= MAX_RESPONSE_BYTES) return;
              chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
              size += chunk.length;
              if (size >= MAX_RESPONSE_BYTES) {
                // Enough read: the status is known, and the rest would only cost time and memory.
                response.destroy();
                finish();
              }
            });
            response.on('end', finish);
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      },
    );
    const ok = statusCode >= 200 && statusCode < 300;
    return {
      ok,
      statusCode,
      latencyMs: elapsed(),
      ...(text ? { response: text } : {}),
      ...(ok ? {} : { reason: 'status' as const }),
    };
  } catch (error) {
    return { ok: false, latencyMs: elapsed(), ...describeFailure(error) };
  }
}

function describeFailure(error: unknown): { error: string; reason: FailureReason } {
  if (error instanceof RefusedTarget) return { error: error.message, reason: 'refused_address' };
  const { name, code } = error as NodeJS.ErrnoException;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { error: `No complete answer within ${DELIVERY_TIMEOUT_MS / 1000} seconds.`, reason: 'timeout' };
  const known: Record<string, string> = {
    ECONNREFUSED: 'Connection refused.',
    ECONNRESET: 'The connection was reset.',
    ENOTFOUND: 'The host name does not resolve.',
    EAI_AGAIN: 'The host name could not be resolved (temporary DNS failure).',
    EHOSTUNREACH: 'The host is unreachable.',
    ETIMEDOUT: 'The connection timed out.',
    CERT_HAS_EXPIRED: "The endpoint's TLS certificate has expired.",
    DEPTH_ZERO_SELF_SIGNED_CERT: "The endpoint's TLS certificate is self-signed.",
    ERR_TLS_CERT_ALTNAME_INVALID: "The endpoint's TLS certificate does not name its host.",
  };
  return {
    error: (code && known[code]) ?? `The request failed (${code ?? name ?? 'error'}).`,
    reason: 'connection',
  };
}
