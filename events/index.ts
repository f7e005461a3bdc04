import type { EventDefinition } from './define.ts';
import * as tenancy from './tenancy.ts';

/** Every domain event, by type. Automation rules and docs are checked against this catalog. */
export const eventCatalog: ReadonlyMap<string, EventDefinition> = new Map(
  [...Object.values(tenancy)].map((event) => [event.type, event]),
);
