import * as z from 'zod/mini';
import { deleteSchedule, scheduleNames, upsertSchedule } from './aws/scheduler.ts';
import { readEnv } from './config.ts';
import { lazy } from './lazy.ts';

/**
 * Per-tenant schedules (declared with `kind: 'per-tenant'`) come to the provisioner through the
 * environment, written by the stack and the local runtime from the same declaration.
 * An expression may use `{dailyJobHour}`, the tenant's chosen hour for daily jobs.
 */
const TenantScheduleList = lazy(() =>
  z.array(z.object({ name: z.string(), expression: z.string(), target: z.string() })),
);

const env = readEnv({
  TENANT_SCHEDULES: lazy(() =>
    z.pipe(
      z.string(),
      z.transform((text) => TenantScheduleList.parse(JSON.parse(text))),
    ),
  ),
});

export interface TenantScheduleSettings {
  tenantId: string;
  timeZone: string;
  dailyJobHour: number;
}

export function tenantScheduleName(schedule: string, tenantId: string): string {
  return `${schedule}-${tenantId}`;
}

export async function provisionTenantSchedules(tenant: TenantScheduleSettings): Promise<string[]> {
  const names: string[] = [];
  for (const schedule of env.TENANT_SCHEDULES) {
    const name = tenantScheduleName(schedule.name, tenant.tenantId);
    await upsertSchedule({
      name,
      expression: schedule.expression.replaceAll('{dailyJobHour}', String(tenant.dailyJobHour)),
      timezone: tenant.timeZone,
      target: schedule.target,
      input: { schedule: schedule.name, tenantId: tenant.tenantId },
      description: `${schedule.name} for tenant ${tenant.tenantId}`,
    });
    names.push(name);
  }
  return names;
}

/**
 * Every tenant that has at least one per-tenant schedule, read from Scheduler itself (schedule
 * names end with the tenant id): the reconciliation job needs all tenants, and the table has, by
 * design, no partition that lists them.
 */
export async function tenantsWithSchedules(): Promise<string[]> {
  const tenants = new Set<string>();
  for (const schedule of env.TENANT_SCHEDULES) {
    const prefix = `${schedule.name}-`;
    for (const name of await scheduleNames(prefix)) {
      const tenantId = name.slice(prefix.length);
      if (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(tenantId)) tenants.add(tenantId);
    }
  }
  return [...tenants].sort();
}

/** Deletes every per-tenant schedule of the tenant (its removal); those already gone are fine. */
export async function deleteTenantSchedules(tenantId: string): Promise<void> {
  for (const schedule of env.TENANT_SCHEDULES)
    await deleteSchedule(tenantScheduleName(schedule.name, tenantId));
}
