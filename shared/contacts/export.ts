import type { TenantContext } from '../platform/context.ts';
import { type CsvCell, toCsv } from '../platform/csv.ts';
import { queryPage } from '../platform/db/repository.ts';
import { ownValue } from '../platform/own.ts';
import { contactKeys } from './keys.ts';
import type { Contact } from './schema.ts';
import { contactFromItem } from './service.ts';

/**
 * Contacts export, CSV or NDJSON, by name, one page of up to 1000 contacts per request: a whole
 * address book would not fit one Lambda response (6 MB), so the export pages like every list.
 * The next page's cursor is in the `x-next-cursor` header; only the first CSV page has the header
 * row, so pages concatenate into one file. The CSV's headers import back as they are.
 */
export const EXPORT_PAGE = 1000;

const COLUMNS = [
  'id',
  'First Name',
  'Last Name',
  'Email',
  'Other Emails',
  'Phone',
  'Mobile Phone',
  'Street',
  'Address 2',
  'City',
  'Postal Code',
  'Region',
  'Country',
  'Company Id',
  'Owner Id',
  'Lifecycle Stage',
  'Tags',
  'Marketing Consent',
  'Created At',
  'Updated At',
] as const;

function csvRow(contact: Contact, customKeys: string[]): CsvCell[] {
  const address = contact.addresses[0];
  const phone = (types: string[]) => contact.phones.find((p) => types.includes(p.type))?.number ?? '';
  return [
    contact.id,
    contact.firstName,
    contact.lastName,
    contact.email ?? '',
    contact.emails.join(';'),
    phone(['work', 'home', 'other']),
    phone(['mobile']),
    address?.lines[0] ?? '',
    address?.lines[1] ?? '',
    address?.city ?? '',
    address?.postalCode ?? '',
    address?.region ?? '',
    address?.country ?? '',
    contact.companyId ?? '',
    contact.ownerId ?? '',
    contact.lifecycleStage,
    contact.tags.join(';'),
    contact.marketingConsent?.status ?? '',
    contact.createdAt,
    contact.updatedAt,
    ...customKeys.map((key) => ownValue(contact.customFields, key) ?? ''),
  ];
}

export async function exportContacts(
  ctx: TenantContext,
  format: 'csv' | 'ndjson',
  customKeys: string[],
  cursor?: string,
): Promise<{ body: string; nextCursor?: string }> {
  const page = await queryPage(
    ctx,
    { index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) },
    { limit: EXPORT_PAGE, ...(cursor ? { cursor } : {}) },
    contactFromItem,
  );
  const body =
    format === 'ndjson'
      ? page.items.map((c) => `${JSON.stringify(c)}\n`).join('')
      : await toCsv([
          ...(cursor ? [] : [[...COLUMNS, ...customKeys]]),
          ...page.items.map((c) => csvRow(c, customKeys)),
        ]);
  return { body, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
