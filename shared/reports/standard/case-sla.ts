import type { ReportImplementation } from '../standard.ts';
import { count, dimension, fillBuckets, num, period, rate, ratio, text, whereOf } from './parts.ts';

/** The contact centre's clocks, in the order a case meets them (the `category` of SLA facts). */
const SLA_METRICS = ['first_response', 'next_response', 'resolution'] as const;

/** The implementation of the case-sla report; its description is in the catalogue (../standard.ts). */
export const caseSla: ReportImplementation = {
  columns: (input) => [
    period,
    ...(input.by === 'metric' ? [dimension('metric', 'Clock')] : []),
    ...(input.by === 'priority' ? [dimension('priority', 'Priority')] : []),
    ...(input.by === 'owner' ? [dimension('ownerId', 'Assignee')] : []),
    ...(input.by === 'team' ? [dimension('team', 'Team')] : []),
    count('met', 'Met'),
    count('breached', 'Breached'),
    ratio('metRate', 'Share met'),
  ],
  compile(sql, input) {
    const group = { metric: 'category', priority: 'level', owner: 'owner_id', team: 'team' }[input.by ?? ''];
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['CaseSlaMet', 'CaseSlaBreached'],
      columns: ['category', 'level', 'owner_id', 'team'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    return sql.query(
      `SELECT ${bucket} AS period, ${group ?? 'CAST(NULL AS VARCHAR)'} AS grp,
        sum(CASE WHEN event_type = 'CaseSlaMet' THEN 1 ELSE 0 END) AS met,
        sum(CASE WHEN event_type = 'CaseSlaBreached' THEN 1 ELSE 0 END) AS breached
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const by = input.by ?? 'none';
    const key = { metric: 'metric', priority: 'priority', owner: 'ownerId', team: 'team' }[by];
    const shaped = rows.map((r) => ({
      period: text(r.period),
      ...(key ? { [key]: text(r.grp) } : {}),
      met: num(r.met),
      breached: num(r.breached),
    }));
    // Every clock in every bucket, in the order a case meets them, so a quiet clock reads as zero.
    const clocks =
      by === 'metric'
        ? SLA_METRICS.map((metric) => ({
            period: input.period.buckets[0]?.start ?? null,
            metric,
            met: 0,
            breached: 0,
          }))
        : [];
    return fillBuckets([...clocks, ...shaped], input, key ? [key] : [], { met: 0, breached: 0 }).map((r) => ({
      ...r,
      metRate: rate(num(r.met), num(r.met) + num(r.breached)),
    }));
  },
};
