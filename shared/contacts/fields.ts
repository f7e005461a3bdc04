import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from '../platform/errors.ts';
import { IsoDate, isStorableNumber } from '../platform/schema.ts';
import { fieldKeys } from './keys.ts';
import type { CustomFieldDefine, CustomFieldDefinition, CustomFieldValue } from './schema.ts';

/**
 * Tenant-defined contact fields. Definitions are a small per-tenant set read whole; values live
 * on the contact (`customFields`) and are checked against their definition on every write, so an
 * unknown key or a value of the wrong type is a 400 naming the field.
 */
const toDefinition = (item: Record<string, unknown>) => withoutKeys<CustomFieldDefinition>(item);

export async function listCustomFields(ctx: TenantContext): Promise<CustomFieldDefinition[]> {
  const items = await queryAll(ctx, {
    partition: fieldKeys.partition(ctx.tenantId),
    sort: { beginsWith: 'FIELD#' },
  });
  return items.map(toDefinition);
}

/** Adds a field (`create`: 409 if the key is taken) or changes one (`change`: 404 if unknown). */
export async function defineCustomField(
  ctx: TenantContext,
  key: string,
  input: CustomFieldDefine,
  mode: 'create' | 'change',
): Promise<CustomFieldDefinition> {
  const now = ctx.clock.now().toISOString();
  const existing = await getItem(ctx, fieldKeys.field(ctx.tenantId, key), { consistent: true });
  if (mode === 'change' && !existing) throw new NotFoundError('Custom field', key);
  const definition: CustomFieldDefinition = {
    key,
    label: input.label,
    type: input.type,
    ...(input.choices ? { choices: [...new Set(input.choices)] } : {}),
    createdAt: existing ? String(existing.createdAt) : now,
    updatedAt: now,
  };
  await unitOfWork(ctx)
    .put(
      { ...fieldKeys.field(ctx.tenantId, key), entity: 'CustomField', ...definition },
      mode === 'create'
        ? {
            condition: notExists,
            onConditionFailed: () => new ConflictError(`A custom field ${key} already exists.`, { key }),
          }
        : { condition: exists, onConditionFailed: () => new NotFoundError('Custom field', key) },
    )
    .commit();
  return definition;
}

/** Removes the definition; values already on contacts stay until their next change drops them. */
export async function deleteCustomField(ctx: TenantContext, key: string): Promise<void> {
  const existing = await getItem(ctx, fieldKeys.field(ctx.tenantId, key));
  if (!existing) throw new NotFoundError('Custom field', key);
  await unitOfWork(ctx).delete(fieldKeys.field(ctx.tenantId, key)).commit();
}

function checkValue(definition: CustomFieldDefinition, value: CustomFieldValue): string | undefined {
  switch (definition.type) {
    case 'text':
      return typeof value === 'string' && value.length <= 1000
        ? undefined
        : 'Must be text of at most 1000 characters.';
    case 'number':
      return typeof value === 'number' && isStorableNumber(value)
        ? undefined
        : 'Must be a number from -9007199254740991 to 9007199254740991.';
    case 'date':
      return typeof value === 'string' && IsoDate.safeParse(value).success
        ? undefined
        : 'Must be a date (YYYY-MM-DD).';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'Must be true or false.';
    case 'choice':
      return typeof value === 'string' && definition.choices?.includes(value)
        ? undefined
        : `Must be one of: ${definition.choices?.join(', ')}.`;
  }
}

/**
 * What a contact's custom field values may take together, as JSON: a contact item, its history
 * entry (the old and the new values) and its event stay far below DynamoDB's 400 KB an item.
 */
export const CUSTOM_FIELDS_MAX_BYTES = 16_384;

/** Refuses a contact's custom field values (after the change) over CUSTOM_FIELDS_MAX_BYTES. */
export function checkCustomFieldsSize(values: Record<string, unknown>, path = 'body.customFields'): void {
  const bytes = Buffer.byteLength(JSON.stringify(values));
  if (bytes > CUSTOM_FIELDS_MAX_BYTES)
    throw ValidationError.field(
      path,
      `A contact's custom fields take at most ${CUSTOM_FIELDS_MAX_BYTES} bytes together (${bytes} with this change).`,
    );
}

/**
 * Checks custom field values against the tenant's definitions; `null` (a removal) is always fine.
 * `path` is where the values sit in the request, for the error's field paths.
 */
export function checkCustomFields(
  definitions: CustomFieldDefinition[],
  values: Record<string, CustomFieldValue | null>,
  path = 'body.customFields',
): void {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(values)) {
    const definition = byKey.get(key);
    if (!definition) {
      issues.push({
        path: `${path}.${key}`,
        message: `Unknown custom field ${key}; define it at PUT /v1/contact-fields/${key}.`,
      });
      continue;
    }
    if (value === null) continue;
    const problem = checkValue(definition, value);
    if (problem) issues.push({ path: `${path}.${key}`, message: problem });
  }
  if (issues.length) throw new ValidationError(issues);
}

/** A CSV cell read as the field's type (imports carry every value as text). */
export function parseCustomFieldCell(definition: CustomFieldDefinition, cell: string): CustomFieldValue {
  switch (definition.type) {
    case 'number': {
      const n = Number(cell.replace(/\s/g, ''));
      // Out of range, it stays text, and the row fails on its type rather than the whole chunk.
      return isStorableNumber(n) && cell.trim() !== '' ? n : cell;
    }
    case 'boolean': {
      const v = cell.trim().toLowerCase();
      if (['true', 'yes', 'y', '1'].includes(v)) return true;
      if (['false', 'no', 'n', '0'].includes(v)) return false;
      return cell;
    }
    default:
      return cell.trim();
  }
}
