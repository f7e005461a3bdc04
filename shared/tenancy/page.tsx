import type { ComponentChildren } from 'preact';
import type { Translator } from '../platform/i18n/translator.ts';
import { type HtmlPage, type PageProblem, renderPage, Shell } from '../platform/pages/shell.tsx';
import { postalAddressLine } from './address.ts';
import type { Tenant } from './schema.ts';

/**
 * A public page on behalf of a tenant: the shell, in the reader's language, with the tenant's name
 * above the content and its name and postal address below, so people know who is asking.
 */
export function tenantPage(
  status: number,
  tenant: Pick<Tenant, 'name' | 'postalAddress'>,
  i18n: Translator,
  title: string,
  children: ComponentChildren,
  problem?: PageProblem,
): HtmlPage {
  return renderPage(
    status,
    <Shell
      lang={i18n.locale}
      title={`${title} · ${tenant.name}`}
      brand={tenant.name}
      footer={`${tenant.name}, ${postalAddressLine(tenant)}`}
    >
      {children}
    </Shell>,
    problem,
  );
}

/** A page that only says something (an expired link, a thank-you), for a tenant's reader. */
export function tenantNotice(
  status: number,
  tenant: Pick<Tenant, 'name' | 'postalAddress'>,
  i18n: Translator,
  title: string,
  message: string,
): HtmlPage {
  return tenantPage(
    status,
    tenant,
    i18n,
    title,
    <>
      <h1>{title}</h1>
      <p>{message}</p>
    </>,
    status >= 400 ? { title, detail: message } : undefined,
  );
}

/**
 * The page of a link that cannot be opened. `expired` is the page's own message (a survey's time
 * is over; a self-service link can be asked for again); a revoked link (the tenant rotated its
 * keys) and a broken one read the same everywhere.
 */
export function linkProblemPage(
  reason: 'expired' | 'invalid' | 'revoked',
  tenant: Pick<Tenant, 'name' | 'postalAddress'> | undefined,
  i18n: Translator,
  expired: { title: string; message: string },
): HtmlPage {
  if (reason === 'expired' && tenant) return tenantNotice(410, tenant, i18n, expired.title, expired.message);
  if (reason === 'revoked' && tenant)
    return tenantNotice(
      410,
      tenant,
      i18n,
      i18n.t('link.revoked.title'),
      i18n.t('link.revoked.body', { company: tenant.name }),
    );
  const title = i18n.t('link.invalid.title');
  const detail = i18n.t('link.invalid.body');
  return renderPage(
    404,
    <Shell lang={i18n.locale} title={title}>
      <h1>{title}</h1>
      <p>{detail}</p>
    </Shell>,
    { title, detail },
  );
}
