import { ConfigurationError } from './config.ts';

/**
 * Declared buckets (functions/app) reach functions by name: the physical name of bucket `name` is
 * in `BUCKET_<UPPER_SNAKE_NAME>`, set by the stack on AWS and by the local runtime on one machine.
 */
export function bucketVariable(declaredName: string): string {
  return `BUCKET_${declaredName.toUpperCase().replace(/-/g, '_')}`;
}

/** A declared bucket's physical name; read once at start-up by the modules that use the bucket. */
export function bucketName(
  declaredName: string,
  source: Record<string, string | undefined> = process.env,
): string {
  const variable = bucketVariable(declaredName);
  const value = source[variable];
  if (!value) throw new ConfigurationError([`${variable} is not set`]);
  return value;
}
