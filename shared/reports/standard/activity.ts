import type { ReportImplementation, Row } from '../standard.ts';
import { count, dimension, fillBuckets, num, period, text, whereOf } from './parts.ts';

const CALL_OUTCOMES = ['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number', 'scheduled'] as const;
const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The implementation of the activity report; its description is in the catalogue (../standard.ts). */
export const activity: ReportImplementation = {
  columns: () => [
    period,
    dimension('ownerId', 'Owner'),
    count('calls', 'Calls'),
    ...CALL_OUTCOMES.map((o) => count(camel(`calls_${o}`), `Calls: ${o.replace('_', ' ')}`)),
    count('meetings', 'Meetings'),
    count('notes', 'Notes'),
    count('emails', 'Emails'),
    count('tasksDone', 'Tasks done'),
    count('openTasks', 'Open tasks at the end'),
    count('overdueTasks', 'Overdue tasks at the end'),
  ],
  compile(sql, input) {
    const where = whereOf(input, this.filters);
    const tz = input.period.timeZone;
    const grain = input.period.grain;
    const activities = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['ActivityLogged'],
      columns: ['owner_id', 'team', 'activity_type', 'outcome'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where,
    });
    const done = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['TaskStatusChanged'],
      columns: ['owner_id', 'team', 'status'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where,
      also: [`status = 'done'`],
    });
    // Open tasks at each bucket end: tasks created within the year before the period and since.
    const history = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['TaskCreated', 'TaskStatusChanged', 'TaskRescheduled'],
      columns: ['task_id', 'owner_id', 'team', 'status', 'due_at'],
      from: new Date(input.period.startsAt.getTime() - 365 * 86_400_000),
      to: input.period.endsAt,
    });
    const callOutcomes = CALL_OUTCOMES.map(
      (o) => `sum(CASE WHEN activity_type = 'call' AND outcome = '${o}' THEN 1 ELSE 0 END) AS calls_${o}`,
    ).join(', ');
    const zeros = CALL_OUTCOMES.map((o) => `0 AS calls_${o}`).join(', ');
    const taskWhere = where.map((w) => `t.${sql.name(w.column)} = ${sql.p(w.value)}`);
    return sql.query(
      `WITH tasks AS (
        SELECT task_id,
          min(CASE WHEN event_type = 'TaskCreated' THEN occurred_at END) AS created_at,
          min(CASE WHEN event_type = 'TaskStatusChanged' AND status IN ('done', 'cancelled') THEN occurred_at END) AS closed_at,
          ${sql.argMax('due_at', 'CASE WHEN due_at IS NOT NULL THEN occurred_at END')} AS due_at,
          ${sql.argMax('owner_id', 'CASE WHEN owner_id IS NOT NULL THEN occurred_at END')} AS owner_id,
          ${sql.argMax('team', 'CASE WHEN team IS NOT NULL THEN occurred_at END')} AS team
        FROM (${history}) AS h GROUP BY task_id)
      SELECT ${sql.bucket(sql.local('occurred_at', tz), grain)} AS period, owner_id,
        sum(CASE WHEN activity_type = 'call' THEN 1 ELSE 0 END) AS calls, ${callOutcomes},
        sum(CASE WHEN activity_type = 'meeting' THEN 1 ELSE 0 END) AS meetings,
        sum(CASE WHEN activity_type = 'note' THEN 1 ELSE 0 END) AS notes,
        sum(CASE WHEN activity_type = 'email' THEN 1 ELSE 0 END) AS emails,
        0 AS tasks_done, 0 AS open_tasks, 0 AS overdue_tasks
      FROM (${activities}) AS a GROUP BY 1, 2
      UNION ALL
      SELECT ${sql.bucket(sql.local('occurred_at', tz), grain)} AS period, owner_id, 0, ${zeros}, 0, 0, 0,
        count(*) AS tasks_done, 0, 0
      FROM (${done}) AS d GROUP BY 1, 2
      UNION ALL
      SELECT b.period, t.owner_id, 0, ${zeros}, 0, 0, 0, 0,
        count(*) AS open_tasks, sum(CASE WHEN t.due_at < b.ends_at THEN 1 ELSE 0 END) AS overdue_tasks
      FROM ${sql.buckets(input.period, input.now, 'b')} JOIN tasks AS t
        ON t.created_at < b.ends_at AND (t.closed_at IS NULL OR t.closed_at >= b.ends_at)
      ${taskWhere.length ? `WHERE ${taskWhere.join(' AND ')}` : ''}
      GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const measures = [
      'calls',
      ...CALL_OUTCOMES.map((o) => `calls_${o}`),
      'meetings',
      'notes',
      'emails',
      'tasks_done',
      'open_tasks',
      'overdue_tasks',
    ];
    const merged = new Map<string, Row>();
    for (const row of rows) {
      const key = JSON.stringify([row.period, row.owner_id ?? null]);
      const target = merged.get(key) ?? { period: text(row.period), ownerId: text(row.owner_id) };
      for (const m of measures) target[camel(m)] = num(target[camel(m)]) + num(row[m]);
      merged.set(key, target);
    }
    return fillBuckets(
      [...merged.values()],
      input,
      ['ownerId'],
      Object.fromEntries(measures.map((m) => [camel(m), 0])),
    );
  },
};
