import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import { ExpressionBuilder } from '../platform/db/expressions.ts';
import { queryEach } from '../platform/db/repository.ts';
import { listMembers } from '../tenancy/members.ts';
import type { Member } from '../tenancy/schema.ts';
import { taskKeys } from './keys.ts';
import { TASK_STATUSES, type TaskStatus, type TaskSummary } from './schema.ts';

type Counts = Record<TaskStatus | 'overdue', number>;

const OPEN_STATES: TaskStatus[] = ['open', 'in_progress'];

const zero = (): Counts => ({ open: 0, in_progress: 0, done: 0, cancelled: 0, overdue: 0 });

/**
 * The managers' overview without a scan. Counts by status and assignee come from counters that
 * every task change moves in its own transaction (one small partition per tenant). Overdue is a
 * moment-dependent count, so it is read from the assignee index instead: for each assignee with
 * open work, the open and in-progress tasks whose due time sorts before `asOf`. That is at most
 * two count queries per member, and each reads only the overdue tasks themselves.
 */
export async function taskSummary(ctx: TenantContext, asOf: Date = ctx.clock.now()): Promise<TaskSummary> {
  const rows = new Map<string, Counts>();
  for await (const item of queryEach(ctx, { partition: taskKeys.counters(ctx.tenantId) })) {
    const key = typeof item.assigneeId === 'string' ? item.assigneeId : '';
    const row = rows.get(key) ?? zero();
    const status = item.status as TaskStatus;
    if (TASK_STATUSES.includes(status)) row[status] += Number(item.count ?? 0);
    rows.set(key, row);
  }
  const instant = asOf.toISOString();
  await Promise.all(
    [...rows].map(async ([assignee, row]) => {
      if (row.open + row.in_progress === 0) return;
      const counts = await Promise.all(
        OPEN_STATES.map((status) => countOverdue(ctx, assignee || undefined, status, instant)),
      );
      row.overdue = counts.reduce((a, b) => a + b, 0);
    }),
  );
  const members = await allMembers(ctx);
  const totals = zero();
  const byAssignee = [...rows]
    .filter(([, row]) => TASK_STATUSES.some((s) => row[s] !== 0))
    .map(([assignee, row]) => {
      for (const key of Object.keys(totals) as Array<keyof Counts>) totals[key] += row[key];
      const member = assignee ? members.get(assignee) : undefined;
      return {
        ...(assignee ? { assigneeId: assignee } : {}),
        ...(member ? { name: member.name } : {}),
        ...(member?.team ? { team: member.team } : {}),
        ...row,
      };
    })
    .sort((a, b) => (a.name ?? '~').localeCompare(b.name ?? '~'));
  return { asOf: instant, totals, byAssignee };
}

export async function allMembers(ctx: TenantContext): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  let cursor: string | undefined;
  do {
    const page = await listMembers(ctx, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const member of page.items) members.set(member.id, member);
    cursor = page.nextCursor;
  } while (cursor);
  return members;
}

/** Open (or in-progress) tasks of one assignee due before `instant`: a count-only key query. */
export async function countOverdue(
  ctx: TenantContext,
  assigneeId: string | undefined,
  status: TaskStatus,
  instant: string,
): Promise<number> {
  const e = new ExpressionBuilder('q');
  const condition = `${e.name('GSI1PK')} = ${e.value(taskKeys.byAssignee(ctx.tenantId, assigneeId))} AND ${e.name(
    'GSI1SK',
  )} BETWEEN ${e.value(`${status}#0`)} AND ${e.value(`${status}#${instant}`)}`;
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const result: QueryCommandOutput = await ctx.db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: condition,
        Select: 'COUNT',
        ExclusiveStartKey: start,
        ...e.attributes(),
      }),
    );
    count += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return count;
}
