/** The operator's own sender of service mail (verification links) in tests, verified from the start. */
export const SERVICE_SENDER_EMAIL = 'no-reply@funnel.test';
