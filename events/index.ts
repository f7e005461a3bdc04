import * as contacts from './contacts.ts';
import type { EventDefinition } from './define.ts';
import * as tasks from './tasks.ts';
import * as tenancy from './tenancy.ts';

/** Every domain event, by type. Automation rules and docs are checked against this catalog. */
export const eventCatalog: ReadonlyMap<string, EventDefinition> = new Map(
  [...Object.values(tenancy), ...Object.values(contacts), ...Object.values(tasks)].map((event) => [
    event.type,
    event,
  ]),
);
