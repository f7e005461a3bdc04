import { isId } from '../ids.ts';

/**
 * Tenant isolation by construction: the only way to build a partition key is through a `TenantId`,
 * and the only ways to get one are the authorizer's verified context, a tenant's own creation, and
 * a job's input naming its tenant. Every key in the table and in every index starts `T#<tenant>#`,
 * which is also what the IAM `dynamodb:LeadingKeys` fence checks in AWS (docs/tenancy.md).
 */
declare const tenantBrand: unique symbol;
export type TenantId = string & { readonly [tenantBrand]: true };

export function asTenantId(value: string): TenantId {
  if (!isId(value)) throw new TypeError(`Not a tenant id: ${value}`);
  return value as TenantId;
}

export function tenantPrefix(tenant: TenantId): string {
  return `T#${tenant}#`;
}

/** `T#<tenant>#part1#part2...`: the partition key of anything a tenant owns. */
export function tenantKey(tenant: TenantId, ...parts: Array<string | number>): string {
  if (parts.length === 0) throw new TypeError('A tenant key needs at least one part after the tenant.');
  return `${tenantPrefix(tenant)}${parts.join('#')}`;
}

/**
 * Zero-padded numbers sort as strings do, so amounts and counters can live in sort keys.
 * Width 15 covers any amount in minor units below 10^15.
 */
export function sortableNumber(value: number, width = 15): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Not a sortable number: ${value}`);
  return String(value).padStart(width, '0');
}

export interface ItemKey {
  PK: string;
  SK: string;
}
