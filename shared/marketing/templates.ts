import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  stampRevision,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { NotFoundError, PreconditionFailedError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { checkContent } from './content.ts';
import { templateKeys } from './keys.ts';
import type { Template, TemplateCreate, TemplateUpdate } from './schema.ts';

/**
 * Email templates: subject, HTML and text with merge fields (`{{firstName | "there"}}`). An unknown
 * merge field is refused when the template is saved (400 naming the part), so a campaign never
 * finds one while sending. Every email rendered from a template gets the compliance footer.
 */
const toTemplate = (item: Item) => withoutKeys<Template>(item);

const nameIndex = (ctx: TenantContext, template: Pick<Template, 'name' | 'id'>) => ({
  GSI1PK: templateKeys.all(ctx.tenantId),
  GSI1SK: `${template.name.toLowerCase()}#${template.id}`,
});

export async function createTemplate(ctx: TenantContext, input: TemplateCreate): Promise<Template> {
  await checkContent(ctx, input, 'body');
  const now = ctx.clock.now().toISOString();
  const template: Template = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      {
        ...templateKeys.template(ctx.tenantId, template.id),
        entity: 'Template',
        ...template,
        ...nameIndex(ctx, template),
      },
      { condition: notExists },
    )
    .commit();
  return template;
}

export async function findTemplate(ctx: TenantContext, id: string): Promise<Template | undefined> {
  const item = await getItem(ctx, templateKeys.template(ctx.tenantId, id));
  return item ? toTemplate(item) : undefined;
}

export async function getTemplate(ctx: TenantContext, id: string): Promise<Template> {
  const template = await findTemplate(ctx, id);
  if (!template) throw new NotFoundError('Template', id);
  return template;
}

export async function listTemplates(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Template>> {
  return queryPage(ctx, { index: 'GSI1', partition: templateKeys.all(ctx.tenantId) }, page, toTemplate);
}

export async function updateTemplate(
  ctx: TenantContext,
  id: string,
  input: TemplateUpdate,
  ifMatch?: number | 'any',
): Promise<Template> {
  const current = await getTemplate(ctx, id);
  assertIfMatch(ifMatch, current);
  await checkContent(ctx, input, 'body');
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const next: Template = { ...current, ...changes };
  if (!stampRevision(ctx, current, next)) return current;
  await unitOfWork(ctx)
    .update(templateKeys.template(ctx.tenantId, id), {
      set: { ...changes, updatedAt: next.updatedAt, ...nameIndex(ctx, next) },
      bumpVersion: true,
      condition: and(exists, hasVersion(current.version)),
      onConditionFailed: () => new PreconditionFailedError(),
    })
    .commit();
  return next;
}

/** Campaigns keep a copy of the content they sent, so deleting a template changes no history. */
export async function deleteTemplate(ctx: TenantContext, id: string): Promise<void> {
  await unitOfWork(ctx)
    .delete(templateKeys.template(ctx.tenantId, id), {
      condition: exists,
      onConditionFailed: () => new NotFoundError('Template', id),
    })
    .commit();
}
