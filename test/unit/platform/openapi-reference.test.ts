import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { application } from '../../../functions/app/index.ts';
import { MONEY_FIELDS } from '../../../shared/platform/http/glossary.ts';
import { buildOpenApi } from '../../../shared/platform/http/openapi.ts';
import { type AnyRoute, locationTemplate } from '../../../shared/platform/http/route.ts';

/**
 * The whole reference, as generated from every declared route, is complete: a route added later
 * cannot leave a field, parameter or operation undescribed, a body without a valid example, or an
 * amount without its unit.
 */
type Json = Record<string, any>;

const doc = buildOpenApi(application.routes, {
  title: 'Funnel CRM API',
  version: '1.0.0',
  description: 'Test',
  tags: application.tags,
  tagGroups: application.tagGroups,
}) as Json;
const schemas = doc.components.schemas as Record<string, Json>;
const operations = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);

/** Every property of every schema in the document, with where it is. */
function properties(): Array<{ where: string; name: string; schema: Json; siblings: Json }> {
  const found: Array<{ where: string; name: string; schema: Json; siblings: Json }> = [];
  const visit = (node: unknown, where: string) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) visit(n, `${where}/${i}`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const object = node as Json;
    if (object.properties && typeof object.properties === 'object' && !Array.isArray(object.properties)) {
      for (const [name, schema] of Object.entries(object.properties as Record<string, Json>))
        found.push({ where: `${where}.${name}`, name, schema, siblings: object.properties });
    }
    for (const [key, value] of Object.entries(object)) if (key !== 'example') visit(value, `${where}/${key}`);
  };
  visit(schemas, 'components');
  visit(doc.paths, 'paths');
  return found;
}

const parameters = operations.flatMap(({ key, op }) =>
  ((op.parameters ?? []) as Json[]).map((p) => ({ where: `${key} ${p.in}:${p.name}`, p })),
);

describe('the API reference', () => {
  it('describes every operation, parameter and schema property', () => {
    expect(operations.length).toBeGreaterThan(200);
    expect(operations.filter(({ op }) => !op.summary || !op.description).map((o) => o.key)).toEqual([]);
    expect(parameters.filter(({ p }) => !p.description).map((p) => p.where)).toEqual([]);
    const all = properties();
    expect(all.length).toBeGreaterThan(1500);
    expect(all.filter(({ schema }) => !schema.description).map((p) => p.where)).toEqual([]);
  });

  it('says that money is in minor units of the currency', () => {
    const moneyLike = /(^amount|Amount|^total|Total|^subtotal|Price|^price|^tax$|Delta$)$/;
    const amounts = properties().filter(
      ({ name, schema, siblings }) =>
        (MONEY_FIELDS.has(name) || moneyLike.test(name)) &&
        !('unit' in siblings) &&
        ['integer', 'number'].includes(schema.type),
    );
    expect(amounts.length).toBeGreaterThan(30);
    expect(
      amounts.filter(({ schema }) => !schema.description.includes('minor units')).map((a) => a.where),
    ).toEqual([]);
  });

  it('says in which time zone a date-only field is read', () => {
    const dates = [
      ...properties().filter(({ schema }) => JSON.stringify(schema).includes('"format":"date"')),
      ...parameters
        .filter(({ p }) => JSON.stringify(p.schema).includes('"format":"date"'))
        .map(({ where, p }) => ({ where, schema: p })),
    ].filter(({ schema }) => schema.type !== 'array' && schema.type !== 'object');
    expect(dates.length).toBeGreaterThan(10);
    expect(
      dates.filter(({ schema }) => !schema.description.includes('time zone')).map((d) => d.where),
    ).toEqual([]);
  });

  it('gives every request and response body an example that validates against its schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'https://funnel.test/openapi.json', components: { schemas } });
    const bodies = operations.flatMap(({ key, op }) => [
      ...Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => ({
        where: `${key} request ${type}`,
        media: media as Json,
      })),
      ...Object.entries(op.responses as Record<string, Json>).flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).map(([type, media]) => ({
          where: `${key} ${status} ${type}`,
          media: media as Json,
        })),
      ),
    ]);
    const json = bodies.filter(({ where }) => where.includes('json'));
    expect(json.length).toBeGreaterThan(1000);
    expect(json.filter(({ media }) => media.example === undefined).map((b) => b.where)).toEqual([]);
    const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
    const invalid = json.flatMap(({ where, media }) => {
      const text = JSON.stringify(media.schema).replaceAll(
        '"#/components/',
        '"https://funnel.test/openapi.json#/components/',
      );
      if (!compiled.has(text)) compiled.set(text, ajv.compile(JSON.parse(text)));
      const validate = compiled.get(text)!;
      return validate(media.example) ? [] : [`${where}: ${ajv.errorsText(validate.errors)}`];
    });
    expect(invalid).toEqual([]);
  });

  it('documents 429 and 500 on every operation, and Location on every 201', () => {
    expect(
      operations.filter(({ op }) => !op.responses['429'] || !op.responses['500']).map((o) => o.key),
    ).toEqual([]);
    const created = operations.filter(({ op }) => op.responses['201']);
    expect(created.length).toBeGreaterThan(30);
    expect(created.filter(({ op }) => !op.responses['201'].headers?.Location).map((o) => o.key)).toEqual([]);
  });

  it("sets Location from the function's own routes, as the reference documents it", () => {
    // Each function's handler knows only its module's routes; the reference knows them all.
    const modules = new Map<string, AnyRoute[]>();
    for (const r of application.routes) modules.set(r.function, [...(modules.get(r.function) ?? []), r]);
    const differing = application.routes
      .filter(
        (r) => locationTemplate(r, modules.get(r.function)!) !== locationTemplate(r, application.routes),
      )
      .map((r) => `${r.method} ${r.path}`);
    expect(differing).toEqual([]);
  });

  it('groups the tags by module and lists each tag once', () => {
    const groups = doc['x-tagGroups'] as Array<{ name: string; tags: string[] }>;
    const grouped = groups.flatMap((g) => g.tags);
    expect(new Set(grouped).size).toBe(grouped.length);
    expect([...grouped].sort()).toEqual((doc.tags as Json[]).map((t) => t.name).sort());
    expect(groups.map((g) => g.name)).toContain('contacts');
  });
});
