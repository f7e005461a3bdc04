import { readEnv, required } from './config.ts';

/**
 * Links handed to people (unsubscribe, self-service forms, survey invitations, calendar feeds) are
 * built from the API's public URL, the same in request handlers and in jobs that send mail.
 */
const env = readEnv({ PUBLIC_BASE_URL: required() });

export function publicUrl(path: string, query?: Record<string, string>): string {
  const url = new URL(
    path,
    env.PUBLIC_BASE_URL.endsWith('/') ? env.PUBLIC_BASE_URL : `${env.PUBLIC_BASE_URL}/`,
  );
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url.toString();
}
