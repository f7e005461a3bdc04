import { preferredMediaType } from './preferences.ts';

/**
 * The representation `Accept` prefers among those a route offers (q-values and specificity as
 * RFC 9110 ranks them, by `negotiator`); the first offered when the header names none of them.
 */
export function preferredType<T extends string>(
  accept: string | undefined,
  offered: readonly [T, ...T[]],
): T {
  const chosen = preferredMediaType(accept, offered);
  return (chosen as T | undefined) ?? offered[0];
}
