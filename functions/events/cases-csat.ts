import { CaseStatusChanged } from '../../events/cases.ts';
import { getCaseSettings } from '../../shared/cases/settings.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { startTriggeredWave } from '../../shared/surveys/waves.ts';

/**
 * A case was solved: its customer gets the tenant's satisfaction survey through the surveys
 * module, once per case (a case solved again after reopening is not surveyed twice). Answers
 * flow back as SurveyResponded, where the detractor rules open a follow-up task.
 */
export const handler = eventHandler('cases-csat', [CaseStatusChanged], async (event, ctx) => {
  const { caseId, to, contactId } = event.detail;
  if (to !== 'solved' || !contactId) return;
  const { csatSurveyId } = await getCaseSettings(ctx);
  if (!csatSurveyId) return;
  const wave = await startTriggeredWave(ctx, csatSurveyId, contactId, `case#${caseId}`);
  ctx.logger.info('case satisfaction survey', { caseId, waveId: wave?.id });
});
