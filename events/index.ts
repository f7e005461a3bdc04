import * as automation from './automation.ts';
import * as cases from './cases.ts';
import * as contacts from './contacts.ts';
import type { EventDefinition } from './define.ts';
import * as invoicing from './invoicing.ts';
import * as marketing from './marketing.ts';
import * as reports from './reports.ts';
import * as sales from './sales.ts';
import * as surveys from './surveys.ts';
import * as tasks from './tasks.ts';
import * as tenancy from './tenancy.ts';
import * as webhooks from './webhooks.ts';

/** One line per module: each module's file exports its event definitions. */
// biome-ignore format: one module per line keeps merges of parallel work trivial
const modules: Array<Record<string, EventDefinition>> = [
  tenancy,
  contacts,
  tasks,
  sales,
  surveys,
  automation,
  invoicing,
  marketing,
  webhooks,
  reports,
  cases,
];

/** Every domain event, by type. Automation rules and docs are checked against this catalog. */
export const eventCatalog: ReadonlyMap<string, EventDefinition> = new Map(
  modules.flatMap((m) => Object.values(m)).map((event) => [event.type, event]),
);
