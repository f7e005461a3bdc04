/**
 * A value built on first use: what a cold start does not construct. A Lambda function imports
 * every schema its routes, events and records declare, while one invocation parses with a few;
 * building them all (zod makes several objects per schema) was a tenth of a large function's
 * import time (docs/performance.md). The proxy stands for the value from the start, so it has one
 * identity (registries and the OpenAPI document see the same object as the routes); it builds the
 * value the first time anything reads it, and forwards every operation to it from then on.
 */
export function lazy<T extends object>(build: () => T): T {
  let value: T | undefined;
  const built = () => {
    value ??= build();
    return value;
  };
  return new Proxy(Object.create(null) as T, {
    // The proxy is the receiver: members zod binds on first read are bound to it, so a schema made
    // from this one (`.check()`) names the proxy as its parent, the object registries know.
    get: (_, key, receiver) => Reflect.get(built(), key, receiver),
    set: (_, key, v, receiver) => Reflect.set(built(), key, v, receiver),
    has: (_, key) => Reflect.has(built(), key),
    ownKeys: () => Reflect.ownKeys(built()),
    // The proxy's own target is empty: a descriptor must look configurable to be reported.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(built(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(built(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(built(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(built()),
  });
}
