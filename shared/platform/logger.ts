import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The process-wide root logger. Request and job code never appends keys to it (the local runtime
 * serves concurrent invocations from one process); it takes a child with `withKeys` instead.
 */
export const rootLogger = new Logger({ serviceName: 'funnel-crm' });

export type AppLogger = Logger;

export function withKeys(keys: Record<string, string | undefined>): AppLogger {
  const persistentKeys = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
  return rootLogger.createChild({ persistentKeys });
}
