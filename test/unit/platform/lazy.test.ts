import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { lazy } from '../../../shared/platform/lazy.ts';

describe('a lazily built schema', () => {
  it('is not built until something reads it, then built once', () => {
    let builds = 0;
    const Contact = lazy(() => {
      builds++;
      return z.object({ name: z.string(), email: z.optional(z.string()) });
    });
    const Page = lazy(() => z.object({ items: z.array(Contact) }));
    expect(builds).toBe(0);
    expect(Page.parse({ items: [{ name: 'Ada' }] })).toEqual({ items: [{ name: 'Ada' }] });
    expect(Contact.parse({ name: 'Grace', email: 'grace@example.com' }).email).toBe('grace@example.com');
    expect(builds).toBe(1);
  });

  it('reports the same issues, with their paths, as the schema it stands for', () => {
    const build = () => z.object({ lines: z.array(z.object({ quantity: z.int().check(z.minimum(1)) })) });
    const input = { lines: [{ quantity: 2 }, { quantity: 0 }], extra: true };
    const eager = build().safeParse(input);
    const deferred = lazy(build).safeParse(input);
    expect(deferred.success).toBe(false);
    expect(deferred.error?.issues).toEqual(eager.error?.issues);
    expect(deferred.error?.issues[0]?.path).toEqual(['lines', 1, 'quantity']);
  });

  it('keeps its identity when refined: a described use of a named schema still refers to it', () => {
    // zod binds a schema's methods on first read; bound to the built object, `.check()` would make
    // a child of an object no registry knows, and the OpenAPI document would copy the schema inline.
    const registry = z.registry<{ id: string }>();
    const Stage = lazy(() => z.enum(['lead', 'customer']));
    const Contact = lazy(() => z.object({ stage: Stage.check(z.describe('Where the contact is.')) }));
    registry.add(Stage, { id: 'Stage' });
    registry.add(Contact, { id: 'Contact' });
    const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: (id) => `#/${id}` }) as {
      schemas: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(schemas.Contact?.properties?.stage).toEqual({
      $ref: '#/Stage',
      description: 'Where the contact is.',
    });
    expect(schemas.Stage).toMatchObject({ enum: ['lead', 'customer'] });
  });

  it('answers instanceof, key listing and property checks as the built value', () => {
    const Tags = lazy(() => z.array(z.string()));
    const eager = z.array(z.string());
    expect(Tags instanceof Object.getPrototypeOf(eager).constructor).toBe(true);
    expect('parse' in Tags).toBe(true);
    expect(Object.keys(Tags).sort()).toEqual(Object.keys(eager).sort());
  });
});
