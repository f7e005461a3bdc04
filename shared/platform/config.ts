import * as z from 'zod/mini';

/**
 * Environment configuration, parsed once when the module that needs it is first imported
 * (that is, at cold start). A missing or malformed variable stops start-up with a message that
 * names it, instead of failing later inside a request.
 */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

export function readEnv<S extends z.core.$ZodShape>(
  shape: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodMiniObject<S>> {
  const result = z.object(shape).safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return source[name] === undefined ? `${name} is not set` : `${name} is invalid (${issue.message})`;
  });
  throw new ConfigurationError(problems);
}

/** A non-empty string variable. */
export const required = () => z.string().check(z.minLength(1));
