import type { ReportImplementation, Row } from '../standard.ts';
import { count, dimension, fillBuckets, num, period, text, whereOf } from './parts.ts';

/** The implementation of the surveys report; its description is in the catalogue (../standard.ts). */
export const surveys: ReportImplementation = {
  columns: (input) => [
    ...(input.by === 'wave'
      ? [dimension('surveyId', 'Survey'), dimension('waveId', 'Wave')]
      : input.by === 'survey'
        ? [period, dimension('surveyId', 'Survey')]
        : [period]),
    count('responses', 'Responses'),
    count('promoters', 'Promoters'),
    count('passives', 'Passives'),
    count('detractors', 'Detractors'),
    { name: 'nps', label: 'NPS', kind: 'measure', unit: 'score' },
    count('csatResponses', 'CSAT answers'),
    { name: 'csat', label: 'Average CSAT', kind: 'measure', unit: 'score' },
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['SurveyResponded'],
      columns: ['survey_id', 'wave_id', 'score', 'csat', 'country', 'region'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const group =
      input.by === 'wave'
        ? `survey_id AS g1, coalesce(wave_id, '') AS g2`
        : input.by === 'survey'
          ? `${bucket} AS g1, survey_id AS g2`
          : `${bucket} AS g1, CAST(NULL AS VARCHAR) AS g2`;
    return sql.query(
      `SELECT ${group}, count(*) AS responses,
        sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters,
        sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
        sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors,
        sum(CASE WHEN csat IS NOT NULL THEN 1 ELSE 0 END) AS csat_responses,
        sum(coalesce(csat, 0)) AS csat_total
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const shaped = rows.map((r): Row => {
      const scored = num(r.promoters) + num(r.passives) + num(r.detractors);
      return {
        ...(input.by === 'wave'
          ? { surveyId: text(r.g1), waveId: text(r.g2) || null }
          : input.by === 'survey'
            ? { period: text(r.g1), surveyId: text(r.g2) }
            : { period: text(r.g1) }),
        responses: num(r.responses),
        promoters: num(r.promoters),
        passives: num(r.passives),
        detractors: num(r.detractors),
        nps: scored ? Math.round(((num(r.promoters) - num(r.detractors)) / scored) * 1000) / 10 : null,
        csatResponses: num(r.csat_responses),
        csat: num(r.csat_responses)
          ? Math.round((num(r.csat_total) / num(r.csat_responses)) * 100) / 100
          : null,
      };
    });
    if (input.by === 'wave')
      return shaped.sort((a, b) => `${a.surveyId}${a.waveId}`.localeCompare(`${b.surveyId}${b.waveId}`));
    return fillBuckets(shaped, input, input.by === 'survey' ? ['surveyId'] : [], {
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      nps: null,
      csatResponses: 0,
      csat: null,
    });
  },
};
