import * as z from 'zod/mini';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { startScheduledWave, WAVE_SCHEDULE } from '../../shared/surveys/waves.ts';

const WaveOccurrence = lazy(() => z.object({ surveyId: z.string(), occurrence: z.string() }));

/** Starts the wave of a survey whose schedule fired; a stale or repeated firing starts nothing. */
export const handler = jobHandler('surveys-jobs', async ({ input, ctx }) => {
  if (!ctx) throw new Error(`${input.schedule} names no tenant.`);
  if (input.schedule !== WAVE_SCHEDULE) throw new Error(`surveys-jobs does not run ${input.schedule}.`);
  const { surveyId, occurrence } = WaveOccurrence.parse(input.payload);
  const wave = await startScheduledWave(ctx, surveyId, occurrence);
  return { waveId: wave?.id };
});
