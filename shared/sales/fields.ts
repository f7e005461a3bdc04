import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';

/**
 * Fields the pipeline's schemas (schema.ts) and commerce's (commerce-schema.ts) both use, apart
 * from either so that neither file's schemas are built where only the other's are needed.
 */

/** Identifiers a tenant chooses for option groups, choices and rules: readable in rule messages. */
export const Code = lazy(() =>
  z.string().check(
    z.regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, {
      message: 'Must be 1 to 50 lower-case letters, digits, - or _ (e.g. paint-colour).',
    }),
  ),
);

export const Note = lazy(() => z.string().check(z.trim(), z.maxLength(5000)));
