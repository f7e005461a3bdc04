import type { Contact } from '../contacts/schema.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { tenantPage } from '../tenancy/page.tsx';
import type { Tenant } from '../tenancy/schema.ts';
import type { Subscription } from './schema.ts';

/**
 * The unsubscribe and preference pages. Their forms have no action: they post back to the address
 * they were opened at (the signed link), which `form-action 'self'` allows.
 */

/** What a person clicking the unsubscribe link sees: one button, which POSTs as mail clients do. */
export function confirmUnsubscribePage(
  tenant: Tenant,
  i18n: Translator,
  topic: string | undefined,
): HtmlPage {
  const title = topic
    ? i18n.t('unsubscribe.confirm.titleTopic', { topic })
    : i18n.t('unsubscribe.confirm.titleAll');
  return tenantPage(
    200,
    tenant,
    i18n,
    title,
    <>
      <h1>{title}</h1>
      <p>
        {topic
          ? i18n.t('unsubscribe.confirm.questionTopic', { topic, company: tenant.name })
          : i18n.t('unsubscribe.confirm.questionAll', { company: tenant.name })}
      </p>
      <form method="post">
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">{i18n.t('unsubscribe.confirm.button')}</button>
      </form>
    </>,
  );
}

export function unsubscribedPage(
  tenant: Tenant,
  i18n: Translator,
  topic: string | undefined,
  preferencesUrl: string | undefined,
): HtmlPage {
  const title = i18n.t('unsubscribe.done.title');
  return tenantPage(
    200,
    tenant,
    i18n,
    title,
    <>
      <h1>{title}</h1>
      <p>
        {topic
          ? i18n.t('unsubscribe.done.bodyTopic', { topic, company: tenant.name })
          : i18n.t('unsubscribe.done.bodyAll', { company: tenant.name })}
      </p>
      {preferencesUrl ? (
        <p>
          <a href={preferencesUrl}>{i18n.t('unsubscribe.done.choose')}</a>
        </p>
      ) : null}
    </>,
  );
}

export function preferencesFormPage(
  tenant: Tenant,
  i18n: Translator,
  contact: Contact,
  subscriptions: Subscription[],
  saved: boolean,
): HtmlPage {
  const stopped = contact.marketingConsent?.status === 'denied';
  const title = i18n.t('preferences.title');
  return tenantPage(
    200,
    tenant,
    i18n,
    title,
    <>
      <h1>{title}</h1>
      {saved ? (
        <p class="saved" role="status">
          {i18n.t('preferences.saved')}
        </p>
      ) : null}
      <p>
        {contact.email
          ? i18n.t('preferences.intro', { company: tenant.name, email: contact.email })
          : i18n.t('preferences.introNoEmail', { company: tenant.name })}
      </p>
      <form method="post">
        <fieldset>
          <legend>{i18n.t('preferences.want')}</legend>
          {subscriptions.length ? (
            subscriptions.map((s) => (
              <label class="choice">
                <input
                  type="checkbox"
                  name="topic"
                  value={s.topicId}
                  checked={!stopped && s.status === 'subscribed'}
                />
                {s.topicName}
              </label>
            ))
          ) : (
            <p>{i18n.t('preferences.nothing')}</p>
          )}
        </fieldset>
        <fieldset>
          <legend>{i18n.t('preferences.or')}</legend>
          <label class="choice">
            <input type="checkbox" name="all" value="stop" checked={stopped} />
            {i18n.t('preferences.stopAll')}
          </label>
        </fieldset>
        <button type="submit">{i18n.t('preferences.save')}</button>
      </form>
    </>,
  );
}
