import preferredLanguages from 'negotiator/lib/language.js';
import preferredMediaTypes from 'negotiator/lib/mediaType.js';

/*
 * What a client prefers, ranked by negotiator (q-values and specificity as RFC 9110 ranks them),
 * through its modules for Accept and Accept-Language alone: every function that answers pages or
 * negotiates a representation loads this, and negotiator's index brings charset and encoding
 * negotiation that nothing here uses.
 */

/** The language of `available` the Accept-Language header prefers; none when it allows none. */
export function preferredLanguage(
  header: string | undefined,
  available: readonly string[],
): string | undefined {
  return preferredLanguages(header ?? '', [...available])[0];
}

/** The media type of `available` the Accept header prefers (`*\/*` when absent); none when it allows none. */
export function preferredMediaType(
  accept: string | undefined,
  available: readonly string[],
): string | undefined {
  return preferredMediaTypes(accept ?? '*/*', [...available])[0];
}
