import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  ALGORITHM_IDENTIFIER,
  getCanonicalHeaders,
  getSigningKey,
  MAX_PRESIGNED_TTL,
  SignatureV4Base,
  UNSIGNED_PAYLOAD,
} from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest, SourceData } from '@smithy/types';
import { AwsServiceError } from './errors.ts';

/**
 * Signature Version 4 checks for the local S3, for requests signed in headers (every SDK call)
 * and for presigned URLs (query parameters). The canonical request, the string to sign and the
 * signing key come from the SDK's own signer package (@smithy/signature-v4), so a request the SDK
 * signed verifies exactly when AWS would accept it; only parsing the request and comparing the two
 * signatures is ours.
 */
export interface RequestToVerify {
  method: string;
  /** The path exactly as it arrived (still percent-encoded). */
  rawPath: string;
  /** Query parameters, decoded, in arrival order. */
  query: Array<[string, string]>;
  /** Lower-case names; repeated headers joined with a comma, as Node does. */
  headers: Record<string, string | undefined>;
}

export interface VerifiedRequest {
  accessKeyId: string;
  presigned: boolean;
  /** What the signature covers for the body: a SHA-256 hex digest, or UNSIGNED-PAYLOAD / STREAMING-*. */
  payloadHash: string;
}

/** How far a header-signed request's date may be from the server's clock, as S3 allows. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const accessDenied = (message: string) => new AwsServiceError('AccessDenied', message, 403);
const queryParametersError = (message: string) =>
  new AwsServiceError('AuthorizationQueryParametersError', message, 400);

class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
  reset(): void {}
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The signer's canonicalization, exposed for checking signatures instead of making them. */
class CanonicalSigner extends SignatureV4Base {
  constructor(region: string) {
    super({
      service: 's3',
      region,
      credentials: { accessKeyId: '', secretAccessKey: '' },
      sha256: NodeSha256,
      // S3 signs the path as sent, without the second encoding other services use.
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  async signature(
    request: HttpRequest,
    signedHeaders: string[],
    payloadHash: string,
    scope: { longDate: string; shortDate: string; region: string; service: string },
    credentials: AwsCredentialIdentity,
  ): Promise<string> {
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(signedHeaders));
    const canonical = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const credentialScope = `${scope.shortDate}/${scope.region}/${scope.service}/aws4_request`;
    const stringToSign = await this.createStringToSign(
      scope.longDate,
      credentialScope,
      canonical,
      ALGORITHM_IDENTIFIER,
    );
    const key = await getSigningKey(NodeSha256, credentials, scope.shortDate, scope.region, scope.service);
    return createHmac('sha256', key).update(stringToSign).digest('hex');
  }
}

export class SignatureChecker {
  readonly #credentials: Map<string, AwsCredentialIdentity>;
  readonly #signer: CanonicalSigner;
  readonly #now: () => Date;

  constructor(options: { credentials: AwsCredentialIdentity[]; region: string; now?: () => Date }) {
    this.#credentials = new Map(options.credentials.map((c) => [c.accessKeyId, c]));
    this.#signer = new CanonicalSigner(options.region);
    this.#now = options.now ?? (() => new Date());
  }

  async verify(request: RequestToVerify): Promise<VerifiedRequest> {
    const presigned = request.query.some(([name]) => name === 'X-Amz-Algorithm');
    if (presigned) return this.#verifyPresigned(request);
    const authorization = request.headers.authorization;
    if (!authorization) throw accessDenied('Access Denied: the request is not signed.');
    return this.#verifyHeaders(request, authorization);
  }

  async #verifyHeaders(request: RequestToVerify, authorization: string): Promise<VerifiedRequest> {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
        authorization.trim(),
      );
    if (!match)
      throw new AwsServiceError(
        'AuthorizationHeaderMalformed',
        'The authorization header is malformed; only AWS4-HMAC-SHA256 is supported.',
        400,
      );
    const [, credential, signedHeaderList, signature] = match as unknown as [string, string, string, string];
    const scope = this.#scope(credential, 'header');
    const longDate = request.headers['x-amz-date'];
    if (!longDate || !/^\d{8}T\d{6}Z$/.test(longDate))
      throw accessDenied('AWS authentication requires a valid Date or x-amz-date header.');
    const skew = Math.abs(parseLongDate(longDate).getTime() - this.#now().getTime());
    if (skew > MAX_CLOCK_SKEW_MS)
      throw new AwsServiceError(
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        403,
      );
    const payloadHash = request.headers['x-amz-content-sha256'];
    if (!payloadHash)
      throw new AwsServiceError(
        'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256.',
        400,
      );
    const signedHeaders = signedHeaderList.split(';');
    await this.#compare(request, signedHeaders, payloadHash, { ...scope, longDate }, signature);
    return { accessKeyId: scope.accessKeyId, presigned: false, payloadHash };
  }

  async #verifyPresigned(request: RequestToVerify): Promise<VerifiedRequest> {
    const param = (name: string) => request.query.find(([n]) => n === name)?.[1];
    if (param('X-Amz-Algorithm') !== ALGORITHM_IDENTIFIER)
      throw queryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
    const credential = param('X-Amz-Credential');
    const longDate = param('X-Amz-Date');
    const expires = Number(param('X-Amz-Expires'));
    const signedHeaderList = param('X-Amz-SignedHeaders');
    const signature = param('X-Amz-Signature');
    if (!credential || !longDate || !signedHeaderList || !signature || !/^\d{8}T\d{6}Z$/.test(longDate))
      throw queryParametersError(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_TTL)
      throw queryParametersError(
        `X-Amz-Expires must be a number of seconds from 1 to ${MAX_PRESIGNED_TTL} (seven days).`,
      );
    const scope = this.#scope(credential, 'query');
    const signedAt = parseLongDate(longDate).getTime();
    const now = this.#now().getTime();
    if (now > signedAt + expires * 1000) throw accessDenied('Request has expired');
    if (signedAt > now + MAX_CLOCK_SKEW_MS) throw accessDenied('Request is not valid yet');
    // A presigned URL never covers its body: S3 computes its canonical request with UNSIGNED-PAYLOAD.
    await this.#compare(
      request,
      signedHeaderList.split(';'),
      UNSIGNED_PAYLOAD,
      { ...scope, longDate },
      signature,
    );
    return { accessKeyId: scope.accessKeyId, presigned: true, payloadHash: UNSIGNED_PAYLOAD };
  }

  #scope(credential: string, where: 'header' | 'query') {
    const parts = credential.split('/');
    const [accessKeyId, shortDate, region, service, terminator] = parts;
    if (
      parts.length !== 5 ||
      terminator !== 'aws4_request' ||
      service !== 's3' ||
      !/^\d{8}$/.test(shortDate ?? '')
    )
      throw where === 'query'
        ? queryParametersError(`Error parsing the X-Amz-Credential parameter: ${credential}`)
        : new AwsServiceError(
            'AuthorizationHeaderMalformed',
            `The credential ${credential} is malformed.`,
            400,
          );
    if (!this.#credentials.has(accessKeyId!))
      throw new AwsServiceError(
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        403,
      );
    return { accessKeyId: accessKeyId!, shortDate: shortDate!, region: region!, service: service! };
  }

  async #compare(
    request: RequestToVerify,
    signedHeaders: string[],
    payloadHash: string,
    scope: { accessKeyId: string; shortDate: string; longDate: string; region: string; service: string },
    given: string,
  ): Promise<void> {
    if (!signedHeaders.includes('host'))
      throw accessDenied('Access Denied: the signature must cover the host header.');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined)
        throw accessDenied(`Access Denied: the signed header ${name} is missing from the request.`);
      headers[name] = value;
    }
    if (scope.longDate.slice(0, 8) !== scope.shortDate)
      throw accessDenied('Access Denied: the credential date does not match the request date.');
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of request.query) {
      if (name === 'X-Amz-Signature') continue;
      const existing = query[name];
      query[name] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    const httpRequest = {
      method: request.method,
      protocol: 'http:',
      hostname: '',
      path: request.rawPath,
      query,
      headers,
    } as HttpRequest;
    const expected = await this.#signer.signature(
      httpRequest,
      signedHeaders,
      payloadHash,
      scope,
      this.#credentials.get(scope.accessKeyId)!,
    );
    const matches =
      /^[0-9a-f]{64}$/.test(given) &&
      timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
    if (!matches)
      throw new AwsServiceError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        403,
      );
  }
}

function parseLongDate(value: string): Date {
  return new Date(
    `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`,
  );
}
