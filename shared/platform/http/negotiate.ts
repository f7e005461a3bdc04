import Negotiator from 'negotiator';

/**
 * The representation `Accept` prefers among those a route offers (q-values and specificity as
 * RFC 9110 ranks them, by `negotiator`); the first offered when the header names none of them.
 */
export function preferredType<T extends string>(
  accept: string | undefined,
  offered: readonly [T, ...T[]],
): T {
  const chosen = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType([...offered]);
  return (chosen as T | undefined) ?? offered[0];
}
