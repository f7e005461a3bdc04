import { fieldKeys } from '../contacts/keys.ts';
import type { Contact } from '../contacts/schema.ts';
import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import { checkTemplate, type MergeValues, mergeFieldsOf } from '../platform/merge-fields.ts';
import { postalAddressLine } from '../tenancy/address.ts';
import type { Tenant } from '../tenancy/schema.ts';

/**
 * What a marketing email is made of: the subject, HTML and text of a template with merge fields,
 * their check, the recipient's values and links. Rendering the email (message.tsx, with preact)
 * is apart: saving a template or starting a mailing checks content without rendering any.
 */
export interface Content {
  subject: string;
  html: string;
  text: string;
}

export const CONTACT_FIELDS = [
  'firstName',
  'lastName',
  'fullName',
  'email',
  'lifecycleStage',
  'selfServiceLink',
] as const;

/** Does any part of the content use the merge field (so a per-recipient value is worth making)? */
export function contentUses(content: Partial<Content>, field: string): boolean {
  return [content.subject, content.html, content.text].some(
    (t) => t !== undefined && mergeFieldsOf(t).includes(field),
  );
}
export const COMMON_FIELDS = ['tenant.name', 'tenant.address', 'unsubscribeUrl', 'preferencesUrl'] as const;

/** Every merge field a template may use: the contact's, the tenant's, links, custom fields, and extras. */
export async function availableFields(ctx: TenantContext, extra: readonly string[] = []): Promise<string[]> {
  const custom = await queryAll(ctx, {
    partition: fieldKeys.partition(ctx.tenantId),
    sort: { beginsWith: 'FIELD#' },
  });
  return [
    ...CONTACT_FIELDS,
    ...COMMON_FIELDS,
    ...custom.map((item) => `custom.${String(item.SK).slice('FIELD#'.length)}`),
    ...extra,
  ];
}

/** Refuses content with unknown merge fields, naming each part (`<path>.subject`...) at fault. */
export async function checkContent(
  ctx: TenantContext,
  content: Partial<Content>,
  path: string,
  extra: readonly string[] = [],
): Promise<void> {
  const fields = await availableFields(ctx, extra);
  const issues: FieldIssue[] = [];
  for (const part of ['subject', 'html', 'text'] as const) {
    const template = content[part];
    if (template === undefined) continue;
    for (const problem of checkTemplate(template, fields))
      issues.push({ path: path ? `${path}.${part}` : part, message: problem.message });
  }
  if (issues.length) throw new ValidationError(issues, issues[0]!.message);
}

export interface RecipientLinks {
  unsubscribeUrl: string;
  preferencesUrl: string;
}

export function mergeValuesFor(
  contact: Pick<Contact, 'firstName' | 'lastName' | 'email' | 'lifecycleStage' | 'customFields'>,
  tenant: Tenant,
  links: RecipientLinks,
  extra: MergeValues = {},
): MergeValues {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    fullName: `${contact.firstName} ${contact.lastName}`.trim(),
    email: contact.email,
    lifecycleStage: contact.lifecycleStage,
    custom: contact.customFields,
    tenant: { name: tenant.name, address: postalAddressLine(tenant) },
    ...links,
    ...extra,
  };
}
