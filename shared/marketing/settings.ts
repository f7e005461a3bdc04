/**
 * The sending pipeline's numbers, in one module without dependencies: the application declaration
 * (functions/app/marketing.ts) reads them too, so the queues and the code that paces and batches
 * for them cannot disagree.
 */
export const PLAN_QUEUE = 'mailing-plan';
export const SEND_QUEUE = 'mailing-sends';
/** Audience candidates read per planner step. */
export const PLAN_PAGE = 500;
/** Recipients per send message (all of one shard). */
export const SEND_BATCH = 50;
/** Senders at once (the send queue's maximum concurrency): each paces itself at rate / SEND_WORKERS. */
export const SEND_WORKERS = 5;
export const SENDER_TIMEOUT_SECONDS = 300;
/** The send queue's visibility timeout: longer than a sender can run, so a batch is not taken twice. */
export const SENDER_VISIBILITY_SECONDS = SENDER_TIMEOUT_SECONDS + 60;
/** Longer than a sender can run (its timeout): a claim this old belongs to a sender that died. */
export const STALE_CLAIM_MS = SENDER_VISIBILITY_SECONDS * 1000;
