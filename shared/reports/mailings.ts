import type { TenantContext } from '../platform/context.ts';
import { getItem, getItems } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { sendMailOnce } from '../tasks/one-time.ts';
import { addressLines } from '../tenancy/address.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { getCustomReport } from './custom.ts';
import { reportKeys } from './keys.ts';
import { cellText, reportEmailHtml, TABLE_ROWS } from './mail-content.tsx';
import { toCsv, toSvg } from './render.ts';
import { answerReport, type ReportDescription, reportRun } from './reports.ts';
import { advanceSchedule, getReportSchedule, mailingPeriod, pauseSchedule } from './schedules.ts';
import type { ReportQuery, ReportResult } from './schema.ts';
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
  skipped: 'stale' | 'report_deleted' | undefined;
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
  if (schedule.report.type === 'standard') {
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
    const custom = await getCustomReport(ctx, schedule.report.customReportId).catch(absentIfNotFound);
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
  for (const member of members.filter((m) => m.status === 'active')) {
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
