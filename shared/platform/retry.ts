import type { BackoffOptions } from 'exponential-backoff';

/**
 * exponential-backoff's `backOff`, with the library loaded on the first retry. Almost every call
 * succeeds at its first attempt, and the library (8 KB minified with its TypeScript helpers) was
 * in the cold start of every function that writes. The first attempt runs here; the retries are
 * the library's, with the delays its second and later attempts would have had.
 */
export async function backOff<T>(request: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const library = () => import('exponential-backoff');
  if (options.delayFirstAttempt) return (await library()).backOff(request, options);
  const attempts = options.numOfAttempts ?? DEFAULT_ATTEMPTS;
  try {
    return await request();
  } catch (error) {
    if (attempts <= 1 || (options.retry && !(await options.retry(error, 1)))) throw error;
  }
  const { retry } = options;
  return (await library()).backOff(request, {
    ...options,
    numOfAttempts: attempts - 1,
    delayFirstAttempt: true,
    ...(retry ? { retry: (error: unknown, attempt: number) => retry(error, attempt + 1) } : {}),
  });
}

/** The library's own default. */
const DEFAULT_ATTEMPTS = 10;
