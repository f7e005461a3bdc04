import type { ReportImplementation, Row } from '../standard.ts';
import { count, dimension, fillBuckets, num, period, rate, ratio, text } from './parts.ts';

/** The implementation of the email-marketing report; its description is in the catalogue (../standard.ts). */
export const emailMarketing: ReportImplementation = {
  columns: (input) => [
    ...(input.by === 'mailing' ? [dimension('mailingId', 'Mailing'), dimension('kind', 'Kind')] : [period]),
    count('sent', 'Sent'),
    count('delivered', 'Delivered'),
    count('bounced', 'Bounced'),
    count('softBounced', 'Soft bounces'),
    count('complained', 'Complaints'),
    count('unsubscribed', 'Unsubscribed'),
    ratio('deliveryRate', 'Delivery rate'),
    ratio('bounceRate', 'Bounce rate'),
    ratio('complaintRate', 'Complaint rate'),
    ratio('unsubscribeRate', 'Unsubscribe rate'),
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['EmailSent', 'EmailDelivered', 'EmailBounced', 'EmailComplained', 'SubscriptionChanged'],
      columns: ['mailing_id', 'mailing_kind', 'outcome', 'status'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      also: ['mailing_id IS NOT NULL'],
    });
    const kinds = input.filters.kind
      ? `k.mailing_kind = ${sql.p(input.filters.kind)}`
      : `k.mailing_kind IN ('campaign', 'newsletter')`;
    const group =
      input.by === 'mailing'
        ? `f.mailing_id AS grp, k.mailing_kind AS kind`
        : `${sql.bucket(sql.local('f.occurred_at', input.period.timeZone), input.period.grain)} AS grp, CAST(NULL AS VARCHAR) AS kind`;
    return sql.query(
      `WITH f AS (${facts}),
      k AS (SELECT mailing_id, max(mailing_kind) AS mailing_kind FROM f WHERE mailing_kind IS NOT NULL GROUP BY mailing_id)
      SELECT ${group},
        sum(CASE WHEN f.event_type = 'EmailSent' THEN 1 ELSE 0 END) AS sent,
        sum(CASE WHEN f.event_type = 'EmailDelivered' THEN 1 ELSE 0 END) AS delivered,
        sum(CASE WHEN f.event_type = 'EmailBounced' AND f.outcome = 'bounced' THEN 1 ELSE 0 END) AS bounced,
        sum(CASE WHEN f.event_type = 'EmailBounced' AND f.outcome = 'soft_bounced' THEN 1 ELSE 0 END) AS soft_bounced,
        sum(CASE WHEN f.event_type = 'EmailComplained' THEN 1 ELSE 0 END) AS complained,
        sum(CASE WHEN f.event_type = 'SubscriptionChanged' AND f.status = 'unsubscribed' THEN 1 ELSE 0 END) AS unsubscribed
      FROM f JOIN k ON k.mailing_id = f.mailing_id
      WHERE ${kinds}
      GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const shaped = rows.map(
      (r): Row => ({
        ...(input.by === 'mailing'
          ? { mailingId: text(r.grp), kind: text(r.kind) }
          : { period: text(r.grp) }),
        sent: num(r.sent),
        delivered: num(r.delivered),
        bounced: num(r.bounced),
        softBounced: num(r.soft_bounced),
        complained: num(r.complained),
        unsubscribed: num(r.unsubscribed),
      }),
    );
    const rows2 =
      input.by === 'mailing'
        ? shaped.sort((a, b) => String(a.mailingId).localeCompare(String(b.mailingId)))
        : fillBuckets(shaped, input, [], {
            sent: 0,
            delivered: 0,
            bounced: 0,
            softBounced: 0,
            complained: 0,
            unsubscribed: 0,
          });
    return rows2.map((r) => ({
      ...r,
      deliveryRate: rate(num(r.delivered), num(r.sent)),
      bounceRate: rate(num(r.bounced) + num(r.softBounced), num(r.sent)),
      complaintRate: rate(num(r.complained), num(r.delivered)),
      unsubscribeRate: rate(num(r.unsubscribed), num(r.delivered)),
    }));
  },
};
