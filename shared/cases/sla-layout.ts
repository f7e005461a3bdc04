/** The SLA schedule and the job it invokes (declared in functions/app/cases.ts without loading sla.ts). */
export const SLA_SCHEDULE = 'case-sla';
export const SLA_JOB = 'cases-sla';
