import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { application } from '../../../functions/app/index.ts';
import { recordKinds } from '../../../functions/app/records.ts';
import { isTenantRoute, routeKey } from '../../../shared/platform/http/route.ts';

/**
 * Every field of a request body that holds an id is either a declared reference (the route's
 * `references`, checked to exist in the caller's tenant) or listed below as an id that names no
 * other record. A field added later fails here until someone decides which it is.
 */
const NOT_REFERENCES: Record<string, string> = {
  // Ids the request itself gives to parts of the record it writes.
  'stages.*.id': 'a pipeline stage defined by this request',
  'checklist.*.id': 'an item of the task’s own checklist',
  'optionGroups.*.id': 'an option group of the product being written',
  'optionGroups.*.choices.*.id': 'a choice of the product being written',
  'rules.*.id': 'a rule of the set being written (configurator or lead assignment)',
  'levels.*.id': 'a dunning level of the policy being written',
  'questions.*.id': 'a question of the survey being written',
  'questions.*.choices.*.id': 'a choice of the survey being written',
  id: 'the id chosen for the topic being created',
  // Parts of the addressed record, checked by its service against that record.
  'lines.*.lineId': 'a line of the order being returned',
  stageId: 'a stage of the deal’s (or the conversion’s) pipeline, checked against that pipeline',
  // Checked by the reports service, which also hides another member's private report: 400 naming it.
  'POST /v1/report-schedules report.customReportId':
    'a custom report the caller may see, checked by its service',
  'PATCH /v1/report-schedules/{id} report.customReportId':
    'a custom report the caller may see, checked by its service',
  // Records of the kind named beside each id, checked by the documents service: 422 naming it.
  'POST /v1/documents attachTo.*.id': 'a record of the kind in `attachTo.*.kind`, checked by its service',
  // Removing what is not there changes nothing.
  'POST /v1/lists/{id}/members/remove contactIds.*':
    'contacts to take out of a list: one that does not exist is not in it',
};

function idFields(schema: z.ZodMiniType): string[] {
  const found: string[] = [];
  const walk = (node: Record<string, unknown> | undefined, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries((node.properties as Record<string, unknown>) ?? {})) {
      const next = [...path, key];
      const v = value as Record<string, unknown>;
      if (/(^id|Id|Ids)$/.test(key)) found.push((v.type === 'array' ? [...next, '*'] : next).join('.'));
      walk(v, next);
    }
    if (node.items) walk(node.items as Record<string, unknown>, [...path, '*']);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      for (const option of (node[key] as Record<string, unknown>[] | undefined) ?? []) walk(option, path);
  };
  walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>, []);
  return [...new Set(found)];
}

const bodies = application.routes.filter((r) => r.body && isTenantRoute(r));

describe('references declared by routes', () => {
  it.each(bodies.map((r) => [routeKey(r), r] as const))(
    '%s declares every id-like body field or says why it names no record',
    (_, route) => {
      const declared = Object.keys(route.references ?? {});
      const undeclared = idFields(route.body!).filter(
        (field) =>
          !declared.includes(field) &&
          !NOT_REFERENCES[field] &&
          !NOT_REFERENCES[`${routeKey(route)} ${field}`],
      );
      expect(undeclared, 'declare them in the route’s references, with their record kind').toEqual([]);
    },
  );

  it('name only declared record kinds, and routes that address a record name its kind', () => {
    for (const route of application.routes.filter((r) => r.references)) {
      for (const kind of Object.values(route.references!))
        if (!kind.startsWith('@')) expect(recordKinds[kind], `${routeKey(route)}: ${kind}`).toBeDefined();
      if (route.resource) expect(recordKinds[route.resource], routeKey(route)).toBeDefined();
      if (route.path.includes('{id}'))
        expect(route.resource, `${routeKey(route)} needs resource`).toBeDefined();
    }
  });
});
