import { getContacts } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { absentIfNotFound, NotFoundError } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import type { Visit } from '../platform/pages/reply.ts';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { localDate } from '../platform/time.ts';
import { openTenantLink } from '../tenancy/link-keys.ts';
import { linkProblemPage, tenantNotice } from '../tenancy/page.tsx';
import type { Tenant } from '../tenancy/schema.ts';
import { surveyFormPage } from './form-page.tsx';
import { getInvitation } from './invitations.ts';
import { readAnswers } from './questions.ts';
import { getRevision, getSurvey } from './records.ts';
import { AlreadyAnswered, recordResponse, SurveyClosed } from './responses.ts';
import type { Invitation, SurveyRevision } from './schema.ts';

/**
 * The public answer form, opened from an invitation's signed link: plain HTML through the page
 * shell that works without JavaScript or cookies and reads well on a phone, in the contact's
 * language (else the tenant's). Every problem is written next to its question (and listed at the
 * top) with the other answers kept. Expired, tampered, answered and closed links get a friendly
 * page, never an error document.
 */

type ContextFor = (tenantId: TenantId, invitationId: string) => TenantContext;

export interface OpenedForm {
  ctx: TenantContext;
  invitation: Invitation;
  revision: SurveyRevision;
  tenant: Tenant;
  i18n: Translator;
}

async function open(token: string, contextFor: ContextFor, visit: Visit): Promise<OpenedForm | HtmlPage> {
  const link = await openTenantLink('survey', token, (t, s) => contextFor(t as TenantId, s), visit.now);
  if (!link.ok) {
    const i18n = await translator(
      link.ctx && link.claims ? await respondentLocale(link.ctx, link.claims.s) : undefined,
      link.tenant?.locale,
      visit.browserLocale,
    );
    return linkProblemPage(link.reason, link.tenant, i18n, {
      title: i18n.t('survey.expired.title'),
      message: i18n.t('survey.expired.body'),
    });
  }
  const { ctx, tenant } = link;
  let invitation: Invitation;
  try {
    invitation = await getInvitation(ctx, link.claims.s, true);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const i18n = await translator(tenant.locale);
    return tenantNotice(404, tenant, i18n, i18n.t('survey.removed.title'), i18n.t('survey.removed.body'));
  }
  const [survey, revision, contacts] = await Promise.all([
    getSurvey(ctx, invitation.surveyId).catch(absentIfNotFound),
    getRevision(ctx, invitation.surveyId, invitation.revision).catch(absentIfNotFound),
    getContacts(ctx, [invitation.contactId]),
  ]);
  const i18n = await translator(contacts.get(invitation.contactId)?.locale, tenant.locale);
  if (!survey || !revision)
    return tenantNotice(404, tenant, i18n, i18n.t('survey.removed.title'), i18n.t('survey.removed.body'));
  if (invitation.responseId) return answered(tenant, i18n, invitation.respondedAt);
  if (survey.status !== 'active') return closed(tenant, i18n);
  return { ctx, invitation, revision, tenant, i18n };
}

/** The locale of the contact an invitation was for, when both still exist. */
async function respondentLocale(ctx: TenantContext, invitationId: string): Promise<string | undefined> {
  const invitation = await getInvitation(ctx, invitationId).catch(absentIfNotFound);
  if (!invitation) return undefined;
  return (await getContacts(ctx, [invitation.contactId])).get(invitation.contactId)?.locale;
}

const closed = (tenant: Tenant, i18n: Translator) =>
  tenantNotice(410, tenant, i18n, i18n.t('survey.closed.title'), i18n.t('survey.closed.body'));

const answered = (tenant: Tenant, i18n: Translator, at: string | undefined) =>
  tenantNotice(
    409,
    tenant,
    i18n,
    i18n.t('survey.answered.title'),
    at
      ? i18n.t('survey.answered.bodyOn', { date: i18n.date(localDate(new Date(at), tenant.timeZone)) })
      : i18n.t('survey.answered.body'),
  );

export async function surveyForm(token: string, contextFor: ContextFor, visit: Visit): Promise<HtmlPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  return surveyFormPage(200, opened, {}, {});
}

// The form has no action: it posts back to the address it was opened at, whatever the host.

/** The form's fields (each question's id; checkbox groups repeat it), as the body parser gives them. */
export type FormFields = Record<string, string | string[]>;

export async function submitSurveyForm(
  token: string,
  fields: FormFields,
  contextFor: ContextFor,
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  const { tenant, i18n } = opened;
  // Checked here first, so that the problems are written in the reader's language.
  const { problems } = readAnswers(opened.revision.questions, fields, 'form', i18n);
  if (Object.keys(problems).length) return surveyFormPage(400, opened, fields, problems);
  try {
    await recordResponse(opened.ctx, opened.invitation, {
      answers: fields,
      source: 'form',
      channel: 'web',
      i18n,
    });
  } catch (error) {
    if (error instanceof AlreadyAnswered) return answered(tenant, i18n, error.respondedAt);
    if (error instanceof SurveyClosed) return closed(tenant, i18n);
    throw error;
  }
  return tenantNotice(
    200,
    tenant,
    i18n,
    i18n.t('survey.thanks.title'),
    i18n.t('survey.thanks.body', { company: tenant.name }),
  );
}
