/**
 * Where received mail lives (the declaration in functions/app/cases.ts and the local SMTP listener
 * read this without loading the inbound code): SES receiving stores each raw message under
 * `incoming/`; what the inbound function will not process is copied under `rejected/<reason>/`.
 */
export const INBOUND_BUCKET = 'mail-inbound';
export const INCOMING_PREFIX = 'incoming/';
export const REJECTED_PREFIX = 'rejected/';
/** SES receiving takes up to 40 MB; a support conversation has no use for more than this. */
export const MAX_INBOUND_BYTES = 10 * 1024 * 1024;
