import type { MailingKind, Reader } from '../marketing/mailing-kinds.ts';
import type { Mailing, MailingStatus } from '../marketing/mailing-types.ts';
import type { ContactData } from '../marketing/recipients.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, type UnitOfWork } from '../platform/db/repository.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import { localDate } from '../platform/time.ts';
import { surveyKeys } from './keys.ts';
import type { SurveySampling, Wave } from './schema.ts';

/**
 * Survey waves as a kind of mailing of the email-marketing sending pipeline, which resolves the
 * audience, applies topics, consent and suppression, fans out, paces, claims one send per
 * recipient and follows bounces and complaints. Surveys add three things through the pipeline's
 * hooks: sampling (`filter`, when each page of recipients is planned), the recipient's own
 * invitation and signed link (`mergeValues`, just before their email goes out), and the wave's
 * mailing status (`onStatusChange`).
 *
 * The mailing's id is the wave's; its `ref` carries what the hooks need of the wave, so sending
 * reads nothing more per recipient. This file imports nothing that leads back to the pipeline's
 * registry of kinds, which imports it. Every function that starts or moves a mailing loads the
 * registry; what sampling, inviting and the invitation's text need is loaded by the planner's and
 * the sender's first survey wave instead.
 */
export const SURVEY_MAILING_KIND = 'survey';

export const SURVEY_MERGE_FIELDS = [
  'survey.url',
  'survey.title',
  'survey.expiresOn',
  'survey.greeting',
] as const;

/** What the hooks know of the wave, from the mailing's `ref`. */
export function waveOf(mailing: Mailing): Wave & { title: string } {
  const ref = mailing.ref ?? {};
  return {
    id: mailing.id,
    surveyId: String(ref.surveyId),
    revision: Number(ref.revision),
    channel: 'email',
    startedAt: mailing.startedAt,
    quarter: String(ref.quarter),
    linkExpiresAt: String(ref.linkExpiresAt),
    title: String(ref.title),
  };
}

export const surveyMailings: MailingKind = {
  mergeFields: SURVEY_MERGE_FIELDS,

  async filter(ctx: TenantContext, mailing: Mailing, recipients: ContactData[]): Promise<ContactData[]> {
    const wave = waveOf(mailing);
    const item = await getItem(ctx, surveyKeys.wave(ctx.tenantId, wave.surveyId, wave.id));
    const rules = (item?.sampling ?? {}) as SurveySampling;
    if (rules.skipIfSurveyedWithinDays === undefined && rules.customersForAtLeastDays === undefined)
      return recipients;
    const { candidatesOf, sample } = await import('./sampling.ts');
    const contacts = recipients.flatMap((r) => (r.contact ? [r.contact] : []));
    const now = ctx.clock.now();
    const invited = new Set(
      (await candidatesOf(ctx, contacts, rules))
        .filter((c) => sample(c, rules, now).invite)
        .map((c) => c.contactId),
    );
    return recipients.filter((r) => invited.has(r.id));
  },

  async mergeValues(ctx: TenantContext, mailing: Mailing, recipient: ContactData, { tenant, i18n }: Reader) {
    const wave = waveOf(mailing);
    const [{ invitationUrl, inviteContact }, { invitationGreeting }] = await Promise.all([
      import('./invitations.ts'),
      import('./invitation-mail.tsx'),
    ]);
    const invitation = await inviteContact(ctx, wave, recipient.id);
    return {
      survey: {
        url: await invitationUrl(tenant, invitation),
        title: wave.title,
        // The tenant's date of the last moment the link works, not the UTC one.
        expiresOn: i18n.date(localDate(new Date(invitation.expiresAt), tenant.timeZone)),
        greeting: invitationGreeting(i18n, recipient.contact?.firstName),
      },
    };
  },

  async contentFor(_mailing: Mailing, i18n: Translator) {
    return (await import('./invitation-mail.tsx')).invitationContent(i18n);
  },

  onStatusChange(
    uow: UnitOfWork,
    ctx: TenantContext,
    mailing: Mailing,
    status: MailingStatus,
    at: string,
  ): void {
    const wave = waveOf(mailing);
    uow.update(surveyKeys.wave(ctx.tenantId, wave.surveyId, wave.id), {
      set: { mailingStatus: status, ...(status === 'sent' ? { completedAt: at } : {}) },
    });
  },
};
