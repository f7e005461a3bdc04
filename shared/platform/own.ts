/**
 * A record's own value under a name that came from outside the code (a request, a tenant's
 * configuration, a stored document). Plain objects inherit `constructor`, `toString` and the rest
 * from Object.prototype, so `record[name]` with `name = "constructor"` is a function, not
 * undefined. Every lookup by such a name goes through here (or through a Map).
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}
