import { SurveyScheduleSaved } from '../../events/surveys.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { scheduleWave } from '../../shared/surveys/waves.ts';

/** Turns a survey's pending wave into a one-time schedule; upserts are idempotent. */
export const handler = eventHandler('surveys-timers', [SurveyScheduleSaved], async (event, ctx) => {
  await scheduleWave(ctx, event.detail);
});
