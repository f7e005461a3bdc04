import type { ReportImplementation } from '../standard.ts';
import { count, dimension, fillBuckets, money, num, period, rate, ratio, text, whereOf } from './parts.ts';

/** The implementation of the sales-closed report; its description is in the catalogue (../standard.ts). */
export const salesClosed: ReportImplementation = {
  columns: (input) => [
    period,
    ...(input.by === 'owner' ? [dimension('ownerId', 'Owner')] : []),
    ...(input.by === 'team' ? [dimension('team', 'Team')] : []),
    ...(input.by === 'pipeline' ? [dimension('pipelineId', 'Pipeline')] : []),
    count('won', 'Won'),
    count('lost', 'Lost'),
    count('closed', 'Closed'),
    ratio('closeRate', 'Close rate'),
    money('revenueWon', 'Revenue won'),
  ],
  compile(sql, input) {
    const group = { owner: 'owner_id', team: 'team', pipeline: 'pipeline_id' }[input.by ?? ''];
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['DealWon', 'DealLost'],
      columns: ['owner_id', 'team', 'pipeline_id', 'amount', 'currency', 'country', 'region'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const currency = sql.p(input.currency);
    return sql.query(
      `SELECT ${bucket} AS period, ${group ?? 'CAST(NULL AS VARCHAR)'} AS grp,
        sum(CASE WHEN event_type = 'DealWon' THEN 1 ELSE 0 END) AS won,
        sum(CASE WHEN event_type = 'DealLost' THEN 1 ELSE 0 END) AS lost,
        sum(CASE WHEN event_type = 'DealWon' AND currency = ${currency} THEN amount ELSE 0 END) AS revenue_won
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const key = { owner: 'ownerId', team: 'team', pipeline: 'pipelineId' }[input.by ?? ''];
    const shaped = rows.map((r) => ({
      period: text(r.period),
      ...(key ? { [key]: text(r.grp) } : {}),
      won: num(r.won),
      lost: num(r.lost),
      revenueWon: num(r.revenue_won),
    }));
    return fillBuckets(shaped, input, key ? [key] : [], { won: 0, lost: 0, revenueWon: 0 }).map((r) => ({
      ...r,
      closed: num(r.won) + num(r.lost),
      closeRate: rate(num(r.won), num(r.won) + num(r.lost)),
    }));
  },
};
