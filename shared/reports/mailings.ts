import type { TenantContext } from '../platform/context.ts';
import { getItem, getItems } from '../platform/db/repository.ts';
import { absentIfNotFound, ValidationError } from '../platform/errors.ts';
import { sendMailOnce } from '../tasks/one-time.ts';
import { addressLines } from '../tenancy/address.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { getCustomReport, memberMaySee } from './custom.ts';
import { reportKeys } from './keys.ts';
import { cellText, reportEmailHtml, TABLE_ROWS } from './mail-content.tsx';
import { toCsv, toSvg } from './render.ts';
import { answerReport, checkStandardParameters, type ReportDescription, reportRun } from './reports.ts';
import { advanceSchedule, getReportSchedule, mailingPeriod, pauseSchedule } from './schedules.ts';
import type { CustomReport, ReportQuery, ReportResult } from './schema.ts';
import { standardReportEntry } from './standard.ts';

/**
 * One occurrence of a report schedule: the report over the period the schedule names (relative
 * to the occurrence's day), drawn as a chart shown inline in an HTML email and attached as CSV,
 * sent once to each recipient (a guard item per occurrence and member is written before each
 * send), then the schedule moves on to its next occurrence. A firing for an occurrence that is no
 * longer the pending one (the schedule changed, or this is a redelivery) sends nothing.
 */
export interface MailingOutcome {
  sent: number;
  skipped: 'stale' | 'report_deleted' | 'invalid_parameters' | undefined;
}

/** How long the mailer waits for Athena before giving up this try (the schedule retries). */
const QUERY_WAIT_MS = 8 * 60 * 1000;

export async function mailOccurrence(
  ctx: TenantContext,
  scheduleId: string,
  occurrence: string,
): Promise<MailingOutcome> {
  const schedule = await getReportSchedule(ctx, scheduleId).catch(absentIfNotFound);
  if (schedule?.status !== 'active' || schedule.nextOccurrence !== occurrence)
    return { sent: 0, skipped: 'stale' };
  const period = mailingPeriod(schedule.period, occurrence);
  let description: ReportDescription;
  let custom: CustomReport | undefined;
  if (schedule.report.type === 'standard') {
    // Saved before their values were checked, a schedule's parameters may not run: it would fail
    // at every try and never move on, so it pauses, saying why.
    const invalid = invalidParameters(schedule.report.report, schedule.report.parameters);
    if (invalid) {
      await pauseSchedule(ctx, schedule, occurrence, `Its report parameters are not valid: ${invalid}`);
      return { sent: 0, skipped: 'invalid_parameters' };
    }
    const { grain, ...parameters } = schedule.report.parameters;
    description = {
      kind: 'standard',
      report: schedule.report.report,
      query: {
        ...parameters,
        from: period.from,
        to: period.to,
        grain: (grain as ReportQuery['grain']) ?? period.grain,
      },
    };
  } else {
    custom = await getCustomReport(ctx, schedule.report.customReportId).catch(absentIfNotFound);
    if (!custom) {
      await pauseSchedule(ctx, schedule, occurrence, 'Its custom report was deleted.');
      return { sent: 0, skipped: 'report_deleted' };
    }
    description = {
      kind: 'custom',
      customReportId: custom.id,
      definition: custom,
      query: { from: period.from, to: period.to },
    };
  }
  let answer = await answerReport(ctx, description, { waitMs: QUERY_WAIT_MS });
  if (answer.kind === 'pending') answer = await reportRun(ctx, answer.runId);
  if (answer.kind === 'pending')
    throw new Error(`The report of ${scheduleId} is still running; the mailing will retry.`);
  const { result } = answer;
  const chart = answer.plan?.chart ?? { type: 'bar' as const, series: [] };
  const [svg, csv] = await Promise.all([
    toSvg({ ...result, type: chart.type, series: chart.series }),
    toCsv(result),
  ]);
  const tenant = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId));
  const members = await getItems(
    ctx,
    schedule.recipients.map((id) => tenancyKeys.member(ctx.tenantId, id)),
  );
  let sent = 0;
  // A custom report made private since the schedule was saved goes only to those who may see it.
  const readers = members.filter(
    (m) =>
      m.status === 'active' && (!custom || memberMaySee(custom, { id: String(m.id), role: String(m.role) })),
  );
  for (const member of readers) {
    const outcome = await sendMailOnce(
      ctx,
      reportKeys.sent(ctx.tenantId, schedule.id, occurrence, String(member.id)),
      {
        category: 'transactional',
        sender: (tenant?.sender as { name: string; email: string }) ?? {
          name: 'Funnel CRM',
          email: 'reports@funnel.example',
        },
        to: String(member.email),
        subject: `${schedule.name}: ${result.title}, ${result.period.from} to ${result.period.to}`,
        text: textOf(schedule.name, result),
        html: reportEmailHtml({
          name: schedule.name,
          result,
          description: standardReportEntry(result.report)?.description ?? '',
          brand: String(tenant?.name ?? 'Funnel CRM'),
          footer: tenant
            ? [String(tenant.name), ...addressLines(tenant as Pick<Tenant, 'postalAddress'>)]
            : [],
          lang: String(tenant?.locale ?? 'en'),
        }),
        tags: { kind: 'report', scheduleId: schedule.id },
        attachments: [
          {
            filename: 'chart.svg',
            contentType: 'image/svg+xml',
            content: Buffer.from(svg),
            inline: { contentId: 'chart' },
          },
          {
            filename: `${result.report}-${result.period.from}-${result.period.to}.csv`,
            contentType: 'text/csv',
            content: Buffer.from(csv),
          },
        ],
      },
    );
    if (outcome?.status === 'sent') sent++;
  }
  await advanceSchedule(ctx, schedule, occurrence);
  return { sent, skipped: undefined };
}

function textOf(name: string, result: ReportResult): string {
  const lines = result.rows
    .slice(0, TABLE_ROWS)
    .map((row) =>
      result.columns.map((c) => `${c.label}: ${cellText(result, c.name, row[c.name])}`).join(', '),
    );
  return `${name}\n${result.title}, ${result.period.from} to ${result.period.to}\n\n${lines.join('\n')}\n\nThe attached CSV holds every row.`;
}

function invalidParameters(report: string, parameters: Record<string, string>): string | undefined {
  try {
    checkStandardParameters(report, parameters, 'report');
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`).join(' ');
  }
}
