import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * Keys of the reports module (docs/data-model.md, Reports): cached results and pending runs (one
 * partition each, with a TTL), saved custom reports and schedules (one partition each, listed
 * through GSI1 under one small per-tenant partition), and the send guards of a schedule.
 */
export const reportKeys = {
  cached: (t: TenantId, hash: string) => ({ PK: tenantKey(t, 'REPORT-CACHE', hash), SK: 'RESULT' }),
  run: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'REPORT-RUN', id), SK: 'RUN' }),
  custom: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CUSTOM-REPORT', id), SK: 'CUSTOM-REPORT' }),
  /** GSI1: the tenant's custom reports by name. */
  customList: (t: TenantId) => tenantKey(t, 'CUSTOM-REPORTS'),
  schedule: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'REPORT-SCHEDULE', id), SK: 'SCHEDULE' }),
  /** GSI1: the tenant's report schedules by name. */
  scheduleList: (t: TenantId) => tenantKey(t, 'REPORT-SCHEDULES'),
  /** One mailing of one occurrence to one member, written before it is sent. */
  sent: (t: TenantId, id: string, occurrence: string, memberId: string) => ({
    PK: tenantKey(t, 'REPORT-SCHEDULE', id),
    SK: `SENT#${occurrence}#${memberId}`,
  }),
};
