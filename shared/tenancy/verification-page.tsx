import type { ComponentChildren } from 'preact';
import type { Translator } from '../platform/i18n/translator.ts';
import { renderTextEmail } from '../platform/pages/email.tsx';
import { type HtmlPage, type PageProblem, renderPage, Shell } from '../platform/pages/shell.tsx';

/**
 * The pages and the email of sign-up verification. They come from the service, not from the
 * tenant (the tenant cannot send anything yet), so they carry the service's name, in the tenant's
 * language, through the same shell and engine as every other page.
 */
const SERVICE = 'Funnel CRM';

function servicePage(
  status: number,
  i18n: Translator,
  title: string,
  body: ComponentChildren,
  problem?: PageProblem,
) {
  return renderPage(
    status,
    <Shell lang={i18n.locale} title={title} brand={SERVICE}>
      <h1>{title}</h1>
      {body}
    </Shell>,
    problem,
  );
}

/** A page that only says something: a thank-you, an expired or broken link. */
export function verificationNotice(
  status: number,
  i18n: Translator,
  title: string,
  message: string,
): HtmlPage {
  return servicePage(
    status,
    i18n,
    title,
    <p>{message}</p>,
    status >= 400 ? { title, detail: message } : undefined,
  );
}

/** The page a link opens: a button whose POST verifies (a mail scanner's GET verifies nothing). */
export function verificationFormPage(i18n: Translator, email: string, company: string): HtmlPage {
  return servicePage(
    200,
    i18n,
    i18n.t('verification.form.title'),
    <>
      <p>{i18n.t('verification.form.body', { email, company })}</p>
      <form method="post">
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">{i18n.t('verification.form.button')}</button>
      </form>
    </>,
  );
}

/** The verification email: its subject, text and HTML in the tenant's language. */
export function verificationEmail(
  i18n: Translator,
  values: { admin: string; email: string; company: string; url: string; hours: number },
): { subject: string; text: string; html: string } {
  const text = i18n.t('verification.email.body', values);
  return {
    subject: i18n.t('verification.email.subject', { company: values.company }),
    text,
    html: renderTextEmail({ lang: i18n.locale, brand: SERVICE, footer: [SERVICE] }, text),
  };
}
