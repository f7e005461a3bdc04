import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const perTenant = application.schedules.filter((s) => s.kind === 'per-tenant');
const namesOf = (tenantId: string) =>
  runtime.scheduler
    .list()
    .map((s) => s.name)
    .filter((name) => name.endsWith(tenantId))
    .sort();

describe('per-tenant schedules', () => {
  it('are created when a tenant signs up, in its time zone at its daily job hour', async () => {
    const tenant = await signUpOverHttp(runtime, {
      timeZone: 'America/New_York',
      settings: { dailyJobHour: 6 },
    });
    await runtime.settle();
    expect(namesOf(tenant.tenantId)).toEqual(perTenant.map((s) => `${s.name}-${tenant.tenantId}`).sort());
    const daily = runtime.scheduler.list().filter((s) => s.name.endsWith(tenant.tenantId));
    for (const schedule of daily) expect(schedule.timezone).toBe('America/New_York');
    const hourly = perTenant.filter((s) => s.expression?.includes('{dailyJobHour}'));
    for (const spec of hourly) {
      expect(daily.find((s) => s.name.startsWith(spec.name))?.expression).toBe(
        spec.expression!.replace('{dailyJobHour}', '6'),
      );
    }
  });

  it('are given back to tenants who lack some, by the reconciliation job', async () => {
    const tenant = await signUpOverHttp(runtime);
    await runtime.settle();
    const [first, ...others] = namesOf(tenant.tenantId);
    for (const name of others) runtime.scheduler.deleteSchedule({ Name: name, GroupName: 'funnel-local' });
    expect(namesOf(tenant.tenantId)).toEqual([first]);
    const [run] = await runtime.scheduler.runNow('reconcile-schedules');
    expect(run?.ok).toBe(true);
    expect(namesOf(tenant.tenantId)).toEqual(perTenant.map((s) => `${s.name}-${tenant.tenantId}`).sort());
  });
});
