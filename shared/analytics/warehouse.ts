import type { TenantContext } from '../platform/context.ts';
import { getItem } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { Sql } from '../reports/sql.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { type QueryResult, runQuery, sqlDialect, warehouseDatabase } from '../warehouse/query.ts';

/**
 * Analyses read the warehouse through the reports' one SQL compiler (its `facts()` always adds
 * the tenant's partition), in jobs that may wait for Athena as long as a Lambda runs.
 */
const JOB_WAIT_MS = 10 * 60_000;

export const compiler = () => new Sql(sqlDialect, warehouseDatabase);

export async function rowsOf(sql: Sql, text: string): Promise<QueryResult['rows']> {
  const query = sql.query(text);
  const outcome = await runQuery(query.sql, query.parameters, { waitMs: JOB_WAIT_MS });
  if (!outcome.done) throw new Error(`The warehouse did not answer within ${JOB_WAIT_MS / 60_000} minutes.`);
  return outcome.result.rows;
}

export async function tenantSettings(ctx: TenantContext): Promise<{ timeZone: string; currency: string }> {
  const tenant = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId));
  if (!tenant) throw new NotFoundError('Tenant', ctx.tenantId);
  return { timeZone: String(tenant.timeZone), currency: String(tenant.currency) };
}

/** How far back analyses read: every order of the last ten years counts. */
export const HISTORY_YEARS = 10;

export function historyStart(now: Date): Date {
  const from = new Date(now);
  from.setUTCFullYear(from.getUTCFullYear() - HISTORY_YEARS);
  return from;
}

export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
