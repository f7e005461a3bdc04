/**
 * The words of a contact's record that other modules' schemas reuse (marketing's segment
 * conditions). Apart from schema.ts so that using them does not load every contact schema.
 */
export const LIFECYCLE_STAGES = ['lead', 'prospect', 'customer', 'former'] as const;
export const CONSENT_STATUSES = ['granted', 'denied', 'unknown'] as const;
