import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ValidationError } from '../platform/errors.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { DEFAULT_WEEK } from './business-hours.ts';
import { caseKeys } from './keys.ts';
import type { CaseSettings } from './schema.ts';
import { DEFAULT_CLOSE_SOLVED_AFTER_DAYS, DEFAULT_SLA_TARGETS, type SlaEnvironment } from './sla-clocks.ts';

/**
 * Monday to Friday, 9 to 5, no holidays, the default SLA targets, no survey: what a tenant has
 * until it says otherwise.
 */
export const DEFAULT_SETTINGS: CaseSettings = {
  week: DEFAULT_WEEK,
  holidays: [],
  slaTargets: DEFAULT_SLA_TARGETS,
  closeSolvedAfterDays: DEFAULT_CLOSE_SOLVED_AFTER_DAYS,
};

export async function getCaseSettings(ctx: TenantContext): Promise<CaseSettings> {
  const item = await getItem(ctx, caseKeys.settings(ctx.tenantId));
  return item ? { ...DEFAULT_SETTINGS, ...withoutKeys<CaseSettings>(item) } : DEFAULT_SETTINGS;
}

/**
 * What SLA clocks run by: the opening hours and holidays in the tenant's time zone, and the targets
 * (two reads; `tenant` when the caller holds it already).
 */
export async function slaEnvironment(ctx: TenantContext, tenant?: Tenant): Promise<SlaEnvironment> {
  // Tenancy (its schemas and events) loads on the writes that start or move SLA clocks only.
  const [{ timeZone }, settings] = await Promise.all([
    tenant ?? import('./tenant.ts').then(({ getTenant }) => getTenant(ctx)),
    getCaseSettings(ctx),
  ]);
  return {
    hours: { timeZone, week: settings.week, holidays: settings.holidays },
    targets: settings.slaTargets ?? DEFAULT_SLA_TARGETS,
    closeSolvedAfterDays: settings.closeSolvedAfterDays ?? DEFAULT_CLOSE_SOLVED_AFTER_DAYS,
  };
}

/** Replaces the settings; clocks already running keep their targets (docs/contact-centre.md). */
export async function putCaseSettings(ctx: TenantContext, settings: CaseSettings): Promise<CaseSettings> {
  const issues = Object.entries(settings.week).flatMap(([day, hours]) =>
    hours && hours.closes <= hours.opens
      ? [{ path: `body.week.${day}.closes`, message: 'Must be after `opens`.' }]
      : [],
  );
  if (issues.length) throw new ValidationError(issues);
  if (!Object.values(settings.week).some(Boolean))
    throw ValidationError.field('body.week', 'Open at least one day: SLA clocks need open hours.');
  const saved: CaseSettings = {
    ...settings,
    holidays: [...new Set(settings.holidays)].sort(),
    slaTargets: settings.slaTargets ?? DEFAULT_SLA_TARGETS,
    closeSolvedAfterDays: settings.closeSolvedAfterDays ?? DEFAULT_CLOSE_SOLVED_AFTER_DAYS,
  };
  await unitOfWork(ctx)
    .put({ ...caseKeys.settings(ctx.tenantId), entity: 'CaseSettings', ...saved })
    .commit();
  return saved;
}
