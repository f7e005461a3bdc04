import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ValidationError } from '../platform/errors.ts';
import { DEFAULT_WEEK } from './business-hours.ts';
import { caseKeys } from './keys.ts';
import type { CaseSettings } from './schema.ts';

/** Monday to Friday, 9 to 5, no holidays, no survey: what a tenant has until it says otherwise. */
export const DEFAULT_SETTINGS: CaseSettings = { week: DEFAULT_WEEK, holidays: [] };

export async function getCaseSettings(ctx: TenantContext): Promise<CaseSettings> {
  const item = await getItem(ctx, caseKeys.settings(ctx.tenantId));
  return item ? withoutKeys<CaseSettings>(item) : DEFAULT_SETTINGS;
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
  const saved: CaseSettings = { ...settings, holidays: [...new Set(settings.holidays)].sort() };
  await unitOfWork(ctx)
    .put({ ...caseKeys.settings(ctx.tenantId), entity: 'CaseSettings', ...saved })
    .commit();
  return saved;
}
