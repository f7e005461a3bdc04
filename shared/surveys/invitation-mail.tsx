import type { Content } from '../marketing/content.ts';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import { renderFragment } from '../platform/pages/email.tsx';

/**
 * The invitation email, in the recipient's language. The pipeline fills its merge fields (the
 * recipient's own link and greeting: SURVEY_MERGE_FIELDS) and adds the compliance footer (who
 * sends it and why, the tenant's postal address, unsubscribe and preference links) and the
 * one-click unsubscribe headers.
 */
const FIELDS = {
  greeting: '{{survey.greeting}}',
  company: '{{tenant.name}}',
  url: '{{survey.url}}',
  expiresOn: '{{survey.expiresOn}}',
};

const BUTTON = {
  display: 'inline-block',
  padding: '10px 20px',
  background: '#1f4e79',
  color: '#ffffff',
  textDecoration: 'none',
  borderRadius: '4px',
};

export function invitationContent(i18n: Translator): Content {
  const t = (key: MessageKey) => i18n.t(key, FIELDS);
  return {
    subject: '{{survey.title}}',
    html: renderFragment(
      <>
        <p>{FIELDS.greeting}</p>
        <p>{t('survey.invitation.ask')}</p>
        <p>
          <a href={FIELDS.url} style={BUTTON}>
            {t('survey.invitation.button')}
          </a>
        </p>
        <p>{t('survey.invitation.validUntil')}</p>
        <p>
          {t('survey.invitation.thanks')}
          <br />
          {FIELDS.company}
        </p>
      </>,
    ),
    text: [
      FIELDS.greeting,
      `${t('survey.invitation.ask')}\n\n${FIELDS.url}`,
      t('survey.invitation.validUntil'),
      `${t('survey.invitation.thanks')}\n${FIELDS.company}`,
    ].join('\n\n'),
  };
}

/** The greeting of one recipient: by first name when there is one. */
export function invitationGreeting(i18n: Translator, firstName: string | undefined): string {
  return firstName
    ? i18n.t('survey.invitation.greeting', { firstName })
    : i18n.t('survey.invitation.greetingNobody');
}
