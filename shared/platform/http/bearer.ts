/**
 * The token of an `Authorization: Bearer <token>` header, read as RFC 9110 allows it to be spelt:
 * the scheme in any case, any whitespace after it, the value trimmed. One reading for the
 * authorizer and for the limits per credential (infra/local/rate-limits.ts): a limit keyed on the
 * header as sent was escaped by writing `bearer KEY` or two spaces, while the authorizer accepted
 * both as the same key.
 */
const BEARER = /^Bearer\s+(\S+)$/i;

export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header?.trim() ?? '')?.[1];
}
