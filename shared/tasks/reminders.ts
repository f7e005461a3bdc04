import type { TenantContext } from '../platform/context.ts';
import { queryPage } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { renderTextEmail } from '../platform/pages/email.tsx';
import { localDate } from '../platform/time.ts';
import { addressLines } from '../tenancy/address.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import type { Member, Tenant } from '../tenancy/schema.ts';
import { taskKeys } from './keys.ts';
import { deleteSchedule, scheduleOnce, sendMailOnce } from './one-time.ts';
import type { Task } from './schema.ts';
import { getTask, remindAtOf } from './service.ts';
import { allMembers, countOverdue } from './summary.ts';

export const REMINDER_SCHEDULE = 'task-reminder';
export const DIGEST_SCHEDULE = 'overdue-task-digest';
const TARGET = 'tasks-jobs';

/** The one-time schedule of a task's reminder at one moment (a new moment gets a new schedule). */
export function reminderScheduleName(taskId: string, remindAt: string): string {
  return `${REMINDER_SCHEDULE}-${taskId}-${remindAt.slice(0, 16).replace(/[-:T]/g, '')}`;
}

/**
 * Keeps a task's reminder schedule in line with the task: the stale one (if the moment moved) is
 * deleted, the new one created. Idempotent, so a redelivered event writes the same schedule.
 */
export async function scheduleReminder(
  ctx: TenantContext,
  change: { taskId: string; remindAt?: string; previousRemindAt?: string; dueAt?: string },
): Promise<void> {
  if (change.previousRemindAt && change.previousRemindAt !== change.remindAt)
    await deleteSchedule(reminderScheduleName(change.taskId, change.previousRemindAt));
  if (!change.remindAt || !change.dueAt) return;
  // A task already due when this runs gets no reminder: the overdue digest covers it.
  if (Date.parse(change.dueAt) <= ctx.clock.now().getTime()) return;
  await scheduleOnce(ctx, {
    name: reminderScheduleName(change.taskId, change.remindAt),
    local: change.remindAt.slice(0, 16),
    timeZone: 'UTC',
    target: TARGET,
    schedule: REMINDER_SCHEDULE,
    payload: { taskId: change.taskId, remindAt: change.remindAt },
    description: `Reminder of task ${change.taskId}`,
  });
}

export type ReminderOutcome = 'sent' | 'suppressed' | 'blocked' | 'already_sent' | 'stale';

/**
 * Emails the assignee that a task is due soon, once per task and reminder moment. A reminder whose
 * task was closed, reassigned or rescheduled since is stale and sends nothing.
 */
export async function sendReminder(
  ctx: TenantContext,
  taskId: string,
  remindAt: string,
): Promise<ReminderOutcome> {
  const task = await getTask(ctx, taskId).catch(absentIfNotFound);
  if (!task || remindAtOf(task) !== remindAt || !task.assigneeId) return 'stale';
  const [member, tenant] = await Promise.all([getMember(ctx, task.assigneeId), getTenant(ctx)]);
  if (member.status !== 'active') return 'stale';
  const i18n = await translator(tenant.locale);
  const due = `${i18n.dateTime(task.dueAt!, tenant.timeZone)} (${tenant.timeZone})`;
  const lines = [
    i18n.t('task.mail.greeting', { name: member.name }),
    '',
    i18n.t('task.reminder.due', { title: task.title, due }),
    ...(task.description ? ['', task.description] : []),
    ...(task.checklist.length
      ? ['', i18n.t('task.reminder.checklist'), ...task.checklist.map((c) => `- ${c.text}`)]
      : []),
  ];
  const outcome = await sendMailOnce(ctx, taskKeys.reminderSent(ctx.tenantId, taskId, remindAt), {
    category: 'transactional',
    sender: senderOf(tenant),
    to: member.email,
    subject: i18n.t('task.reminder.subject', { title: task.title }),
    text: lines.join('\n'),
    html: htmlOf(tenant, i18n, lines),
    tags: { kind: 'task-reminder', taskId },
  });
  if (!outcome) return 'already_sent';
  return outcome.status;
}

const DIGEST_LIST = 20;

/**
 * The daily digest: each active member with overdue tasks (open or in progress, due before
 * `asOf`) gets one email listing them, once per local day. Work is one or two index queries per
 * member, bounded by the number of members, never a pass over the tasks.
 */
export async function sendOverdueDigests(ctx: TenantContext, asOf: Date): Promise<{ sent: number }> {
  const tenant = await getTenant(ctx);
  const i18n = await translator(tenant.locale);
  const today = localDate(asOf, tenant.timeZone);
  let sent = 0;
  for (const member of (await allMembers(ctx)).values()) {
    if (member.status !== 'active') continue;
    const overdue = await overdueTasksOf(ctx, member, asOf);
    if (overdue.total === 0) continue;
    const outcome = await sendMailOnce(ctx, taskKeys.digestSent(ctx.tenantId, member.id, today), {
      category: 'transactional',
      sender: senderOf(tenant),
      to: member.email,
      subject: i18n.t('task.digest.subject', { count: overdue.total }),
      ...digestBody(member, overdue, tenant, i18n),
      tags: { kind: 'overdue-task-digest', memberId: member.id },
    });
    if (outcome?.status === 'sent') sent++;
  }
  return { sent };
}

async function overdueTasksOf(ctx: TenantContext, member: Member, asOf: Date) {
  const instant = asOf.toISOString();
  const tasks: Task[] = [];
  let total = 0;
  for (const status of ['open', 'in_progress'] as const) {
    total += await countOverdue(ctx, member.id, status, instant);
    if (tasks.length >= DIGEST_LIST) continue;
    const page = await queryPage<Task>(
      ctx,
      {
        index: 'GSI1',
        partition: taskKeys.byAssignee(ctx.tenantId, member.id),
        sort: { between: [`${status}#0`, `${status}#${instant}`] },
      },
      { limit: DIGEST_LIST - tasks.length },
    );
    tasks.push(...page.items);
  }
  return { total, tasks };
}

function digestBody(
  member: Member,
  overdue: { total: number; tasks: Task[] },
  tenant: Tenant,
  i18n: Translator,
) {
  const lines = [
    i18n.t('task.mail.greeting', { name: member.name }),
    '',
    i18n.t('task.digest.intro'),
    ...overdue.tasks.map(
      (t) =>
        `- ${i18n.t('task.digest.item', { title: t.title, due: i18n.dateTime(t.dueAt!, tenant.timeZone) })}`,
    ),
    ...(overdue.total > overdue.tasks.length
      ? [i18n.t('task.digest.more', { count: overdue.total - overdue.tasks.length })]
      : []),
  ];
  return { text: lines.join('\n'), html: htmlOf(tenant, i18n, lines) };
}

function senderOf(tenant: Tenant) {
  return {
    name: tenant.sender.name,
    email: tenant.sender.email,
    ...(tenant.replyTo ? { replyTo: tenant.replyTo } : {}),
  };
}

function htmlOf(tenant: Tenant, i18n: Translator, lines: string[]): string {
  return renderTextEmail(
    { lang: i18n.locale, brand: tenant.name, footer: [tenant.name, ...addressLines(tenant)] },
    lines.join('\n'),
  );
}
