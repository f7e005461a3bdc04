import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import type { TenantContext } from '../context.ts';
import { rawDbFor, tableName } from '../db/client.ts';
import { type TenantId, tenantKey } from '../db/keys.ts';
import { ConflictError, UnprocessableError } from '../errors.ts';

/**
 * `Idempotency-Key` on POST, with Powertools' idempotency state machine (in progress, completed,
 * payload validation, expiry). Its DynamoDB layer keeps every record under one static partition
 * key; ours puts each record in its own tenant-prefixed partition instead, so records are fenced
 * like any other item and a busy tenant has no hot idempotency partition.
 *
 * Same key and same body: the first response is replayed (with `Idempotent-Replayed: true`).
 * Same key and another body: 422. Same key while the first request runs: 409. A request that
 * failed leaves no record, so it can be retried with the same key.
 */
class TenantIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(private readonly tenant: TenantId) {
    super({
      tableName,
      keyAttr: 'PK',
      sortKeyAttr: 'SK',
      expiryAttr: 'expiresAt',
      awsSdkV3Client: rawDbFor(tenant),
    });
  }

  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return marshall({ PK: tenantKey(this.tenant, 'IDEM', idempotencyKey), SK: 'IDEM' });
  }
}

const config = new IdempotencyConfig({
  eventKeyJmesPath: '[routeKey, key]',
  payloadValidationJmesPath: '[params, body]',
  expiresAfterSeconds: 24 * 3600,
  responseHook: (response) => {
    const replayed = response as { headers?: Record<string, string> };
    return { ...replayed, headers: { ...replayed.headers, 'idempotent-replayed': 'true' } };
  },
});

export interface IdempotentCall {
  routeKey: string;
  key: string;
  /** Path parameters are part of the request: a key reused on another resource is a different request. */
  params: unknown;
  body: unknown;
}

type Run<T> = (call: IdempotentCall, execute: () => Promise<T>) => Promise<T>;

const runners = new Map<TenantId, Run<unknown>>();

/**
 * The Lambda context lets Powertools expire an in-progress record when the function would have
 * timed out. The configuration is shared by the process; the local runtime serves concurrent
 * invocations, for which the last registered deadline is close enough for that purpose.
 */
function idempotentFor<T>(ctx: TenantContext, lambdaContext: Context): Run<T> {
  config.registerLambdaContext(lambdaContext);
  let run = runners.get(ctx.tenantId);
  if (!run) {
    if (runners.size >= 500) runners.clear();
    const persistenceStore = new TenantIdempotencyStore(ctx.tenantId);
    run = makeIdempotent((_call: IdempotentCall, execute: () => Promise<unknown>) => execute(), {
      persistenceStore,
      config,
      keyPrefix: 'http',
    });
    runners.set(ctx.tenantId, run);
  }
  return run as Run<T>;
}

/**
 * A response body larger than this is kept deflated: the record that replays it is one DynamoDB
 * item (400 KB at most), and a batch's answer (100 records echoed back) can be several times that.
 */
const KEPT_BODY_BYTES = 64 * 1024;

type Kept = { body?: unknown; deflatedBody?: string };

/** The form of `response` the record keeps: a large body deflated (base64), the rest as it is. */
function keptForm<T>(response: T): T {
  const { body } = (response ?? {}) as Kept;
  if (typeof body !== 'string' || Buffer.byteLength(body) <= KEPT_BODY_BYTES) return response;
  const { body: _body, ...rest } = response as Kept;
  return { ...rest, deflatedBody: deflateRawSync(body).toString('base64') } as T;
}

function fromKept<T>(kept: T): T {
  const { deflatedBody } = (kept ?? {}) as Kept;
  if (typeof deflatedBody !== 'string') return kept;
  const { deflatedBody: _deflated, ...rest } = kept as Kept;
  return { ...rest, body: inflateRawSync(Buffer.from(deflatedBody, 'base64')).toString('utf8') } as T;
}

/** Runs `execute` once per key and body, in the API's error vocabulary. */
export function idempotently<T>(
  ctx: TenantContext,
  lambdaContext: Context,
  call: IdempotentCall,
  execute: () => Promise<T>,
): Promise<T> {
  return idempotentFor<T>(ctx, lambdaContext)(call, async () => keptForm(await execute())).then(
    fromKept,
    (error: unknown) => {
      if (error instanceof IdempotencyValidationError) {
        throw new UnprocessableError(
          'This Idempotency-Key was already used with a different body; use a new key.',
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still being processed; retry shortly.',
        );
      }
      throw error;
    },
  );
}
