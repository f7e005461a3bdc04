/**
 * The token of an `Authorization: Bearer <token>` header, read as RFC 9110 allows it to be spelt:
 * the scheme in any case, spaces or tabs after it, the value trimmed of them. One reading for the
 * authorizer and for the limits per credential (infra/local/rate-limits.ts): a limit keyed on the
 * header as sent was escaped by writing `bearer KEY` or two spaces, while the authorizer accepted
 * both as the same key. Only HTTP's own whitespace (space and tab) counts: the WAF's
 * COMPRESS_WHITE_SPACE folds those, not Unicode spaces, which would each have made a new key there.
 */
const BEARER = /^[ \t]*Bearer[ \t]+([^\s]+)[ \t]*$/i;

export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header ?? '')?.[1];
}
