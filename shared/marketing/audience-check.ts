import type { TenantContext } from '../platform/context.ts';
import { getItems } from '../platform/db/repository.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import { listKeys, segmentKeys } from './keys.ts';
import type { Audience } from './schema.ts';

/**
 * Whether an audience's lists and segments exist: what saving a campaign or a newsletter checks.
 * Apart from reading an audience (audience.ts), which loads the segments' evaluation.
 */

/** The lists and segments of an audience that do not exist (any more). */
async function missingReferences(ctx: TenantContext, audience: Audience): Promise<FieldIssue[]> {
  const t = ctx.tenantId;
  const references = [
    ...audience.lists.map((id, i) => ({ key: listKeys.list(t, id), path: `lists.${i}`, what: `list ${id}` })),
    ...audience.excludeLists.map((id, i) => ({
      key: listKeys.list(t, id),
      path: `excludeLists.${i}`,
      what: `list ${id}`,
    })),
    ...audience.segments.map((id, i) => ({
      key: segmentKeys.segment(t, id),
      path: `segments.${i}`,
      what: `segment ${id}`,
    })),
    ...audience.excludeSegments.map((id, i) => ({
      key: segmentKeys.segment(t, id),
      path: `excludeSegments.${i}`,
      what: `segment ${id}`,
    })),
  ];
  const found = new Set(
    (
      await getItems(
        ctx,
        references.map((r) => r.key),
      )
    ).map((item) => String(item.PK)),
  );
  return references
    .filter((r) => !found.has(r.key.PK))
    .map((r) => ({ path: r.path, message: `There is no ${r.what}.` }));
}

/** Refuses an audience naming lists or segments that do not exist; `path` prefixes the fields. */
export async function checkAudience(ctx: TenantContext, audience: Audience, path: string): Promise<void> {
  const issues = await missingReferences(ctx, audience);
  if (issues.length) throw new ValidationError(issues.map((i) => ({ ...i, path: `${path}.${i.path}` })));
}
