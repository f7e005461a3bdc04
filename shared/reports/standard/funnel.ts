import type { ReportImplementation } from '../standard.ts';
import { count, dimension, period, ratio, whereOf } from './parts.ts';

/** The implementation of the funnel report; its description is in the catalogue (../standard.ts). */
export const funnel: ReportImplementation = {
  columns: () => [
    period,
    dimension('pipelineId', 'Pipeline'),
    { name: 'position', label: 'Position', kind: 'dimension', unit: 'count' },
    dimension('stageId', 'Stage'),
    count('reached', 'Deals reaching the stage'),
    ratio('conversion', 'Conversion from the stage before'),
    count('exits', 'Deals leaving the stage'),
    { name: 'medianDaysInStage', label: 'Median days in stage', kind: 'measure', unit: 'days' },
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['DealCreated', 'DealStageChanged'],
      columns: [
        'deal_id',
        'pipeline_id',
        'stage_id',
        'stage_position',
        'stage_outcome',
        'from_stage_id',
        'from_stage_position',
        'duration_seconds',
        'owner_id',
        'team',
      ],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    return sql.query(
      `WITH f AS (${facts}),
      reach AS (
        SELECT ${bucket} AS period, pipeline_id, deal_id,
          greatest(
            coalesce(max(CASE WHEN stage_outcome IN ('open', 'won') THEN stage_position END), 0),
            coalesce(max(from_stage_position), 0)) AS position
        FROM f GROUP BY 1, 2, 3),
      reached AS (SELECT period, pipeline_id, position, count(*) AS deals FROM reach GROUP BY 1, 2, 3),
      times AS (
        SELECT ${sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain)} AS period, pipeline_id, from_stage_position AS position,
          count(*) AS exits, ${sql.median('duration_seconds')} AS median_seconds
        FROM f WHERE event_type = 'DealStageChanged' AND from_stage_position IS NOT NULL GROUP BY 1, 2, 3)
      SELECT coalesce(r.period, t.period) AS period, coalesce(r.pipeline_id, t.pipeline_id) AS pipeline_id,
        coalesce(r.position, t.position) AS position, coalesce(r.deals, 0) AS deals, coalesce(t.exits, 0) AS exits,
        t.median_seconds AS median_seconds
      FROM reached AS r FULL OUTER JOIN times AS t
        ON r.period = t.period AND r.pipeline_id = t.pipeline_id AND r.position = t.position`,
    );
  },
  // Needs the pipelines' stages: the service calls shapeFunnel with them (reports.ts).
  shape: (rows) => rows,
};
