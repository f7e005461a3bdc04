import * as z from 'zod/mini';
import { startScheduledCampaign } from '../../shared/marketing/campaign-sending.ts';
import { CAMPAIGN_SCHEDULE } from '../../shared/marketing/campaigns.ts';
import { NEWSLETTER_SCHEDULE, runNewsletter } from '../../shared/marketing/newsletters.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';

const CampaignTime = lazy(() => z.object({ campaignId: z.string(), scheduledFor: z.string() }));
const Edition = lazy(() => z.object({ newsletterId: z.string(), occurrence: z.string() }));

/** Scheduled campaigns start, newsletter editions run: each checks it is still the one pending. */
export const handler = jobHandler('marketing-jobs', async ({ input, ctx }) => {
  if (!ctx) throw new Error(`${input.schedule} runs for one tenant but names none.`);
  switch (input.schedule) {
    case CAMPAIGN_SCHEDULE: {
      const { campaignId, scheduledFor } = CampaignTime.parse(input.payload);
      return { campaign: await startScheduledCampaign(ctx, campaignId, scheduledFor) };
    }
    case NEWSLETTER_SCHEDULE: {
      const { newsletterId, occurrence } = Edition.parse(input.payload);
      return { run: (await runNewsletter(ctx, newsletterId, occurrence)) ?? 'stale' };
    }
    default:
      throw new Error(`marketing-jobs does not run ${input.schedule}.`);
  }
});
