import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The process-wide root logger. Request and job code never appends keys to it (the local runtime
 * serves concurrent invocations from one process); it takes a child with `withKeys` instead.
 */
export const rootLogger = new Logger({ serviceName: 'funnel-crm' });

export type AppLogger = Logger;

/**
 * A child of the root logger carrying `keys`, built on its first use. Building a Powertools logger
 * reads and merges its whole configuration again (about 0.15 ms, measured by the benchmark), and
 * every request takes two children while most requests log nothing.
 */
export function withKeys(keys: Record<string, string | undefined>): AppLogger {
  let child: Logger | undefined;
  const logger = () => {
    if (!child) {
      const persistentKeys = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
      child = rootLogger.createChild({ persistentKeys });
    }
    return child;
  };
  return new Proxy(rootLogger, {
    get: (_, property) => {
      const target = logger();
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_, property, value) => Reflect.set(logger(), property, value),
  });
}
